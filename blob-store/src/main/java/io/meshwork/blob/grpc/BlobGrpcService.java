package io.meshwork.blob.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobRange;
import io.meshwork.blob.core.BlobRecord;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.UploadSession;
import io.meshwork.blob.core.UploadState;
import io.meshwork.blob.core.UploadWriter;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CancelUploadRequest;
import io.meshwork.blob.v1.CancelUploadResponse;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.CreateUploadResponse;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.blob.v1.GetBlobRequest;
import io.meshwork.blob.v1.GetBlobResponse;
import io.meshwork.blob.v1.GetUploadRequest;
import io.meshwork.blob.v1.GetUploadResponse;
import io.meshwork.blob.v1.Upload;
import io.meshwork.blob.v1.UploadRequest;
import io.meshwork.blob.v1.UploadResponse;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.grpc.Rpc;
import java.util.Optional;

/**
 * {@code meshwork.blob.v1.BlobService}: checks the shape of each request, calls {@link
 * BlobRepository} as the authenticated caller, and answers. Whatever a handler throws becomes a
 * status in the server's error-mapping interceptor; the repository decides who may do what.
 *
 * <p>Both streaming calls run their I/O on gRPC's executor threads, one message at a time: an
 * upload's next frame is not delivered until the previous one is staged (gRPC's flow control holds
 * the client back meanwhile), and a download reads its next frame only when the transport is ready
 * for it. So neither ever holds more than a frame in memory.
 */
public final class BlobGrpcService extends BlobServiceGrpc.BlobServiceImplBase {
  private final BlobRepository repository;

  /** Serves {@code repository}. */
  public BlobGrpcService(BlobRepository repository) {
    this.repository = repository;
  }

  private int maxFrame() {
    return repository.limits().maxFrameBytes();
  }

  private Upload upload(UploadSession session) {
    Optional<BlobRecord> blob =
        session.state() == UploadState.COMPLETE
            ? repository.storedBlob(session.cid())
            : Optional.empty();
    return BlobProtos.upload(session, blob, maxFrame());
  }

  @Override
  public void createUpload(
      CreateUploadRequest request, StreamObserver<CreateUploadResponse> responses) {
    Rpc.unary(
        responses,
        () -> {
          UploadSession session =
              repository.createUpload(
                  Caller.current().did(),
                  new BlobRepository.NewUpload(
                      request.getRequestId(),
                      request.getSize(),
                      optional(request.getExpectedCid()),
                      optional(request.getJobId())));
          return CreateUploadResponse.newBuilder().setUpload(upload(session)).build();
        });
  }

  @Override
  public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> responses) {
    // Client-streaming handlers start inside the call's context, where the caller is known.
    String caller = Caller.current().did();
    return new UploadFrames(caller, responses);
  }

  @Override
  public void getUpload(GetUploadRequest request, StreamObserver<GetUploadResponse> responses) {
    Rpc.unary(
        responses,
        () ->
            GetUploadResponse.newBuilder()
                .setUpload(upload(repository.upload(Caller.current().did(), request.getUploadId())))
                .build());
  }

  @Override
  public void cancelUpload(
      CancelUploadRequest request, StreamObserver<CancelUploadResponse> responses) {
    Rpc.unary(
        responses,
        () ->
            CancelUploadResponse.newBuilder()
                .setUpload(
                    upload(repository.cancelUpload(Caller.current().did(), request.getUploadId())))
                .build());
  }

  @Override
  public void getBlob(GetBlobRequest request, StreamObserver<GetBlobResponse> responses) {
    Rpc.unary(
        responses,
        () ->
            GetBlobResponse.newBuilder()
                .setBlob(BlobProtos.blob(repository.blob(Caller.current().did(), request.getCid())))
                .build());
  }

  @Override
  public void download(DownloadRequest request, StreamObserver<DownloadResponse> responses) {
    BlobRange range =
        repository.openRange(
            Caller.current().did(), request.getCid(), request.getOffset(), request.getLength());
    new RangeSender(range, (ServerCallStreamObserver<DownloadResponse>) responses, maxFrame())
        .start();
  }

  private static Optional<String> optional(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  /** One Upload call: the first frame opens the writer, each frame is written, the end answers. */
  private final class UploadFrames implements StreamObserver<UploadRequest> {
    private final String caller;
    private final StreamObserver<UploadResponse> responses;
    private UploadWriter writer;

    UploadFrames(String caller, StreamObserver<UploadResponse> responses) {
      this.caller = caller;
      this.responses = responses;
    }

    @Override
    public void onNext(UploadRequest frame) {
      try {
        if (writer == null) {
          if (frame.getUploadId().isEmpty()) {
            throw BlobErrors.invalidField("upload_id", "is required in the first frame");
          }
          writer = repository.openWriter(caller, frame.getUploadId(), frame.getOffset());
        } else if (!frame.getUploadId().isEmpty() || frame.getOffset() != 0) {
          throw BlobErrors.invalidField("upload_id", "and offset belong in the first frame only");
        }
        writer.write(frame.getData().asReadOnlyByteBuffer());
      } catch (RuntimeException e) {
        // The interceptor ends the call with this failure and sends this observer nothing more,
        // so the writer is let go here: the upload keeps what it acknowledged.
        abandon();
        throw e;
      }
    }

    @Override
    public void onError(Throwable t) {
      // The client cancelled or went away: keep what can be kept for its next call.
      abandon();
    }

    @Override
    public void onCompleted() {
      if (writer == null) {
        throw BlobErrors.invalidField("upload_id", "is required: the call sent no frame");
      }
      UploadWriter done = writer;
      writer = null;
      UploadSession session = done.finish();
      responses.onNext(UploadResponse.newBuilder().setUpload(upload(session)).build());
      responses.onCompleted();
    }

    private void abandon() {
      if (writer != null) {
        writer.abandon();
        writer = null;
      }
    }
  }
}
