package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Tries an idempotent call to another service again while that service cannot be reached
 * (UNAVAILABLE, DEADLINE_EXCEEDED), waiting 200 ms after the first failure and twice as long after
 * each next one, up to 5 s, until it answers or the caller gives up. Any other failure is the
 * caller's at once.
 */
final class UnreachableRetry {
  private static final Logger LOG = Logger.getLogger(UnreachableRetry.class.getName());
  private static final long FIRST_MILLIS = 200;
  private static final long MAX_MILLIS = 5_000;

  private UnreachableRetry() {}

  /**
   * Runs {@code call} until it answers. {@code giveUp} is asked, with the wait it would take next,
   * before each retry: true rethrows the last failure; {@code retried} counts each retry.
   */
  static <T> T call(String what, Supplier<T> call, WaitCheck giveUp, Runnable retried) {
    long delay = FIRST_MILLIS;
    while (true) {
      try {
        return call.get();
      } catch (MeshException e) {
        boolean unreachable =
            e.kind() == MeshException.Kind.UNAVAILABLE
                || e.kind() == MeshException.Kind.DEADLINE_EXCEEDED;
        if (!unreachable || giveUp.giveUp(delay)) {
          throw e;
        }
        retried.run();
        LOG.info(what + " failed; trying again in " + delay + " ms: " + e.getMessage());
        try {
          Thread.sleep(delay);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        delay = Math.min(delay * 2, MAX_MILLIS);
      }
    }
  }

  /** Whether to stop trying, before a wait of {@code nextWaitMillis}. */
  interface WaitCheck {
    boolean giveUp(long nextWaitMillis);

    /** Never gives up while {@code stop} is false. */
    static WaitCheck unless(BooleanSupplier stop) {
      return wait -> stop.getAsBoolean();
    }
  }
}
