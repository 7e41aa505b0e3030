package io.meshwork.client;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.util.concurrent.CompletableFuture;

/**
 * A job's status stream that {@link AsyncMeshClient#watch} opened: cancel it to stop listening, or
 * wait on {@link #finished()} for the job's last status.
 */
public interface JobSubscription extends AutoCloseable {
  /**
   * Completes with the job's last status when the stream ends with the job (completed, failed or
   * cancelled); completes exceptionally with a {@link MeshClientException} when the stream breaks
   * or is refused; is cancelled when {@link #cancel()} is called first.
   */
  CompletableFuture<ComputeJobStatus> finished();

  /**
   * Stops the stream: once this returns the listener hears nothing more (a status it is being
   * handed is finished first), and the server's side is cancelled.
   */
  void cancel();

  /** Cancels the subscription if the stream is still open (try-with-resources). */
  @Override
  default void close() {
    cancel();
  }
}
