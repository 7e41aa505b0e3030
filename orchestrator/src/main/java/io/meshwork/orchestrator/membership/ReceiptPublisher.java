package io.meshwork.orchestrator.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the receipt log's copy of this orchestrator's members current: the whole list goes out
 * after every change, again every half minute (a log that lost it, or a change whose call failed),
 * and a second after a call that failed. Versions count up from the wall clock, so that a restarted
 * orchestrator's lists still supersede those it sent before.
 */
final class ReceiptPublisher {
  private static final Logger LOG = Logger.getLogger(ReceiptPublisher.class.getName());
  private static final long REPUBLISH_MS = 30_000;
  private static final long RETRY_MS = 1_000;

  private final MemberPorts.ReceiptMembers log;
  private final Supplier<List<MemberPeriod>> periods;
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "membership-receipts");
            t.setDaemon(true);
            return t;
          });
  private long version = System.currentTimeMillis();
  private long published;
  // Nothing goes out before start: a stand-by replica must not replace its leader's list.
  private boolean started;
  private final List<Waiting> waiting = new ArrayList<>();

  private record Waiting(long version, Runnable then) {}

  ReceiptPublisher(MemberPorts.ReceiptMembers log, Supplier<List<MemberPeriod>> periods) {
    this.log = log;
    this.periods = periods;
  }

  synchronized void start() {
    started = true;
    sender.scheduleWithFixedDelay(this::publish, 0, REPUBLISH_MS, TimeUnit.MILLISECONDS);
  }

  /** The members changed: publish soon. */
  synchronized void changed() {
    version = Math.max(version + 1, System.currentTimeMillis());
    if (started) {
      sender.execute(this::publish);
    }
  }

  /** Runs {@code then} once the receipt log holds the members as they are now. */
  void whenPublished(Runnable then) {
    synchronized (this) {
      if (published < version) {
        waiting.add(new Waiting(version, then));
        return;
      }
    }
    then.run();
  }

  private void publish() {
    // Sent even when nothing changed since the last time: a receipt log restored from an older
    // backup would otherwise keep a stale list.
    long v;
    synchronized (this) {
      v = version;
    }
    List<Runnable> ready = new ArrayList<>();
    try {
      log.publish(periods.get(), v);
      synchronized (this) {
        published = Math.max(published, v);
        waiting.removeIf(
            w -> {
              if (w.version() <= published) {
                ready.add(w.then());
                return true;
              }
              return false;
            });
      }
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not tell the receipt log this orchestrator's members; trying again in 1 s: "
              + e.getMessage());
      sender.schedule(this::publish, RETRY_MS, TimeUnit.MILLISECONDS);
    }
    ready.forEach(Runnable::run);
  }

  void close() {
    sender.shutdownNow();
  }
}
