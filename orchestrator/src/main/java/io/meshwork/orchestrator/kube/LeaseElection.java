package io.meshwork.orchestrator.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.meshwork.orchestrator.leadership.Leadership;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * Contends for the orchestrators' Lease with fabric8's {@code LeaderElector} and tells {@link
 * Leadership} what happens: who holds the Lease, when this replica takes it (with its epoch, the
 * Lease's {@code spec.leaseTransitions} read right after), and when it loses it.
 *
 * <p>The take-over runs on a thread of its own: fabric8 calls back on the thread that renews the
 * Lease, and resuming jobs must not hold up the renewals.
 */
public final class LeaseElection implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(LeaseElection.class.getName());

  private final KubernetesClient client;
  private final String namespace;
  private final KubernetesOptions options;
  private final Leadership leadership;
  private final ExecutorService takeOver =
      Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("take-over").unstarted(r));
  private volatile boolean closing;
  private CompletableFuture<?> running;

  /** An election for {@code leadership} over the Lease of {@code options} in {@code namespace}. */
  public LeaseElection(
      KubernetesClient client, String namespace, KubernetesOptions options, Leadership leadership) {
    this.client = client;
    this.namespace = namespace;
    this.options = options;
    this.leadership = leadership;
  }

  /** Starts contending; returns at once. */
  public synchronized void start() {
    var config =
        new LeaderElectionConfigBuilder()
            .withName(options.lease())
            .withLock(new LeaseLock(namespace, options.lease(), options.identity()))
            .withLeaseDuration(options.leaseDuration())
            .withRenewDeadline(options.renewDeadline())
            .withRetryPeriod(options.retryPeriod())
            // A replica that stops cleanly (a rolling update) hands the Lease over at once.
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(new LeaderCallbacks(this::acquired, this::lost, this::observed))
            .build();
    running = client.leaderElector().withConfig(config).build().start();
    running.whenComplete(
        (done, failure) -> {
          // The elector ends only when cancelled, or when the leader could not renew in time.
          if (!closing) {
            leadership.depose(
                "the election for Lease "
                    + options.lease()
                    + " ended"
                    + (failure == null ? "" : ": " + failure.getMessage()));
          }
        });
    LOG.info(
        () ->
            "contending for Lease "
                + namespace
                + "/"
                + options.lease()
                + " as "
                + options.identity());
  }

  private void acquired() {
    if (closing) {
      return;
    }
    takeOver.execute(
        () -> {
          OptionalLong epoch = epoch();
          if (epoch.isPresent() && !closing) {
            leadership.lead(epoch.getAsLong());
          }
        });
  }

  /**
   * The Lease's transitions plus one, while this replica holds it: they count up with every change
   * of holder, so a later leader always has a higher epoch. Plus one because a new Lease starts at
   * 0, the epoch of a store that was never fenced: the first leader must be above it too. Empty
   * when the Lease is someone else's already (the elector then reports the loss).
   */
  private OptionalLong epoch() {
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(options.lease()).get();
      if (lease == null
          || lease.getSpec() == null
          || !options.identity().equals(lease.getSpec().getHolderIdentity())) {
        return OptionalLong.empty();
      }
      Integer transitions = lease.getSpec().getLeaseTransitions();
      return OptionalLong.of((transitions == null ? 0 : transitions) + 1L);
    } catch (KubernetesClientException e) {
      leadership.depose("could not read Lease " + options.lease() + ": " + e.getMessage());
      return OptionalLong.empty();
    }
  }

  private void lost() {
    if (!closing) {
      leadership.depose("it lost Lease " + options.lease());
    }
  }

  private void observed(String holder) {
    leadership.leaderIs(holder);
    LOG.info(() -> "Lease " + options.lease() + " is held by " + holder);
  }

  /** Stops contending; a leader releases the Lease, so a stand-by takes over at once. */
  @Override
  public synchronized void close() {
    closing = true;
    if (running != null) {
      running.cancel(true);
    }
    takeOver.shutdownNow();
  }
}
