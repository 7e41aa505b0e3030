package io.meshwork.orchestrator.kube;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshwork.orchestrator.membership.Membership;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Feeds the membership registry from the executor Service's EndpointSlices: an informer on the
 * slices labelled {@code kubernetes.io/service-name=<executor-service>}, each endpoint that serves
 * offered as {@code address:port} (the port named {@code executor-port}), each that goes withdrawn.
 *
 * <p>An endpoint counts while it is ready, and also while its pod terminates but still serves: the
 * executor is draining then (it declines new work by itself), and its member must keep its role to
 * deliver the tasks it holds. A slice's endpoints are kept per slice and the union is what is
 * offered, since Kubernetes may move an endpoint from one slice to another.
 */
public final class ExecutorDiscovery implements AutoCloseable {
  /** The label EndpointSlices carry with their Service's name. */
  static final String SERVICE_LABEL = "kubernetes.io/service-name";

  private static final Logger LOG = Logger.getLogger(ExecutorDiscovery.class.getName());

  private final KubernetesClient client;
  private final String namespace;
  private final String service;
  private final String portName;
  private final Membership membership;
  private final Map<String, Set<String>> bySlice = new HashMap<>();
  private SharedIndexInformer<EndpointSlice> informer;

  /** Discovery of the endpoints of {@code service}'s port {@code portName} in {@code namespace}. */
  public ExecutorDiscovery(
      KubernetesClient client,
      String namespace,
      String service,
      String portName,
      Membership membership) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.portName = portName;
    this.membership = membership;
  }

  /** Lists the slices (blocking until the first list is in) and watches them from then on. */
  public synchronized void start() {
    informer =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .withLabel(SERVICE_LABEL, service)
            .inform(
                new ResourceEventHandler<EndpointSlice>() {
                  @Override
                  public void onAdd(EndpointSlice slice) {
                    update(slice, endpoints(slice, portName));
                  }

                  @Override
                  public void onUpdate(EndpointSlice before, EndpointSlice slice) {
                    update(slice, endpoints(slice, portName));
                  }

                  @Override
                  public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
                    update(slice, Set.of());
                  }
                },
                0);
    LOG.info(
        () ->
            "discovering executors from the EndpointSlices of "
                + namespace
                + "/"
                + service
                + " (port "
                + portName
                + ")");
  }

  private synchronized void update(EndpointSlice slice, Set<String> endpoints) {
    Set<String> before = union();
    String name = slice.getMetadata().getName();
    if (endpoints.isEmpty()) {
      bySlice.remove(name);
    } else {
      bySlice.put(name, endpoints);
    }
    Set<String> after = union();
    for (String endpoint : after) {
      if (!before.contains(endpoint)) {
        membership.discovered(endpoint);
      }
    }
    for (String endpoint : before) {
      if (!after.contains(endpoint)) {
        membership.vanished(endpoint);
      }
    }
  }

  private Set<String> union() {
    Set<String> all = new LinkedHashSet<>();
    bySlice.values().forEach(all::addAll);
    return all;
  }

  /** The {@code host:port} endpoints of {@code slice} that serve on the port named {@code port}. */
  static Set<String> endpoints(EndpointSlice slice, String port) {
    Integer number = null;
    if (slice.getPorts() != null) {
      for (EndpointPort p : slice.getPorts()) {
        if (port.equals(p.getName()) && p.getPort() != null) {
          number = p.getPort();
        }
      }
    }
    Set<String> out = new LinkedHashSet<>();
    if (number == null || slice.getEndpoints() == null) {
      return out;
    }
    for (Endpoint e : slice.getEndpoints()) {
      if (!serves(e.getConditions()) || e.getAddresses() == null) {
        continue;
      }
      for (String address : e.getAddresses()) {
        out.add((address.contains(":") ? "[" + address + "]" : address) + ":" + number);
      }
    }
    return out;
  }

  // The API says a missing condition is to be read as true.
  private static boolean serves(EndpointConditions c) {
    if (c == null || c.getReady() == null || c.getReady()) {
      return true;
    }
    return Boolean.TRUE.equals(c.getTerminating()) && !Boolean.FALSE.equals(c.getServing());
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
