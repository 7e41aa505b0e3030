package io.meshwork.blob;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshwork.blob.testing.FakeJobs;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.blob.v1.UploadRequest;
import io.meshwork.blob.v1.UploadResponse;
import io.meshwork.content.StreamingCid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams one blob larger than the JVM's heap up and back down through the blob service, making its
 * bytes as it goes: run by {@link SmallHeapSmokeTest} in a JVM with a small heap, it passes only if
 * neither the client nor the service holds the blob in memory. Prints "ok CID" and exits 0, or
 * fails with an exception.
 */
public final class SmallHeapSmoke {
  private static final int FRAME = io.meshwork.blob.core.BlobLimits.DEFAULTS.maxFrameBytes();

  private SmallHeapSmoke() {}

  public static void main(String[] args) throws Exception {
    String dataDir = args[0];
    long size = Long.parseLong(args[1]);
    String name = InProcessServerBuilder.generateName();
    Identity alice = Identity.generate();
    BlobService[] blobs = new BlobService[1];
    ServiceHost host =
        ServiceHost.start(
            "blobs",
            SettingsSchema.of("blobs", SharedSettings.ALL, BlobSettings.KEYS),
            new MapSettings(Map.of("data-dir", dataDir)),
            ctx -> {
              blobs[0] = BlobService.open(ctx, new FakeJobs());
              return new MeshService() {
                @Override
                public List<io.meshwork.runtime.auth.GuardedService> grpcServices() {
                  return List.of(blobs[0].grpcService());
                }

                @Override
                public void close() {
                  blobs[0].close();
                }
              };
            },
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      BearerCredentials credentials = new BearerCredentials(alice);
      BlobServiceGrpc.BlobServiceBlockingStub blocking =
          BlobServiceGrpc.newBlockingStub(channel).withCallCredentials(credentials);
      String uploadId =
          blocking
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .createUpload(
                  CreateUploadRequest.newBuilder().setRequestId("smoke").setSize(size).build())
              .getUpload()
              .getUploadId();
      String sent = upload(channel, credentials, uploadId, size);
      Iterator<DownloadResponse> frames =
          blocking
              .withDeadlineAfter(300, TimeUnit.SECONDS)
              .download(DownloadRequest.newBuilder().setCid(sent).build());
      StreamingCid received = new StreamingCid();
      while (frames.hasNext()) {
        received.update(frames.next().getData().asReadOnlyByteBuffer());
      }
      if (received.length() != size || !received.cid().equals(sent)) {
        throw new AssertionError("downloaded " + received.length() + " bytes, " + received.cid());
      }
      System.out.println("ok " + sent);
    } finally {
      channel.shutdownNow();
      host.close();
    }
  }

  /** Sends {@code size} seeded bytes, a frame whenever the call is ready; returns their CID. */
  private static String upload(
      ManagedChannel channel, BearerCredentials credentials, String uploadId, long size)
      throws Exception {
    CompletableFuture<UploadResponse> answer = new CompletableFuture<>();
    Object ready = new Object();
    AtomicReference<ClientCallStreamObserver<UploadRequest>> call = new AtomicReference<>();
    ClientResponseObserver<UploadRequest, UploadResponse> responses =
        new ClientResponseObserver<>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<UploadRequest> requests) {
            call.set(requests);
            requests.setOnReadyHandler(
                () -> {
                  synchronized (ready) {
                    ready.notifyAll();
                  }
                });
          }

          @Override
          public void onNext(UploadResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        };
    BlobServiceGrpc.newStub(channel)
        .withCallCredentials(credentials)
        .withDeadlineAfter(300, TimeUnit.SECONDS)
        .upload(responses);
    Random random = new Random(42);
    byte[] frame = new byte[FRAME];
    StreamingCid cid = new StreamingCid();
    for (long at = 0; at < size; at += FRAME) {
      int n = (int) Math.min(FRAME, size - at);
      random.nextBytes(frame);
      cid.update(frame, 0, n);
      synchronized (ready) {
        while (!call.get().isReady() && !answer.isDone()) {
          ready.wait(100);
        }
      }
      UploadRequest.Builder message =
          UploadRequest.newBuilder().setData(ByteString.copyFrom(frame, 0, n));
      if (at == 0) {
        message.setUploadId(uploadId).setOffset(0);
      }
      call.get().onNext(message.build());
    }
    call.get().onCompleted();
    String stored = answer.get(300, TimeUnit.SECONDS).getUpload().getBlob().getCid();
    if (!stored.equals(cid.cid())) {
      throw new AssertionError("sent " + cid.cid() + " but the service stored " + stored);
    }
    return stored;
  }
}
