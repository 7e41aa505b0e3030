package io.meshwork.client;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The asynchronous face of a {@link MeshClient}: the same calls, as the same identity over the same
 * connections, returning at once with a {@link CompletableFuture}. No thread waits while a call is
 * in flight; its future completes on a gRPC thread, so work chained onto it with {@code thenApply}
 * and the like should be short, or moved with the {@code ...Async} variants and an executor.
 *
 * <p>A failed call completes its future exceptionally with the same {@link MeshClientException} the
 * blocking call throws ({@link java.util.concurrent.CompletionException} around it when read with
 * {@code join}). Cancelling a future ({@code future.cancel(true)}) cancels its call on the server's
 * side too. A job too large to send fails at once, with a future already failed.
 *
 * <pre>{@code
 * AsyncMeshClient mesh = client.async();
 * mesh.submit(job)
 *     .thenCompose(id -> mesh.result(id, Duration.ofMinutes(5)))
 *     .thenAccept(result -> System.out.println(new String(result.bytes(), UTF_8)));
 * }</pre>
 */
public interface AsyncMeshClient {
  /** The {@code did:key} this client calls as. */
  String did();

  /** Submits a job; completes with its id. See {@link MeshClient#submit}. */
  CompletableFuture<String> submit(JobRequest job);

  /** Completes with the job's current status. */
  CompletableFuture<ComputeJobStatus> status(String jobId);

  /**
   * Completes with the job's result once the job has ended, or after {@code wait} with a result
   * whose {@link JobResult#success()} is false when it is still running. The bytes are checked
   * against their CID as {@link MeshClient#result} does.
   */
  CompletableFuture<JobResult> result(String jobId, Duration wait);

  /** Cancels the job; completes with true if it was running and is now cancelled. */
  CompletableFuture<Boolean> cancel(String jobId);

  /** Completes with this client's own mana account. */
  CompletableFuture<Balance> balance();

  /** Completes with up to {@code limit} of the caller's jobs, newest first. */
  CompletableFuture<List<ComputeJobStatus>> jobs(int limit);

  /**
   * Streams the job's status to {@code listener}: the current status at once, then every change,
   * until the job ends or the caller cancels the returned subscription. The listener runs on a gRPC
   * thread, one status at a time, and should return quickly. The stream has no deadline.
   */
  JobSubscription watch(String jobId, Consumer<ComputeJobStatus> listener);
}
