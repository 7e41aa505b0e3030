package io.meshwork.orchestrator;

import static io.meshwork.orchestrator.OrchestratorSettings.*;
import static io.meshwork.orchestrator.PlacementSettings.*;

import io.meshwork.orchestrator.blobs.BlobTransferSettings;
import io.meshwork.orchestrator.inputs.UrlInputFetcher;
import io.meshwork.orchestrator.inputs.UrlInputSettings;
import io.meshwork.orchestrator.jobs.JobCoordinator;
import io.meshwork.orchestrator.jobs.ManifestValidator;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.SelectionPolicy;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
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
 * @param urlInputs which URL inputs are fetched, and how long a fetch may wait
 */
public record OrchestratorOptions(
    List<String> executors,
    String ledger,
    String receipts,
    List<String> peers,
    JobCoordinator.Options jobs,
    UrlInputFetcher.Options urlInputs,
    TaskPipeline.Options placement,
    SelectionPolicy.Weights selection,
    Reputation.Options reputation) {

  /**
   * Reads the orchestrator's settings, as {@link OrchestratorSettings} declares them.
   *
   * @throws SettingsException when a value, or two values together, are not allowed
   */
  public static OrchestratorOptions from(Settings s) {
    Limits defaults =
        new Limits(
            s.get(LIMITS_FUEL),
            s.get(LIMITS_MEMORY_BYTES),
            s.get(LIMITS_WALL_TIME_MS),
            s.get(LIMITS_STACK_BYTES),
            s.get(LIMITS_MAX_OUTPUT_BYTES));
    // Each cap defaults to its limit's own setting: unless capped, a job may ask for the default.
    Limits caps =
        new Limits(
            s.get(LIMITS_CAP_FUEL),
            s.get(LIMITS_CAP_MEMORY_BYTES),
            s.get(LIMITS_CAP_WALL_TIME_MS),
            s.get(LIMITS_CAP_STACK_BYTES),
            s.get(LIMITS_CAP_MAX_OUTPUT_BYTES));
    notAbove(s, DEFAULT_TIMEOUT_SECS, MAX_TIMEOUT_SECS);
    notAbove(s, DEFAULT_MAX_CHUNK_BYTES, MAX_CHUNK_BYTES);
    notAbove(s, DEFAULT_BUDGET, MAX_BUDGET);
    notAbove(s, MIN_CHUNK_BYTES, DEFAULT_MAX_CHUNK_BYTES);
    ManifestValidator.Options manifests =
        new ManifestValidator.Options(
            s.get(MAX_INPUT_BYTES),
            s.get(DEFAULT_MAX_CHUNK_BYTES),
            s.get(MAX_CHUNK_BYTES),
            s.get(MAX_REDUNDANCY),
            s.get(DEFAULT_TIMEOUT_SECS),
            s.get(MAX_TIMEOUT_SECS),
            s.get(MAX_RETRY_COUNT),
            s.get(DEFAULT_BUDGET),
            s.get(MAX_BUDGET),
            s.get(MAX_CHUNKS_PER_JOB),
            s.get(MIN_CHUNK_BYTES),
            s.get(LIMITS_MAX_MODULE_BYTES),
            s.get(LIMITS_MAX_TABLE_ELEMENTS),
            s.get(MAX_MODULE_VALIDATIONS),
            defaults,
            caps,
            s.get(MAX_CHUNK_PREFIX_BYTES));
    JobCoordinator.Options jobs =
        new JobCoordinator.Options(
            manifests,
            s.get(MAX_PARALLEL_TASKS),
            Duration.ofMillis(s.get(PRIORITY_AGING_MS)),
            s.get(MAX_DELEGATION_DEPTH),
            s.get(MAX_DELEGATION_FAN_OUT),
            s.get(DELEGATED_RETRY_COUNT),
            s.get(SPLIT_THRESHOLD),
            s.get(SCAN_FUEL_PER_BYTE),
            s.get(MAX_JOBS_PER_USER),
            Duration.ofMillis(s.get(MAX_RESULT_WAIT_MS)),
            s.get(MAX_DELEGATIONS_PER_PEER),
            s.get(BlobTransferSettings.INLINE_CHUNK_BYTES),
            s.get(BlobTransferSettings.INLINE_RESULT_BYTES),
            s.get(HOLD_LEASE));
    TaskPipeline.Options placement =
        new TaskPipeline.Options(
            s.get(RFC0016_T1),
            s.get(RFC0016_T2),
            s.get(RFC0016_N1),
            s.get(RFC0016_N3),
            s.get(BUSY_BACKOFF),
            s.get(PROBE_INTERVAL),
            s.get(STEAL_AFTER),
            s.get(INLINE_RESULT),
            Duration.ofMillis(s.get(RESULT_GRACE_MS)),
            s.get(MAX_DELEGATIONS_PER_PEER),
            s.get(PRESIGN_CHUNK_URLS));
    SelectionPolicy.Weights selection =
        new SelectionPolicy.Weights(
            s.get(SELECTION_PRICE_WEIGHT),
            s.get(SELECTION_REPUTATION_WEIGHT),
            s.get(SELECTION_LOAD_WEIGHT));
    Reputation.Options reputation =
        new Reputation.Options(
            s.get(REPUTATION_EXCLUDE_BELOW),
            s.get(REPUTATION_CAUGHT_WEIGHT),
            s.get(REPUTATION_FAILURE_WEIGHT),
            s.get(SAMPLE_RATE),
            s.get(SAMPLE_RECORD_HALVING),
            Duration.ofMillis(s.get(REPUTATION_FAILURE_COOLDOWN_MS)));
    return new OrchestratorOptions(
        s.get(EXECUTORS),
        s.get(LEDGER),
        s.get(RECEIPTS),
        s.get(PEERS),
        jobs,
        UrlInputSettings.options(s),
        placement,
        selection,
        reputation);
  }

  /**
   * Refuses a default above its cap: every job that left the field unset would be refused at
   * submission.
   */
  private static <T extends Comparable<T>> void notAbove(
      Settings s, Setting<T> value, Setting<T> cap) {
    if (s.get(value).compareTo(s.get(cap)) > 0) {
      throw new SettingsException(
          "setting '"
              + value.key()
              + "' ("
              + s.get(value)
              + ") is above '"
              + cap.key()
              + "' ("
              + s.get(cap)
              + "); a default must be allowed by its cap");
    }
  }
}
