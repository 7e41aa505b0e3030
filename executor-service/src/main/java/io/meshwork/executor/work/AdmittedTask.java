package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskResult;
import java.util.concurrent.TimeUnit;

/**
 * An assignment {@link TaskRunner} admitted: the thread running it, once there is one, whether it
 * holds a slot, whether it was cancelled, and the AssignTask calls waiting to answer with its
 * result inline.
 */
final class AdmittedTask {
  // Results larger than this are never answered inline: they take their own delivery call.
  static final int INLINE_MAX_BYTES = 256 * 1024;

  // The orchestrator that assigned it, the only one that may cancel it.
  private final String orchestratorDid;
  private Thread thread;
  private boolean cancelled;
  private boolean started;

  AdmittedTask(String orchestratorDid) {
    this.orchestratorDid = orchestratorDid;
  }

  /** The orchestrator that assigned it. */
  String orchestratorDid() {
    return orchestratorDid;
  }

  synchronized boolean start(Thread t) {
    thread = t;
    return !cancelled;
  }

  /** Marks the task as running (it holds a slot); false when it was cancelled meanwhile. */
  synchronized boolean begin() {
    started = !cancelled;
    return started;
  }

  synchronized boolean cancel(boolean onlyIfQueued) {
    if (onlyIfQueued && started) {
      return false;
    }
    cancelled = true;
    // Nothing will be offered: calls waiting for an inline answer stop waiting.
    settled = true;
    notifyAll();
    if (thread != null) {
      thread.interrupt();
    }
    return true;
  }

  void cancel() {
    cancel(false);
  }

  // AssignTask calls waiting to answer with the result (a retry may wait beside the first
  // call), whether the result has gone out one way or the other, and the one handed to them.
  private int inlineWaiters;
  private boolean settled;
  private ComputeTaskResult inlineResult;

  synchronized boolean hasStarted() {
    return started;
  }

  /** Registers a waiting call; pair with {@link #awaitInline}. */
  synchronized void wantInline() {
    inlineWaiters++;
  }

  /**
   * Hands the result to the waiting AssignTask calls; false when none waits any more (then the
   * caller delivers it through the orchestrator link). Called once per assignment.
   */
  synchronized boolean offerInline(ComputeTaskResult result) {
    settled = true;
    // A large result is delivered through the link, which streams it on its own call, rather
    // than remembered for retries; a cancelled task's result goes nowhere.
    if (cancelled || inlineWaiters == 0 || result.getSerializedSize() > INLINE_MAX_BYTES) {
      notifyAll();
      return false;
    }
    inlineResult = result;
    notifyAll();
    return true;
  }

  /**
   * Waits up to {@code millis} for the result; null when it has not come by then (or went out
   * through the orchestrator link), in which case this call no longer waits for it. Exactly one of
   * the two ways carries each result. An interrupt ends the wait early.
   */
  synchronized ComputeTaskResult awaitInline(long millis) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    try {
      while (!settled) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inlineWaiters--;
    }
    return inlineResult;
  }
}
