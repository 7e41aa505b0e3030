package io.meshwork.orchestrator.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshwork.orchestrator.scaling.ExecutorReplicas;

/**
 * The executor Deployment's replicas, through its {@code scale} subresource only: reading it and
 * patching {@code spec.replicas}, which is all the orchestrator's role may do to the Deployment.
 */
public final class DeploymentReplicas implements ExecutorReplicas {
  private final KubernetesClient client;
  private final String namespace;
  private final String deployment;

  /** The replicas of {@code deployment} in {@code namespace}. */
  public DeploymentReplicas(KubernetesClient client, String namespace, String deployment) {
    this.client = client;
    this.namespace = namespace;
    this.deployment = deployment;
  }

  @Override
  public int current() {
    Scale scale = client.apps().deployments().inNamespace(namespace).withName(deployment).scale();
    if (scale == null || scale.getSpec() == null || scale.getSpec().getReplicas() == null) {
      return 0;
    }
    return scale.getSpec().getReplicas();
  }

  @Override
  public void scaleTo(int count) {
    // Named by a bare object rather than by name: by name, the client would read the whole
    // Deployment before patching, which the orchestrator's role does not allow.
    Deployment named =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(deployment)
            .withNamespace(namespace)
            .endMetadata()
            .build();
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .resource(named)
        .subresource("scale")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + count + "}}");
  }
}
