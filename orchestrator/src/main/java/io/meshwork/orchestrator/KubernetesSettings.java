package io.meshwork.orchestrator;

import io.meshwork.orchestrator.kube.KubernetesOptions;
import io.meshwork.orchestrator.scaling.ScalePolicy;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The orchestrator's keys for running on Kubernetes (docs/ARCHITECTURE.md, "Kubernetes"): executor
 * discovery, leader election among replicas, and scaling the executors from the backlog; parsed
 * once by {@link #options}.
 */
public final class KubernetesSettings {
  /** Whether the Kubernetes parts run at all. */
  public static final Setting<String> MODE =
      Setting.string(
              "orchestrator.kubernetes",
              "auto",
              "Whether the orchestrator uses the Kubernetes API (discovery, leader election,"
                  + " scaling): on, off, or auto (on inside a pod, where KUBERNETES_SERVICE_HOST is"
                  + " set). true and false, which YAML makes of an unquoted on and off, mean the"
                  + " same.")
          .oneOf("auto", "on", "off", "true", "false");

  /** The API server. */
  public static final Setting<Optional<String>> API_URL =
      Setting.optionalString(
          "orchestrator.kubernetes.api-url",
          "the client's own configuration: in a pod its service account, else KUBERNETES_MASTER"
              + " or the kubeconfig",
          "The Kubernetes API server's URL, such as a test's mock server.");

  /** The namespace of the Lease, the EndpointSlices and the Deployment. */
  public static final Setting<Optional<String>> NAMESPACE =
      Setting.optionalString(
          "orchestrator.kubernetes.namespace",
          "the pod's namespace, else the client's default",
          "The namespace of the Lease, the executor Service's EndpointSlices and the executor"
              + " Deployment.");

  /** The executor Service whose EndpointSlices are watched. */
  public static final Setting<String> EXECUTOR_SERVICE =
      Setting.string(
          "orchestrator.kubernetes.executor-service",
          "meshwork-executor",
          "The executor Service: each ready endpoint of its EndpointSlices is called back and"
              + " admitted as a member, and leaves when it goes. Empty turns discovery off.");

  /** The port name of the executors' gRPC port. */
  public static final Setting<String> EXECUTOR_PORT =
      Setting.string(
          "orchestrator.kubernetes.executor-port",
          "grpc",
          "The name of the executors' gRPC port in the EndpointSlices.");

  /** The Lease the orchestrator replicas contend for. */
  public static final Setting<String> LEASE =
      Setting.string(
          "orchestrator.kubernetes.lease",
          "meshwork-orchestrator",
          "The Lease the orchestrator replicas elect their leader with; only the leader takes"
              + " work. Empty turns leader election off: the orchestrator always leads.");

  /** How long a Lease not renewed stays its holder's. */
  public static final Setting<Duration> LEASE_DURATION =
      Setting.millis(
              "orchestrator.kubernetes.lease-duration-ms",
              15_000,
              "How long the Lease stays with a leader that stopped renewing it; a stand-by takes"
                  + " over after that.")
          .between(Duration.ofSeconds(1), Duration.ofMinutes(10));

  /** How long the leader keeps trying to renew before it gives up. */
  public static final Setting<Duration> RENEW_DEADLINE =
      Setting.millis(
              "orchestrator.kubernetes.renew-deadline-ms",
              10_000,
              "How long the leader tries to renew the Lease before it stops leading (and exits).")
          .between(Duration.ofMillis(100), Duration.ofMinutes(10));

  /** How often the Lease is tried. */
  public static final Setting<Duration> RETRY_PERIOD =
      Setting.millis(
              "orchestrator.kubernetes.retry-period-ms",
              2_000,
              "How often a stand-by tries to take the Lease, and the leader renews it.")
          .between(Duration.ofMillis(10), Duration.ofMinutes(5));

  /** This replica's name in the Lease. */
  public static final Setting<Optional<String>> IDENTITY =
      Setting.optionalString(
          "orchestrator.kubernetes.identity",
          "the POD_NAME variable, else the host name",
          "This replica's name in the Lease, which stand-bys name as the leader.");

  /** The executor Deployment the leader scales. */
  public static final Setting<String> EXECUTOR_DEPLOYMENT =
      Setting.string(
          "orchestrator.kubernetes.executor-deployment",
          "meshwork-executor",
          "The executor Deployment whose replicas the leader sets from the backlog. Empty turns"
              + " the scaler off.");

  /** The fewest executors. */
  public static final Setting<Integer> MIN_EXECUTORS =
      Setting.integer(
              "orchestrator.scale.min-executors",
              1,
              "The fewest executor replicas the scaler sets, however small the backlog.")
          .atLeast(0);

  /** The most executors. */
  public static final Setting<Integer> MAX_EXECUTORS =
      Setting.integer(
              "orchestrator.scale.max-executors",
              10,
              "The most executor replicas the scaler sets, however large the backlog.")
          .atLeast(1);

  /** The cool-down before scaling down. */
  public static final Setting<Duration> COOLDOWN =
      Setting.millis(
              "orchestrator.scale.cooldown-ms",
              300_000,
              "How long after a change of the executor count the scaler may lower it (it raises"
                  + " it at once).")
          .atLeast(Duration.ZERO);

  /** How often the scaler looks. */
  public static final Setting<Duration> SCALE_INTERVAL =
      Setting.millis(
              "orchestrator.scale.interval-ms",
              15_000,
              "How often the scaler compares the backlog with the executor count.")
          .between(Duration.ofMillis(100), Duration.ofHours(1));

  /** The backlog one executor is meant to carry. */
  public static final Setting<Double> WORK_PER_EXECUTOR =
      Setting.decimal(
              "orchestrator.scale.work-per-executor",
              64.0 * (1 << 20),
              "The per-executor throughput of the scaler: the backlog, in weighted bytes (input"
                  + " bytes times operation weight), one executor is meant to carry. The scaler"
                  + " sets ceil(backlog / this) executors, within the minimum and maximum.")
          .check(v -> v > 0, "greater than 0");

  /** Every Kubernetes key. */
  public static final List<Setting<?>> KEYS =
      List.of(
          MODE,
          API_URL,
          NAMESPACE,
          EXECUTOR_SERVICE,
          EXECUTOR_PORT,
          LEASE,
          LEASE_DURATION,
          RENEW_DEADLINE,
          RETRY_PERIOD,
          IDENTITY,
          EXECUTOR_DEPLOYMENT,
          MIN_EXECUTORS,
          MAX_EXECUTORS,
          COOLDOWN,
          SCALE_INTERVAL,
          WORK_PER_EXECUTOR);

  private KubernetesSettings() {}

  /**
   * The Kubernetes options, or empty when the orchestrator does not use Kubernetes: {@code
   * orchestrator.kubernetes} is off, or auto outside a pod ({@code environment} has no {@code
   * KUBERNETES_SERVICE_HOST}).
   *
   * @throws SettingsException when the timings of the Lease or the executor bounds contradict each
   *     other
   */
  public static Optional<KubernetesOptions> options(Settings s, Map<String, String> environment) {
    String mode = s.get(MODE).toLowerCase(Locale.ROOT);
    boolean on =
        switch (mode) {
          case "on", "true" -> true;
          case "off", "false" -> false;
          default -> environment.containsKey("KUBERNETES_SERVICE_HOST");
        };
    if (!on) {
      return Optional.empty();
    }
    Duration lease = s.get(LEASE_DURATION);
    Duration renew = s.get(RENEW_DEADLINE);
    Duration retry = s.get(RETRY_PERIOD);
    if (renew.compareTo(lease) >= 0) {
      throw new SettingsException(
          "setting '"
              + RENEW_DEADLINE.key()
              + "' must be shorter than '"
              + LEASE_DURATION.key()
              + "': a stand-by could take the Lease while the leader still believes it leads");
    }
    // The Kubernetes client waits up to 2.2 retry periods between attempts (a jittered period).
    if (renew.toMillis() <= retry.toMillis() * 22 / 10) {
      throw new SettingsException(
          "setting '"
              + RENEW_DEADLINE.key()
              + "' must be longer than 2.2 times '"
              + RETRY_PERIOD.key()
              + "': the leader must get more than one try at renewing the Lease");
    }
    int min = s.get(MIN_EXECUTORS);
    int max = s.get(MAX_EXECUTORS);
    if (max < min) {
      throw new SettingsException(
          "setting '"
              + MAX_EXECUTORS.key()
              + "' is "
              + max
              + ", below '"
              + MIN_EXECUTORS.key()
              + "' ("
              + min
              + ")");
    }
    return Optional.of(
        new KubernetesOptions(
            s.get(API_URL).filter(u -> !u.isBlank()),
            s.get(NAMESPACE).filter(n -> !n.isBlank()),
            s.get(EXECUTOR_SERVICE).strip(),
            s.get(EXECUTOR_PORT).strip(),
            s.get(LEASE).strip(),
            lease,
            renew,
            retry,
            s.get(IDENTITY).filter(i -> !i.isBlank()).orElseGet(() -> identity(environment)),
            s.get(EXECUTOR_DEPLOYMENT).strip(),
            new ScalePolicy(min, max, s.get(WORK_PER_EXECUTOR), s.get(COOLDOWN)),
            s.get(SCALE_INTERVAL)));
  }

  private static String identity(Map<String, String> environment) {
    String pod = environment.getOrDefault("POD_NAME", "");
    if (!pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new SettingsException(
          "setting '"
              + IDENTITY.key()
              + "' is unset, POD_NAME too, and the host has no name: "
              + e.getMessage());
    }
  }
}
