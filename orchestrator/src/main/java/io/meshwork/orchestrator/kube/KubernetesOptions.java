package io.meshwork.orchestrator.kube;

import io.meshwork.orchestrator.scaling.ScalePolicy;
import java.time.Duration;
import java.util.Optional;

/**
 * What the orchestrator does on Kubernetes, read once from {@code orchestrator.kubernetes.*} and
 * {@code orchestrator.scale.*} (docs/CONFIGURATION.md, "Kubernetes").
 *
 * @param apiUrl the API server to talk to; empty for the client's own configuration (in a pod, the
 *     service account; elsewhere {@code KUBERNETES_MASTER} or the kubeconfig)
 * @param namespace where the Lease, EndpointSlices and Deployment are; empty for the pod's own
 * @param executorService the executor Service whose EndpointSlices are watched; empty for no
 *     discovery
 * @param executorPort the name of the executors' gRPC port in those slices
 * @param lease the Lease the replicas contend for; empty for no leader election (always leading)
 * @param identity this replica's name in the Lease
 * @param executorDeployment the Deployment whose replicas the scaler sets; empty for no scaler
 * @param scaleInterval how often the scaler looks at the backlog
 */
public record KubernetesOptions(
    Optional<String> apiUrl,
    Optional<String> namespace,
    String executorService,
    String executorPort,
    String lease,
    Duration leaseDuration,
    Duration renewDeadline,
    Duration retryPeriod,
    String identity,
    String executorDeployment,
    ScalePolicy scale,
    Duration scaleInterval) {

  /** Whether executors are discovered from EndpointSlices. */
  public boolean discovers() {
    return !executorService.isEmpty();
  }

  /** Whether the replicas elect a leader through a Lease. */
  public boolean elects() {
    return !lease.isEmpty();
  }

  /** Whether the leader scales the executor Deployment. */
  public boolean scales() {
    return !executorDeployment.isEmpty();
  }
}
