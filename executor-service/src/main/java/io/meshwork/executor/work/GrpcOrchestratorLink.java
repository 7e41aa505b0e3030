package io.meshwork.executor.work;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.compute.v1.ComputeServiceGrpc;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.compute.v1.GetModuleRequest;
import io.meshwork.compute.v1.ReturnTaskResultRequest;
import io.meshwork.runtime.errors.ErrorMapping;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Reaches the assigning orchestrator's ComputeService, and the BlobService it serves on the same
 * port, with the executor's credentials.
 */
public final class GrpcOrchestratorLink implements OrchestratorLink {
  private static final Logger LOG = Logger.getLogger(GrpcOrchestratorLink.class.getName());

  private final Function<String, Channel> channels;
  private final CallCredentials credentials;

  /** Signs calls with the executor's credentials. */
  public GrpcOrchestratorLink(Function<String, Channel> channels, CallCredentials credentials) {
    this.channels = channels;
    this.credentials = credentials;
  }

  /**
   * The channel to {@code endpoint}, reconnecting at once when it failed a moment ago: the
   * orchestrator may have restarted, or a stand-by replica taken over behind the same address, and
   * the channel's own reconnect back-off grows to minutes.
   */
  private Channel channel(String endpoint) {
    Channel channel = channels.apply(endpoint);
    if (channel instanceof ManagedChannel managed
        && managed.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      managed.resetConnectBackoff();
    }
    return channel;
  }

  @Override
  public boolean deliver(String endpoint, ComputeTaskResult result) {
    // Wait-for-ready, here and in the downloads: a call is not given up because the connection
    // is being re-established; its deadline still bounds the wait.
    boolean verified =
        ComputeServiceGrpc.newBlockingStub(channel(endpoint))
            .withCallCredentials(credentials)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .withWaitForReady()
            .returnTaskResult(ReturnTaskResultRequest.newBuilder().setResult(result).build())
            .getVerified();
    if (!verified) {
      LOG.info("the orchestrator did not verify the result of " + result.getTaskId());
    }
    return verified;
  }

  @Override
  public byte[] fetchModule(String endpoint, String moduleCid) {
    return stub(endpoint, 10)
        .getModule(GetModuleRequest.newBuilder().setModuleCid(moduleCid).build())
        .getWasmModule()
        .toByteArray();
  }

  @Override
  public void fetchRange(
      String endpoint,
      String blobCid,
      long offset,
      long length,
      Duration deadline,
      Consumer<ByteBuffer> frames) {
    DownloadRequest request =
        DownloadRequest.newBuilder().setCid(blobCid).setOffset(offset).setLength(length).build();
    // The download belongs to a context of its own, so that it is cancelled when this method
    // leaves early (a frame refused, a failure in the caller's hands) instead of streaming on.
    Context.CancellableContext download = Context.current().withCancellation();
    try {
      download.run(
          () -> {
            Iterator<DownloadResponse> stream =
                BlobServiceGrpc.newBlockingStub(channel(endpoint))
                    .withCallCredentials(credentials)
                    .withWaitForReady()
                    .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
                    .download(request);
            long next = offset;
            while (stream.hasNext()) {
              DownloadResponse frame = stream.next();
              if (frame.getOffset() != next) {
                throw new IllegalStateException(
                    "the blob service sent a frame at offset "
                        + frame.getOffset()
                        + " where "
                        + next
                        + " was due");
              }
              frames.accept(frame.getData().asReadOnlyByteBuffer());
              next += frame.getData().size();
            }
          });
    } catch (StatusRuntimeException e) {
      // An interrupt cancels the call; the interrupt flag stays set for the caller to see.
      throw new IllegalStateException(describe(e), e);
    } finally {
      download.cancel(null);
    }
  }

  /**
   * The status of a failed call with its ErrorInfo reason, e.g. "NOT_FOUND BLOB_NOT_FOUND: ...".
   */
  private static String describe(StatusRuntimeException e) {
    String reason = ErrorMapping.reasonOf(e);
    String description = e.getStatus().getDescription();
    Throwable cause = e.getStatus().getCause();
    return e.getStatus().getCode()
        + (reason.isEmpty() ? "" : " " + reason)
        + (description == null ? "" : ": " + description)
        + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
  }

  private ComputeServiceGrpc.ComputeServiceBlockingStub stub(String endpoint, int seconds) {
    return ComputeServiceGrpc.newBlockingStub(channel(endpoint))
        .withCallCredentials(credentials)
        .withWaitForReady()
        .withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }
}
