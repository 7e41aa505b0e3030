package io.meshwork.orchestrator;

import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.ManifestValidator;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Everything the orchestrator's settings say, read once at start into the option records of the
 * parts they configure.
 *
 * @param executors the executors to place tasks on ("host:port")
 * @param ledger the ledger service ("host:port")
 * @param receipts the receipt log service ("host:port")
 * @param peers other orchestrators to delegate heavy jobs to ("host:port")
 */
public record OrchestratorOptions(
    List<String> executors,
    String ledger,
    String receipts,
    List<String> peers,
    JobCoordinator.Options jobs,
    TaskPipeline.Options placement,
    SelectionPolicy.Weights selection,
    Reputation.Options reputation) {

  /** Reads the orchestrator's settings. */
  static OrchestratorOptions from(Settings s) {
    Limits limitDefaults = ManifestValidator.Options.DEFAULT_LIMITS;
    Limits defaults =
        new Limits(
            s.longValue("limits.fuel", limitDefaults.fuel()),
            s.longValue("limits.memory-bytes", limitDefaults.memoryBytes()),
            s.integer("limits.wall-time-ms", limitDefaults.wallTimeMs()),
            s.longValue("limits.stack-bytes", limitDefaults.stackBytes()),
            s.longValue("limits.max-output-bytes", limitDefaults.maxOutputBytes()));
    // Unless the operator caps a limit, what a job may ask for is the default itself.
    Limits caps =
        new Limits(
            s.longValue("limits.cap.fuel", defaults.fuel()),
            s.longValue("limits.cap.memory-bytes", defaults.memoryBytes()),
            s.integer("limits.cap.wall-time-ms", defaults.wallTimeMs()),
            s.longValue("limits.cap.stack-bytes", defaults.stackBytes()),
            s.longValue("limits.cap.max-output-bytes", defaults.maxOutputBytes()));
    ManifestValidator.Options manifests =
        new ManifestValidator.Options(
            s.longValue("orchestrator.max-input-bytes", 48L << 20),
            s.longValue("orchestrator.default-max-chunk-bytes", 1L << 20),
            s.longValue("orchestrator.max-chunk-bytes", 16L << 20),
            s.integer("orchestrator.max-redundancy", 7),
            s.integer("orchestrator.default-timeout-secs", 300),
            s.integer("orchestrator.max-timeout-secs", 3600),
            s.integer("orchestrator.max-retry-count", 10),
            s.longValue("orchestrator.default-budget", 1000),
            s.longValue("limits.max-module-bytes", 16L << 20),
            defaults,
            caps);
    JobCoordinator.Options jobs =
        new JobCoordinator.Options(
            manifests,
            s.integer("orchestrator.max-parallel-tasks", 64),
            Duration.ofMillis(s.longValue("orchestrator.priority-aging-ms", 5_000)),
            s.integer("orchestrator.max-delegation-depth", 2),
            s.decimal("orchestrator.delegation-threshold", 64.0 * (1 << 20)),
            s.decimal("orchestrator.operation-weight", 1.0),
            s.integer("orchestrator.delegated-retry-count", 2),
            s.decimal("orchestrator.split-threshold", 1 << 20),
            s.decimal("orchestrator.scan-fuel-per-byte", 10.0));
    TaskPipeline.Options placement =
        new TaskPipeline.Options(
            s.duration("rfc0016.t1-ms", Duration.ofMillis(500)),
            s.duration("rfc0016.t2-ms", Duration.ofMillis(1000)),
            s.integer("rfc0016.n1", 3),
            s.integer("rfc0016.n3", 2),
            s.duration("orchestrator.busy-backoff-ms", Duration.ofMillis(50)),
            s.duration("orchestrator.probe-interval-ms", Duration.ofMillis(500)),
            s.duration("orchestrator.steal-after-ms", Duration.ofMillis(250)),
            s.duration("orchestrator.inline-result-ms", Duration.ofMillis(100)),
            Duration.ofMillis(s.longValue("orchestrator.result-grace-ms", 10_000)));
    SelectionPolicy.Weights selection =
        new SelectionPolicy.Weights(
            s.decimal("orchestrator.selection.price-weight", 1.0),
            s.decimal("orchestrator.selection.reputation-weight", 1.0),
            s.decimal("orchestrator.selection.load-weight", 0.5));
    Reputation.Options reputation =
        new Reputation.Options(
            s.decimal("orchestrator.reputation.exclude-below", 0.2),
            s.decimal("orchestrator.reputation.caught-weight", 2.0),
            s.decimal("orchestrator.reputation.failure-weight", 0.5),
            s.decimal("orchestrator.sample.rate", 0.1),
            s.decimal("orchestrator.sample.record-halving", 20.0));
    return new OrchestratorOptions(
        s.list("orchestrator.executors"),
        required(s, "orchestrator.ledger"),
        required(s, "orchestrator.receipts"),
        s.list("orchestrator.peers"),
        jobs,
        placement,
        selection,
        reputation);
  }

  private static String required(Settings s, String key) {
    return s.find(key)
        .orElseThrow(
            () -> new IllegalArgumentException("configuration key '" + key + "' is required"));
  }
}
