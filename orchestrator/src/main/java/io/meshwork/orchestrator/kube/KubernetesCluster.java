package io.meshwork.orchestrator.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.orchestrator.membership.Membership;
import io.meshwork.orchestrator.scaling.ExecutorReplicas;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The orchestrator's connection to its cluster: one API client in one namespace, and the parts made
 * on it (discovery, election, the Deployment's replicas), closed with it.
 */
public final class KubernetesCluster implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KubernetesCluster.class.getName());

  private final KubernetesClient client;
  private final String namespace;
  private final KubernetesOptions options;
  private final boolean ownsClient;
  private final Deque<AutoCloseable> parts = new ArrayDeque<>();

  private KubernetesCluster(
      KubernetesClient client, String namespace, KubernetesOptions options, boolean ownsClient) {
    this.client = client;
    this.namespace = namespace;
    this.options = options;
    this.ownsClient = ownsClient;
  }

  /**
   * Connects as the client's own configuration says (in a pod, its service account and namespace;
   * elsewhere {@code KUBERNETES_MASTER} or the kubeconfig), to {@code orchestrator.kubernetes
   * .api-url} when set, in {@code orchestrator.kubernetes.namespace} when set. Nothing is called
   * yet: the parts call the API when they start.
   */
  public static KubernetesCluster connect(KubernetesOptions options) {
    ConfigBuilder config = new ConfigBuilder(Config.autoConfigure(null));
    options.apiUrl().ifPresent(config::withMasterUrl);
    Config built = config.build();
    String namespace =
        options
            .namespace()
            .orElseGet(() -> built.getNamespace() == null ? "default" : built.getNamespace());
    return new KubernetesCluster(
        new KubernetesClientBuilder().withConfig(built).build(), namespace, options, true);
  }

  /** The cluster through {@code client}, which the caller keeps and closes (tests). */
  public static KubernetesCluster over(
      KubernetesClient client, String namespace, KubernetesOptions options) {
    return new KubernetesCluster(client, namespace, options, false);
  }

  /** The namespace everything is in. */
  public String namespace() {
    return namespace;
  }

  /** The options it was made with. */
  public KubernetesOptions options() {
    return options;
  }

  /** Discovery of the executor Service's endpoints into {@code membership} (not started). */
  public synchronized ExecutorDiscovery discovery(Membership membership) {
    return closeLater(
        new ExecutorDiscovery(
            client, namespace, options.executorService(), options.executorPort(), membership));
  }

  /** The election for {@code leadership} over the Lease (not started). */
  public synchronized LeaseElection election(Leadership leadership) {
    return closeLater(new LeaseElection(client, namespace, options, leadership));
  }

  /** The executor Deployment's replicas. */
  public ExecutorReplicas replicas() {
    return new DeploymentReplicas(client, namespace, options.executorDeployment());
  }

  private <T extends AutoCloseable> T closeLater(T part) {
    parts.push(part);
    return part;
  }

  /**
   * Closes the parts, last made first (the election first: it releases the Lease), then the client.
   */
  @Override
  public synchronized void close() {
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing " + part + " failed", e);
      }
    }
    if (ownsClient) {
      client.close();
    }
  }
}
