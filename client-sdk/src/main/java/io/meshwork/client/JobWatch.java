package io.meshwork.client;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.WatchJobResponse;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The status updates of one job as the orchestrator streams them: the current status first, then
 * every change, ending when the job completes, fails or is cancelled.
 *
 * <p>{@link #hasNext()} blocks until the next update or the end of the stream. Close a watch that
 * is left before its end, so the stream does not stay open on the server; try-with-resources does
 * that. A broken stream surfaces as a {@link MeshClientException} from {@code hasNext} or {@code
 * next}. Not thread-safe.
 */
public final class JobWatch implements Iterator<ComputeJobStatus>, AutoCloseable {
  private final Context.CancellableContext context;
  private final Iterator<WatchJobResponse> updates;

  JobWatch(Context.CancellableContext context, Iterator<WatchJobResponse> updates) {
    this.context = context;
    this.updates = updates;
  }

  /** Waits for the next update; false once the job has ended and its last status was read. */
  @Override
  public boolean hasNext() {
    try {
      return updates.hasNext();
    } catch (StatusRuntimeException e) {
      throw MeshClientException.fromGrpc(e);
    }
  }

  /** Returns the next status, waiting for it. */
  @Override
  public ComputeJobStatus next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the job's status stream has ended");
    }
    try {
      return updates.next().getStatus();
    } catch (StatusRuntimeException e) {
      throw MeshClientException.fromGrpc(e);
    }
  }

  /** Stops watching; the stream is cancelled if it is still open. */
  @Override
  public void close() {
    context.cancel(null);
  }
}
