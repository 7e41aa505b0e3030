package io.meshwork.orchestrator;

import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.JournalFence;
import io.meshwork.orchestrator.kube.KubernetesCluster;
import io.meshwork.orchestrator.kube.KubernetesOptions;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.scaling.ExecutorScaler;
import io.meshwork.runtime.ServiceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * This orchestrator as one of its replicas: what only the leader does (membership, the journal's
 * unfinished jobs, and on Kubernetes discovery and scaling), and when it does it: at once for a
 * lone orchestrator, on taking the Lease for one of several.
 */
final class OrchestratorReplica implements AutoCloseable {
  /** The exit status of a deposed leader. */
  static final int EXIT_DEPOSED = 3;

  private static final Logger LOG = Logger.getLogger(OrchestratorReplica.class.getName());

  private final Leadership leadership;
  private final KubernetesCluster cluster;
  private final ExecutorScaler scaler;

  private OrchestratorReplica(
      Leadership leadership, KubernetesCluster cluster, ExecutorScaler scaler) {
    this.leadership = leadership;
    this.cluster = cluster;
    this.scaler = scaler;
  }

  /**
   * Starts the replica: leads at once without Kubernetes or without a Lease, else contends for the
   * Lease and takes up the leader's duties once it holds it.
   *
   * @param cluster the cluster, or empty when the orchestrator does not use Kubernetes
   * @param journals the journal stores, fenced at the Lease's epoch on taking over
   * @param deposed what a leader that lost the Lease does
   */
  static OrchestratorReplica start(
      ServiceContext ctx,
      Optional<KubernetesCluster> cluster,
      Membership membership,
      JobCoordinator coordinator,
      List<JournalFence> journals,
      Runnable deposed) {
    List<Runnable> duties = new ArrayList<>();
    duties.add(membership::start);
    duties.add(coordinator::resumeUnfinished);
    ExecutorScaler scaler = null;
    if (cluster.isPresent()) {
      KubernetesOptions k = cluster.get().options();
      if (k.discovers()) {
        duties.add(cluster.get().discovery(membership)::start);
      }
      if (k.scales()) {
        scaler =
            new ExecutorScaler(
                k.scale(),
                k.scaleInterval(),
                coordinator::backlog,
                cluster.get().replicas(),
                ctx.clock());
        duties.add(scaler::start);
      }
    }
    String identity = cluster.map(c -> c.options().identity()).orElse(ctx.serviceName());
    Leadership leadership =
        new Leadership(
            identity,
            journals,
            duties,
            leads -> ctx.reportHealth(Leadership.HEALTH_NAME, leads),
            deposed);
    OrchestratorReplica replica = new OrchestratorReplica(leadership, cluster.orElse(null), scaler);
    if (cluster.isPresent() && cluster.get().options().elects()) {
      cluster.get().election(leadership).start();
    } else {
      leadership.leadAlone();
    }
    return replica;
  }

  /**
   * What a deposed leader does in production: it exits, so that Kubernetes starts it again as a
   * stand-by. It must not go on: its jobs would keep placing tasks and writing to the journal the
   * new leader now writes. The journal's fence refuses whatever it still tries to write before the
   * process is gone; the exit makes sure it stops trying. On a thread of its own, since the exit
   * waits for the shutdown hooks, which close what the calling thread belongs to.
   */
  static void exitDeposed() {
    LOG.severe("deposed: exiting with status " + EXIT_DEPOSED);
    Thread.ofPlatform().name("deposed").start(() -> System.exit(EXIT_DEPOSED));
  }

  /** Whether this replica leads, and the gate for its services. */
  Leadership leadership() {
    return leadership;
  }

  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
    if (scaler != null) {
      scaler.close();
    }
  }
}
