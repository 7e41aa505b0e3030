package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.blob.v1.GetBlobRequest;
import io.meshwork.blob.v1.Upload;
import io.meshwork.blob.v1.UploadRequest;
import io.meshwork.blob.v1.UploadResponse;
import io.meshwork.blob.v1.UploadState;
import io.meshwork.client.MeshClientException;
import io.meshwork.content.Cid;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator serves the blob store on its own port, over TLS, as the development mesh runs
 * it: a user uploads a blob in frames and reads it back, and who may read it is the orchestrator's
 * to say (a stranger, or an executor with no task of a job using it, may not).
 */
class OrchestratorBlobsTest {
  @TempDir Path dataDir;

  private static BlobServiceGrpc.BlobServiceBlockingStub as(ManagedChannel c, Identity who) {
    return BlobServiceGrpc.newBlockingStub(c)
        .withCallCredentials(new BearerCredentials(who))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void aUserUploadsABlobToTheOrchestratorAndOnlyItsHolderReadsItBack() throws Exception {
    byte[] bytes = new byte[3 << 20];
    new Random(7).nextBytes(bytes);
    Identity alice = Identity.generate();
    try (DevMesh mesh = DevMesh.start(dataDir, MeshFixtures.freeLayout(1), Map.of())) {
      ManagedChannel channel = MeshFixtures.userChannel(mesh, "orchestrator");
      try {
        Upload upload =
            as(channel, alice)
                .createUpload(
                    CreateUploadRequest.newBuilder()
                        .setRequestId("alice-1")
                        .setSize(bytes.length)
                        .setExpectedCid(Cid.of(bytes))
                        .build())
                .getUpload();
        Upload done = send(channel, alice, upload, bytes);
        assertEquals(UploadState.UPLOAD_STATE_COMPLETE, done.getState());
        assertEquals(Cid.of(bytes), done.getBlob().getCid());

        Iterator<DownloadResponse> frames =
            as(channel, alice).download(DownloadRequest.newBuilder().setCid(Cid.of(bytes)).build());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        frames.forEachRemaining(f -> back.writeBytes(f.getData().toByteArray()));
        assertArrayEquals(bytes, back.toByteArray());

        // Neither a stranger nor a member executor with no task of a job using it reads it.
        Identity executor = MeshFixtures.serviceIdentity(dataDir, "executor-1");
        for (Identity other : new Identity[] {Identity.generate(), executor}) {
          StatusRuntimeException e =
              assertThrows(
                  StatusRuntimeException.class,
                  () ->
                      as(channel, other)
                          .getBlob(GetBlobRequest.newBuilder().setCid(Cid.of(bytes)).build()));
          MeshClientException m = MeshClientException.fromGrpc(e);
          assertEquals(Status.Code.PERMISSION_DENIED, m.code(), m.getMessage());
          assertEquals(Optional.of("BLOB_ACCESS_DENIED"), m.reason(), m.getMessage());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Streams {@code bytes} in frames of the upload's size, and returns the upload after it. */
  private static Upload send(ManagedChannel c, Identity who, Upload upload, byte[] bytes)
      throws Exception {
    CompletableFuture<UploadResponse> answer = new CompletableFuture<>();
    StreamObserver<UploadRequest> out =
        BlobServiceGrpc.newStub(c)
            .withCallCredentials(new BearerCredentials(who))
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .upload(
                new StreamObserver<>() {
                  @Override
                  public void onNext(UploadResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    int frame = upload.getMaxFrameBytes();
    for (int from = 0; from < bytes.length; from += frame) {
      UploadRequest.Builder r =
          UploadRequest.newBuilder()
              .setData(
                  ByteString.copyFrom(
                      Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + frame))));
      if (from == 0) {
        r.setUploadId(upload.getUploadId()).setOffset(0);
      }
      out.onNext(r.build());
    }
    out.onCompleted();
    return answer.get(60, TimeUnit.SECONDS).getUpload();
  }
}
