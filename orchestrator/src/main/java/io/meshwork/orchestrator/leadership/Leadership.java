package io.meshwork.orchestrator.leadership;

import io.meshwork.orchestrator.jobs.JournalFence;
import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Whether this orchestrator replica leads, and what taking over means: fence the journals at the
 * lease's epoch (so that a deposed leader's writes are refused), take up the duties only a leader
 * has (membership, the unfinished jobs, discovery, scaling), then report itself serving.
 *
 * <p>A stand-by serves health only: every other call is refused as {@code UNAVAILABLE} naming the
 * leader ({@link #requireLeading}), and health reports {@link #HEALTH_NAME} NOT_SERVING, so the
 * Kubernetes Service, whose readiness probe asks for that name, routes to the leader alone. A
 * leader that loses its lease is deposed and stops ({@code stop}); it never goes back to standing
 * by, because what it started (jobs in flight, members' timers) cannot be taken back cleanly.
 */
public final class Leadership {
  /** The name under which {@code grpc.health.v1} reports whether this replica leads. */
  public static final String HEALTH_NAME = "meshwork.orchestrator.leader";

  private static final Logger LOG = Logger.getLogger(Leadership.class.getName());

  /** Where this replica's standing is reported (health, under {@link #HEALTH_NAME}). */
  public interface Report {
    /** Whether this replica leads and serves. */
    void leading(boolean leads);
  }

  private enum Standing {
    STANDING_BY,
    TAKING_OVER,
    LEADING,
    DEPOSED
  }

  private final String self;
  private final List<JournalFence> journals;
  private final List<Runnable> duties;
  private final Report report;
  private final Runnable stop;
  private volatile Standing standing = Standing.STANDING_BY;
  private volatile String leader = "";

  /**
   * A replica standing by.
   *
   * @param self this replica's name in the lease
   * @param journals fenced at the epoch before anything else when this replica takes over
   * @param duties what only the leader does, started in this order on taking over
   * @param stop what a deposed leader does (the process exits)
   */
  public Leadership(
      String self,
      List<JournalFence> journals,
      List<Runnable> duties,
      Report report,
      Runnable stop) {
    this.self = self;
    this.journals = List.copyOf(journals);
    this.duties = List.copyOf(duties);
    this.report = report;
    this.stop = stop;
    report.leading(false);
  }

  /** The lease names {@code identity} as its holder; empty or null when it names nobody. */
  public void leaderIs(String identity) {
    leader = identity == null ? "" : identity;
  }

  /**
   * This replica holds the lease at {@code epoch}: fences the journals at it, takes up the duties
   * and serves. A journal that refuses the epoch (another replica fenced it higher) or a duty that
   * fails deposes this replica instead.
   */
  public void lead(long epoch) {
    synchronized (this) {
      if (standing != Standing.STANDING_BY) {
        return;
      }
      standing = Standing.TAKING_OVER;
    }
    leader = self;
    LOG.info(() -> "leading at epoch " + epoch + " as " + self + "; taking over");
    try {
      for (JournalFence journal : journals) {
        journal.fence(epoch);
      }
      duties.forEach(Runnable::run);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "could not take over at epoch " + epoch, e);
      depose("it could not take over at epoch " + epoch + ": " + e.getMessage());
      return;
    }
    synchronized (this) {
      if (standing != Standing.TAKING_OVER) {
        return;
      }
      standing = Standing.LEADING;
    }
    report.leading(true);
  }

  /**
   * No election (a single replica): this one leads at once, without fencing, since no other replica
   * shares its journal.
   */
  public void leadAlone() {
    synchronized (this) {
      if (standing != Standing.STANDING_BY) {
        return;
      }
      standing = Standing.TAKING_OVER;
    }
    leader = self;
    duties.forEach(Runnable::run);
    synchronized (this) {
      standing = Standing.LEADING;
    }
    report.leading(true);
  }

  /** This replica lost the lease, or can no longer contend for it: it stops serving and stops. */
  public void depose(String why) {
    synchronized (this) {
      if (standing == Standing.DEPOSED) {
        return;
      }
      standing = Standing.DEPOSED;
    }
    report.leading(false);
    LOG.severe("this orchestrator replica stops: " + why);
    stop.run();
  }

  /** Whether this replica leads and serves. */
  public boolean leads() {
    return standing == Standing.LEADING;
  }

  /**
   * Refuses a call unless this replica leads.
   *
   * @throws MeshException UNAVAILABLE {@code STANDING_BY} naming the leader, so that a client
   *     retries (through the Service, which routes to the leader)
   */
  public void requireLeading() {
    if (standing != Standing.LEADING) {
      String known = leader;
      throw new MeshException(
              MeshException.Kind.UNAVAILABLE,
              "STANDING_BY",
              "this orchestrator replica is standing by; the leader is "
                  + (known.isEmpty() ? "not known yet" : known))
          .with("leader", known);
    }
  }
}
