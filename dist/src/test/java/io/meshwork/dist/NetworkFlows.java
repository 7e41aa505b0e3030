package io.meshwork.dist;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;

/**
 * What a set of NetworkPolicies lets through, as the Kubernetes API defines it: a connection passes
 * when the sender's egress allows it (or no policy selects the sender for egress) and the
 * receiver's ingress allows it (likewise). Peers by pod selector, namespace selector (with match
 * labels and expressions) and IP block with exceptions; ports by number or by the receiver's
 * container port name. Only pods in the policies' namespace are subject to them.
 */
final class NetworkFlows {
  /** One party of a connection: a pod (with its labels and named ports), or an address outside. */
  record Endpoint(
      String name,
      String namespace,
      Map<String, String> namespaceLabels,
      Map<String, String> labels,
      String ip,
      Map<String, Integer> ports) {
    /** An address outside the cluster's pods: no namespace, no labels. */
    static Endpoint address(String name, String ip) {
      return new Endpoint(name, null, Map.of(), Map.of(), ip, Map.of());
    }
  }

  private final List<NetworkPolicy> policies;
  private final String namespace;

  NetworkFlows(List<NetworkPolicy> policies, String namespace) {
    this.policies = policies;
    this.namespace = namespace;
  }

  /** Whether {@code from} may open a connection to {@code to} on {@code protocol}/{@code port}. */
  boolean allowed(Endpoint from, Endpoint to, String protocol, int port) {
    return egressAllows(from, to, protocol, port) && ingressAllows(from, to, protocol, port);
  }

  private boolean egressAllows(Endpoint from, Endpoint to, String protocol, int port) {
    List<NetworkPolicy> selecting = selecting(from, "Egress");
    if (selecting.isEmpty()) {
      return true;
    }
    return selecting.stream()
        .flatMap(p -> p.getSpec().getEgress().stream())
        .anyMatch(
            rule ->
                peersMatch(rule.getTo(), to) && portsMatch(rule.getPorts(), to, protocol, port));
  }

  private boolean ingressAllows(Endpoint from, Endpoint to, String protocol, int port) {
    List<NetworkPolicy> selecting = selecting(to, "Ingress");
    if (selecting.isEmpty()) {
      return true;
    }
    return selecting.stream()
        .flatMap(p -> p.getSpec().getIngress().stream())
        .anyMatch(
            rule ->
                peersMatch(rule.getFrom(), from)
                    && portsMatch(rule.getPorts(), to, protocol, port));
  }

  private List<NetworkPolicy> selecting(Endpoint pod, String type) {
    if (!namespace.equals(pod.namespace())) {
      return List.of();
    }
    return policies.stream()
        .filter(p -> types(p).contains(type))
        .filter(p -> matches(p.getSpec().getPodSelector(), pod.labels()))
        .toList();
  }

  /** The policy's types; without policyTypes, Ingress, and Egress when it has egress rules. */
  private static List<String> types(NetworkPolicy p) {
    List<String> given = p.getSpec().getPolicyTypes();
    if (given != null && !given.isEmpty()) {
      return given;
    }
    return p.getSpec().getEgress() == null || p.getSpec().getEgress().isEmpty()
        ? List.of("Ingress")
        : List.of("Ingress", "Egress");
  }

  private boolean peersMatch(List<NetworkPolicyPeer> peers, Endpoint other) {
    if (peers == null || peers.isEmpty()) {
      return true;
    }
    return peers.stream().anyMatch(peer -> peerMatches(peer, other));
  }

  private boolean peerMatches(NetworkPolicyPeer peer, Endpoint other) {
    if (peer.getIpBlock() != null) {
      return inBlock(peer.getIpBlock(), other.ip());
    }
    if (other.namespace() == null) {
      return false;
    }
    boolean namespaceOk =
        peer.getNamespaceSelector() == null
            ? namespace.equals(other.namespace())
            : matches(peer.getNamespaceSelector(), other.namespaceLabels());
    boolean podOk = peer.getPodSelector() == null || matches(peer.getPodSelector(), other.labels());
    return namespaceOk && podOk;
  }

  private static boolean portsMatch(
      List<NetworkPolicyPort> ports, Endpoint to, String protocol, int port) {
    if (ports == null || ports.isEmpty()) {
      return true;
    }
    return ports.stream()
        .anyMatch(
            p -> {
              String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
              if (!proto.equals(protocol)) {
                return false;
              }
              IntOrString value = p.getPort();
              if (value == null) {
                return true;
              }
              if (value.getIntVal() != null) {
                int from = value.getIntVal();
                int until = p.getEndPort() == null ? from : p.getEndPort();
                return port >= from && port <= until;
              }
              Integer named = to.ports().get(value.getStrVal());
              return named != null && named == port;
            });
  }

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String value = labels.get(r.getKey());
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> value != null && r.getValues().contains(value);
              case "NotIn" -> value == null || !r.getValues().contains(value);
              case "Exists" -> value != null;
              case "DoesNotExist" -> value == null;
              default -> throw new AssertionError("unknown operator " + r.getOperator());
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean inBlock(IPBlock block, String ip) {
    if (ip == null || !inCidr(block.getCidr(), ip)) {
      return false;
    }
    return block.getExcept() == null || block.getExcept().stream().noneMatch(c -> inCidr(c, ip));
  }

  private static boolean inCidr(String cidr, String ip) {
    String[] parts = cidr.split("/");
    int bits = Integer.parseInt(parts[1]);
    long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    return (address(parts[0]) & mask) == (address(ip) & mask);
  }

  private static long address(String dotted) {
    long value = 0;
    for (String octet : dotted.split("\\.")) {
      value = (value << 8) | Integer.parseInt(octet);
    }
    return value;
  }
}
