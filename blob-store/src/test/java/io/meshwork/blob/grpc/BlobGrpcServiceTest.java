package io.meshwork.blob.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.meshwork.blob.BlobService;
import io.meshwork.blob.BlobSettings;
import io.meshwork.blob.testing.Bytes;
import io.meshwork.blob.testing.FakeJobs;
import io.meshwork.blob.testing.MutableClock;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.blob.v1.GetBlobRequest;
import io.meshwork.blob.v1.GetUploadRequest;
import io.meshwork.blob.v1.Upload;
import io.meshwork.blob.v1.UploadRequest;
import io.meshwork.blob.v1.UploadResponse;
import io.meshwork.blob.v1.UploadState;
import io.meshwork.content.Cid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork.blob.v1.BlobService} as a process serves it: {@link BlobService#open} under
 * {@link ServiceHost} with the production interceptors (real bearer tokens, error mapping), over
 * the in-process transport, with a fake of the jobs port. The misbehaving clients are this test
 * speaking the real protocol.
 */
class BlobGrpcServiceTest {
  static final SettingsSchema SCHEMA =
      SettingsSchema.of("blobs", SharedSettings.ALL, BlobSettings.KEYS);
  static final int FRAME = 64 * 1024;

  @TempDir Path dataDir;
  final Identity alice = Identity.generate();
  final Identity bob = Identity.generate();
  final Identity eve = Identity.generate();
  final Identity executor = Identity.generate();
  final Identity orchestrator = Identity.generate();
  // Clients sign their tokens by the same clock the server checks them by.
  final MutableClock clock = new MutableClock(Instant.now());
  final FakeJobs jobs = new FakeJobs();
  ServiceHost host;
  ManagedChannel channel;
  BlobService blobs;

  /** What a test serving only the blob service plugs into ServiceHost, as the orchestrator will. */
  final class BlobsOnly implements MeshService {
    @Override
    public List<io.meshwork.runtime.auth.GuardedService> grpcServices() {
      return List.of(blobs.grpcService());
    }

    @Override
    public boolean ready() {
      return blobs.ready();
    }

    @Override
    public void close() {
      blobs.close();
    }
  }

  void start(Map<String, String> extra) {
    String name = InProcessServerBuilder.generateName();
    Map<String, String> settings = new HashMap<>();
    settings.put("data-dir", dataDir.toString());
    settings.put("blobs.max-frame-bytes", String.valueOf(FRAME));
    settings.put("blobs.checkpoint-bytes", "100000");
    settings.put("blobs.quota-bytes", "2000000");
    settings.put("blobs.max-open-uploads", "4");
    settings.put("blobs.retention", "PT1H");
    settings.putAll(extra);
    host =
        ServiceHost.start(
            "blobs",
            SCHEMA,
            new MapSettings(settings),
            ctx -> {
              blobs = BlobService.open(ctx, jobs);
              return new BlobsOnly();
            },
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            clock);
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @BeforeEach
  void start() {
    jobs.reader(orchestrator.did());
    start(Map.of());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
  }

  BlobServiceGrpc.BlobServiceBlockingStub as(Identity who) {
    return BlobServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(new BearerCredentials(who, clock))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  BlobServiceGrpc.BlobServiceStub async(Identity who) {
    return BlobServiceGrpc.newStub(channel)
        .withCallCredentials(new BearerCredentials(who, clock))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  Upload create(Identity who, String requestId, long size) {
    return as(who)
        .createUpload(
            CreateUploadRequest.newBuilder().setRequestId(requestId).setSize(size).build())
        .getUpload();
  }

  /** One Upload call sending {@code data[from, to)} from {@code from}, half-closed at the end. */
  Upload send(Identity who, String uploadId, byte[] data, int from, int to) throws Exception {
    CompletableFuture<UploadResponse> answer = new CompletableFuture<>();
    StreamObserver<UploadRequest> frames = async(who).upload(observer(answer));
    UploadRequest.Builder first = UploadRequest.newBuilder().setUploadId(uploadId).setOffset(from);
    if (from == to) {
      frames.onNext(first.build());
    }
    for (int at = from; at < to; at += FRAME) {
      ByteString piece = ByteString.copyFrom(data, at, Math.min(FRAME, to - at));
      frames.onNext(
          at == from
              ? first.setData(piece).build()
              : UploadRequest.newBuilder().setData(piece).build());
    }
    frames.onCompleted();
    return answer.get(30, TimeUnit.SECONDS).getUpload();
  }

  static <T> StreamObserver<T> observer(CompletableFuture<T> answer) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  String uploadAll(Identity who, String requestId, byte[] data) throws Exception {
    Upload open = create(who, requestId, data.length);
    Upload done = send(who, open.getUploadId(), data, 0, data.length);
    assertEquals(UploadState.UPLOAD_STATE_COMPLETE, done.getState());
    return done.getBlob().getCid();
  }

  byte[] download(Identity who, String cid, long offset, long length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<DownloadResponse> frames =
        as(who)
            .download(
                DownloadRequest.newBuilder()
                    .setCid(cid)
                    .setOffset(offset)
                    .setLength(length)
                    .build());
    long expect = offset;
    while (frames.hasNext()) {
      DownloadResponse frame = frames.next();
      assertEquals(expect, frame.getOffset());
      assertTrue(frame.getData().size() <= FRAME);
      out.writeBytes(frame.getData().toByteArray());
      expect += frame.getData().size();
    }
    return out.toByteArray();
  }

  static void refused(Status.Code code, String reason, Executable call) {
    Throwable t = assertThrows(Throwable.class, call);
    while (!(t instanceof StatusRuntimeException) && t.getCause() != null) {
      t = t.getCause();
    }
    StatusRuntimeException e = (StatusRuntimeException) t;
    assertEquals(code, e.getStatus().getCode(), e.getMessage());
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    String got = "";
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          got = detail.unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
          throw new AssertionError(x);
        }
      }
    }
    assertEquals(reason, got, e.getMessage());
  }

  @Test
  void anUploadDroppedMidStreamContinuesFromTheAcknowledgedOffset() throws Exception {
    byte[] data = Bytes.random(700_000, 1);
    Upload open = create(alice, "r1", data.length);
    assertEquals(FRAME, open.getMaxFrameBytes());

    // A client that sends 300,000 bytes and then drops the call.
    CompletableFuture<UploadResponse> dropped = new CompletableFuture<>();
    StreamObserver<UploadRequest> frames = async(alice).upload(observer(dropped));
    for (int at = 0; at < 300_000; at += FRAME) {
      UploadRequest.Builder frame =
          UploadRequest.newBuilder()
              .setData(ByteString.copyFrom(data, at, Math.min(FRAME, 300_000 - at)));
      if (at == 0) {
        frame.setUploadId(open.getUploadId()).setOffset(0);
      }
      frames.onNext(frame.build());
    }
    // Wait (bounded) until the server acknowledged its first checkpoint, then drop the call.
    for (int i = 0; i < 300 && ack(alice, open.getUploadId()) == 0; i++) {
      Thread.sleep(50);
    }
    assertTrue(ack(alice, open.getUploadId()) >= 100_000);
    frames.onError(new RuntimeException("the client went away"));
    assertThrows(Exception.class, () -> dropped.get(30, TimeUnit.SECONDS));

    // The server keeps what it acknowledged; the frames may still be arriving when the cancel
    // lands, so ask until the upload is free again.
    Upload status = awaitIdle(alice, open.getUploadId());
    long acked = status.getAcknowledgedOffset();
    assertTrue(acked >= 100_000 && acked <= 300_000, "acknowledged " + acked);
    refused(
        Status.Code.FAILED_PRECONDITION,
        "OFFSET_MISMATCH",
        () -> send(alice, open.getUploadId(), data, 0, data.length));

    Upload done = send(alice, open.getUploadId(), data, (int) acked, data.length);
    assertEquals(UploadState.UPLOAD_STATE_COMPLETE, done.getState());
    assertEquals(Cid.of(data), done.getBlob().getCid());
    assertArrayEquals(data, download(alice, Cid.of(data), 0, 0));
  }

  long ack(Identity who, String uploadId) {
    return as(who)
        .getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getUpload()
        .getAcknowledgedOffset();
  }

  /** Waits until no call streams to the upload (the server has let go of the dropped one). */
  Upload awaitIdle(Identity who, String uploadId) throws Exception {
    for (int i = 0; i < 300; i++) {
      try {
        // Sending nothing from the acknowledged offset is refused only while another call streams.
        Upload now =
            as(who)
                .getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
                .getUpload();
        send(
            who,
            uploadId,
            new byte[0],
            (int) now.getAcknowledgedOffset(),
            (int) now.getAcknowledgedOffset());
        return as(who)
            .getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
            .getUpload();
      } catch (Exception e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("upload " + uploadId + " stayed busy");
  }

  @Test
  void aRangeIsDownloadedInFrames() throws Exception {
    byte[] data = Bytes.random(500_000, 2);
    String cid = uploadAll(alice, "r1", data);
    assertArrayEquals(
        Arrays.copyOfRange(data, 100_001, 400_001), download(alice, cid, 100_001, 300_000));
    assertArrayEquals(Arrays.copyOfRange(data, 499_999, 500_000), download(alice, cid, 499_999, 0));
    DownloadResponse first =
        as(alice)
            .download(DownloadRequest.newBuilder().setCid(cid).setOffset(10).setLength(5).build())
            .next();
    assertEquals(cid, first.getBlob().getCid());
    assertEquals(500_000, first.getBlob().getSize());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD",
        () -> download(alice, cid, 400_000, 100_001));
  }

  @Test
  void theSameBytesUploadedTwiceAreOneBlob() throws Exception {
    byte[] data = Bytes.random(120_000, 3);
    String cid = uploadAll(alice, "r1", data);
    assertEquals(cid, uploadAll(bob, "r1", data));
    assertArrayEquals(data, download(bob, cid, 0, 0));
    Upload again =
        as(alice)
            .createUpload(
                CreateUploadRequest.newBuilder()
                    .setRequestId("r2")
                    .setSize(data.length)
                    .setExpectedCid(cid)
                    .build())
            .getUpload();
    assertEquals(UploadState.UPLOAD_STATE_COMPLETE, again.getState());
    assertEquals(cid, again.getBlob().getCid());
  }

  @Test
  void limitsAreRefusedWithTheirReasons() throws Exception {
    refused(
        Status.Code.RESOURCE_EXHAUSTED,
        "QUOTA_EXCEEDED",
        () -> create(alice, "too-much", 2_000_001));
    for (int i = 0; i < 4; i++) {
      create(alice, "open-" + i, 1);
    }
    refused(Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_UPLOADS", () -> create(alice, "fifth", 1));
    Upload open = create(bob, "r1", 100_000);
    refused(
        Status.Code.INVALID_ARGUMENT,
        "FRAME_TOO_LARGE",
        () -> {
          CompletableFuture<UploadResponse> answer = new CompletableFuture<>();
          StreamObserver<UploadRequest> frames = async(bob).upload(observer(answer));
          frames.onNext(
              UploadRequest.newBuilder()
                  .setUploadId(open.getUploadId())
                  .setData(ByteString.copyFrom(new byte[FRAME + 1]))
                  .build());
          frames.onCompleted();
          answer.get(30, TimeUnit.SECONDS);
        });
    Upload small = create(bob, "r2", 10);
    refused(
        Status.Code.INVALID_ARGUMENT,
        "SIZE_EXCEEDED",
        () -> send(bob, small.getUploadId(), new byte[11], 0, 11));
    refused(Status.Code.INVALID_ARGUMENT, "INVALID_FIELD", () -> send(bob, "", new byte[1], 0, 1));
    refused(
        Status.Code.NOT_FOUND,
        "UPLOAD_NOT_FOUND",
        () -> as(bob).getUpload(GetUploadRequest.newBuilder().setUploadId("up-none").build()));
  }

  @Test
  void bytesThatAreNotTheDeclaredCidAreRefused() throws Exception {
    byte[] data = Bytes.random(1000, 4);
    Upload open =
        as(alice)
            .createUpload(
                CreateUploadRequest.newBuilder()
                    .setRequestId("r1")
                    .setSize(data.length)
                    .setExpectedCid(Cid.of(new byte[] {7}))
                    .build())
            .getUpload();
    refused(
        Status.Code.INVALID_ARGUMENT,
        "CID_MISMATCH",
        () -> send(alice, open.getUploadId(), data, 0, data.length));
    assertEquals(
        UploadState.UPLOAD_STATE_FAILED,
        as(alice)
            .getUpload(GetUploadRequest.newBuilder().setUploadId(open.getUploadId()).build())
            .getUpload()
            .getState());
  }

  @Test
  void onlyTheRightCallersReadAndUpload() throws Exception {
    byte[] input = Bytes.random(3000, 5);
    String cid = uploadAll(alice, "r1", input);
    refused(
        Status.Code.PERMISSION_DENIED,
        "BLOB_ACCESS_DENIED",
        () -> as(eve).getBlob(GetBlobRequest.newBuilder().setCid(cid).build()));
    refused(Status.Code.PERMISSION_DENIED, "BLOB_ACCESS_DENIED", () -> download(eve, cid, 0, 0));
    refused(
        Status.Code.PERMISSION_DENIED, "BLOB_ACCESS_DENIED", () -> download(executor, cid, 0, 0));

    // Alice's job uses the blob, and the executor works on the job: now it may read.
    jobs.job("job-1", alice.did()).worker("job-1", executor.did());
    blobs.repository().use("job-1", cid);
    assertArrayEquals(input, download(executor, cid, 0, 0));

    // The executor's result belongs to Alice; Eve may not upload for a job she is not on.
    refused(
        Status.Code.PERMISSION_DENIED,
        "NOT_ON_JOB",
        () ->
            as(eve)
                .createUpload(
                    CreateUploadRequest.newBuilder()
                        .setRequestId("r1")
                        .setSize(1)
                        .setJobId("job-1")
                        .build()));
    byte[] result = Bytes.random(2000, 6);
    Upload forJob =
        as(executor)
            .createUpload(
                CreateUploadRequest.newBuilder()
                    .setRequestId("result-1")
                    .setSize(result.length)
                    .setJobId("job-1")
                    .build())
            .getUpload();
    assertEquals(alice.did(), forJob.getOwnerDid());
    refused(
        Status.Code.PERMISSION_DENIED,
        "NOT_UPLOADER",
        () -> send(alice, forJob.getUploadId(), result, 0, result.length));
    String resultCid =
        send(executor, forJob.getUploadId(), result, 0, result.length).getBlob().getCid();
    assertArrayEquals(result, download(alice, resultCid, 0, 0));

    // Unknown CIDs: a stranger learns nothing, the orchestrator is told plainly.
    String absent = Cid.of(new byte[] {1, 2, 3});
    refused(
        Status.Code.PERMISSION_DENIED,
        "BLOB_ACCESS_DENIED",
        () -> as(eve).getBlob(GetBlobRequest.newBuilder().setCid(absent).build()));
    refused(
        Status.Code.NOT_FOUND,
        "BLOB_NOT_FOUND",
        () -> as(orchestrator).getBlob(GetBlobRequest.newBuilder().setCid(absent).build()));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD",
        () -> as(alice).getBlob(GetBlobRequest.newBuilder().setCid("Bafk").build()));
  }

  @Test
  void aBlobIsRemovedAfterItsRetentionPeriod() throws Exception {
    byte[] data = Bytes.random(5000, 7);
    String cid = uploadAll(alice, "r1", data);
    jobs.job("job-1", alice.did());
    blobs.repository().use("job-1", cid);
    clock.advance(Duration.ofHours(3));
    assertEquals(0, blobs.sweepNow().blobsRemoved());
    blobs.repository().release("job-1");
    clock.advance(Duration.ofMinutes(61));
    assertEquals(1, blobs.sweepNow().blobsRemoved());
    refused(
        Status.Code.NOT_FOUND,
        "BLOB_NOT_FOUND",
        () -> as(orchestrator).getBlob(GetBlobRequest.newBuilder().setCid(cid).build()));
    refused(Status.Code.PERMISSION_DENIED, "BLOB_ACCESS_DENIED", () -> download(alice, cid, 0, 0));
  }
}
