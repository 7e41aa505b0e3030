package io.meshwork.orchestrator.mesh;

import io.meshwork.runtime.tracing.TraceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gathers requests that arrive together into one batched call, each caller still getting its own
 * outcome.
 *
 * <p>No request waits for company: while fewer than {@code maxInFlight} batches are out, a request
 * leaves at once, alone if it is alone. Requests that arrive while that many batches are out queue
 * up and leave together when one comes back. So an idle mesh sees single calls at the latency it
 * always had, and a busy one sees fewer, larger calls: one round trip, one bearer token and one
 * service-side commit for many tasks instead of one each.
 *
 * <p>A batch counts as in flight until its call returns, which for a streamed answer can be when
 * the first answer arrives rather than the last.
 *
 * <p>It keeps no thread of its own: the first request into an empty queue starts a short-lived
 * virtual thread that hands out batches until the queue is empty again, and each batch is sent on a
 * virtual thread of its own.
 *
 * <p>A batch goes out in the trace of its first request (each request's trace is captured when it
 * is queued): the batched call's spans on the other side hang under that request's step.
 *
 * @param <T> what one caller asks for
 * @param <R> what one caller gets back
 */
final class MicroBatcher<T, R> {
  /**
   * Sends one batch; must complete every outcome, in the order of the requests. It may return
   * before the last outcome is complete (a streamed answer): the batch stops counting as in flight
   * when it returns.
   */
  interface BatchCall<T, R> {
    void send(List<T> requests, List<CompletableFuture<R>> outcomes);
  }

  private record Pending<T, R>(T request, CompletableFuture<R> outcome, TraceContext trace) {}

  private final BatchCall<T, R> call;
  private final int maxBatch;
  private final Semaphore inFlight;
  private final ConcurrentLinkedQueue<Pending<T, R>> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean dispatching = new AtomicBoolean();

  MicroBatcher(BatchCall<T, R> call, int maxBatch, int maxInFlight) {
    if (maxBatch < 1 || maxInFlight < 1) {
      throw new IllegalArgumentException("maxBatch and maxInFlight must be at least 1");
    }
    this.call = call;
    this.maxBatch = maxBatch;
    this.inFlight = new Semaphore(maxInFlight);
  }

  /** Queues {@code request} for the next batch; the future completes with its own outcome. */
  CompletableFuture<R> submit(T request) {
    CompletableFuture<R> outcome = new CompletableFuture<>();
    queue.add(new Pending<>(request, outcome, TraceContext.current()));
    if (dispatching.compareAndSet(false, true)) {
      Thread.ofVirtual().name("batch-dispatch").start(this::dispatch);
    }
    return outcome;
  }

  private void dispatch() {
    while (true) {
      while (!queue.isEmpty()) {
        // Waiting here for a free slot is what lets the queue fill up into one batch.
        inFlight.acquireUninterruptibly();
        List<Pending<T, R>> batch = new ArrayList<>();
        Pending<T, R> next;
        while (batch.size() < maxBatch && (next = queue.poll()) != null) {
          batch.add(next);
        }
        if (batch.isEmpty()) {
          inFlight.release();
          break;
        }
        Thread.ofVirtual().name("batch-send").start(() -> send(batch));
      }
      dispatching.set(false);
      // A request added after the last look at the queue but before the flag was cleared would
      // otherwise wait for the next submit; whoever sets the flag again takes it.
      if (queue.isEmpty() || !dispatching.compareAndSet(false, true)) {
        return;
      }
    }
  }

  private void send(List<Pending<T, R>> batch) {
    List<T> requests = new ArrayList<>(batch.size());
    List<CompletableFuture<R>> outcomes = new ArrayList<>(batch.size());
    for (Pending<T, R> p : batch) {
      requests.add(p.request());
      outcomes.add(p.outcome());
    }
    try (TraceContext.Attached first = batch.get(0).trace().attach()) {
      call.send(requests, outcomes);
    } catch (RuntimeException | Error e) {
      outcomes.forEach(o -> o.completeExceptionally(e));
    } finally {
      inFlight.release();
    }
  }
}
