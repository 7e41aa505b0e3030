package io.meshwork.orchestrator;

import io.meshwork.blob.BlobSettings;
import io.meshwork.orchestrator.blobs.BlobTransferSettings;
import io.meshwork.orchestrator.dashboard.DashboardSettings;
import io.meshwork.orchestrator.inputs.UrlInputSettings;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.wasm.abi.JobAbi;
import java.time.Duration;
import java.util.List;

/**
 * Every key the orchestrator reads ({@code orchestrator.*}, {@code rfc0016.*}, {@code limits.*}),
 * declared once with its type, default, allowed values and meaning.
 *
 * <p>{@link #SCHEMA} is what {@code ServiceHost} checks at start, so a mistyped key or a value out
 * of range stops the orchestrator before it serves. {@link OrchestratorOptions} still reads the
 * values by name, with the same names, types and defaults; the keys are grouped here by the option
 * record they end up in, so that it can read these constants instead. The keys of placing a task
 * are declared in {@link PlacementSettings}, and those of URL inputs in {@code UrlInputSettings};
 * {@link #KEYS} lists them all.
 */
public final class OrchestratorSettings {
  // ---------------------------------------------------------------------------------------------
  // The services it talks to (OrchestratorOptions)

  /** The executors to announce tasks to. */
  public static final Setting<List<String>> EXECUTORS =
      Setting.list(
          "orchestrator.executors",
          "The executors this orchestrator announces tasks to, host:port.");

  /** Peer orchestrators to delegate to. */
  public static final Setting<List<String>> PEERS =
      Setting.list(
          "orchestrator.peers",
          "Orchestrators to delegate the chunks of complex jobs to, host:port.");

  /** The ledger. */
  public static final Setting<String> LEDGER =
      Setting.requiredString("orchestrator.ledger", "The ledger's host:port.");

  /** The receipt log. */
  public static final Setting<String> RECEIPTS =
      Setting.requiredString("orchestrator.receipts", "The receipt log's host:port.");

  // ---------------------------------------------------------------------------------------------
  // What a job may ask for, and its defaults (ManifestValidator.Options)

  /** The largest input that comes inside the submission. */
  public static final Setting<Long> MAX_INPUT_BYTES =
      Setting.longValue(
              "orchestrator.max-input-bytes",
              48L << 20,
              "The largest inline job input (input_data) accepted, in bytes; a larger input is"
                  + " uploaded as a blob and named by input_cid.")
          .atLeast(1L);

  /** A job's chunk size when its manifest gives none. */
  public static final Setting<Long> DEFAULT_MAX_CHUNK_BYTES =
      Setting.longValue(
              "orchestrator.default-max-chunk-bytes",
              16L << 20,
              "A job's max_chunk_size when its manifest gives none, in bytes.")
          .atLeast(1L);

  /** The longest chunk prefix a job may give. */
  public static final Setting<Long> MAX_CHUNK_PREFIX_BYTES =
      Setting.longValue(
              "orchestrator.max-chunk-prefix-bytes",
              64L << 10,
              "The longest chunk_prefix a job may give, in bytes: the bytes put before every chunk"
                  + " of a host-side split (a job's argument, such as grep's pattern line). Every"
                  + " task carries them, inline or beside its reference.")
          .atLeast(0L);

  /** Whether chunks by reference carry presigned URLs of their ranges. */
  public static final Setting<Boolean> PRESIGN_CHUNK_URLS =
      Setting.flag(
          "orchestrator.presign-chunk-urls",
          true,
          "With an S3 blob store (blobs.store=s3), each assignment of a chunk by reference carries"
              + " a URL presigned for exactly the chunk's range, valid while the orchestrator waits"
              + " for that result, and the executor reads the bytes from S3 directly instead of"
              + " through this orchestrator; it falls back to the blob service if the URL fails."
              + " false sends no URLs. A file store never does.");

  /** The largest chunk size a job may ask for. */
  public static final Setting<Long> MAX_CHUNK_BYTES =
      Setting.longValue(
              "orchestrator.max-chunk-bytes",
              64L << 20,
              "The largest max_chunk_size a job may ask for, in bytes.")
          .atLeast(1L);

  /** The most runs of one redundant task. */
  public static final Setting<Integer> MAX_REDUNDANCY =
      Setting.integer(
              "orchestrator.max-redundancy",
              7,
              "The most executors one task of a redundant job may run on.")
          .atLeast(2);

  /** The longest timeout a job may ask for. */
  public static final Setting<Integer> MAX_TIMEOUT_SECS =
      Setting.integer(
              "orchestrator.max-timeout-secs",
              3600,
              "The longest timeout_secs a job may ask for, in seconds.")
          .atLeast(1);

  /** A job's timeout when its manifest gives none. */
  public static final Setting<Integer> DEFAULT_TIMEOUT_SECS =
      Setting.integer(
              "orchestrator.default-timeout-secs",
              300,
              "A job's timeout when its manifest gives none, in seconds.")
          .atLeast(1);

  /** The most retries a job may ask for. */
  public static final Setting<Integer> MAX_RETRY_COUNT =
      Setting.integer(
              "orchestrator.max-retry-count", 10, "The highest retry_count a job may ask for.")
          .atLeast(0);

  /** A job's budget when its manifest gives none. */
  public static final Setting<Long> DEFAULT_BUDGET =
      Setting.longValue(
              "orchestrator.default-budget",
              100_000,
              "A job's mana_budget when its manifest gives none, held on the ledger at submit.")
          .atLeast(1L);

  /** The largest budget a job may hold. */
  public static final Setting<Long> MAX_BUDGET =
      Setting.longValue(
              "orchestrator.max-budget",
              1_000_000_000_000L,
              "The largest mana_budget a job may ask for; a larger one is refused at submit.")
          .atLeast(1L);

  /** The most chunks one job may be cut into. */
  public static final Setting<Integer> MAX_CHUNKS_PER_JOB =
      Setting.integer(
              "orchestrator.max-chunks-per-job",
              100_000,
              "The most chunks one job may be cut into; a job whose chunk size would make more is"
                  + " refused at submit, and a split that returns more fails its job.")
          .atLeast(1);

  /** The smallest chunk a job may ask for. */
  public static final Setting<Long> MIN_CHUNK_BYTES =
      Setting.longValue(
              "orchestrator.min-chunk-bytes",
              64,
              "The smallest max_chunk_size a job may ask for, in bytes; chunk planning never cuts"
                  + " smaller either.")
          .atLeast(1L);

  /** Jobs one submitter may have running or queued at once. */
  public static final Setting<Integer> MAX_JOBS_PER_USER =
      Setting.integer(
              "orchestrator.max-jobs-per-user",
              64,
              "How many jobs one submitter may have running or queued at once; one more is refused"
                  + " with RESOURCE_EXHAUSTED until one ends.")
          .atLeast(1);

  /** Delegations open at once between this orchestrator and one peer, either way. */
  public static final Setting<Integer> MAX_DELEGATIONS_PER_PEER =
      Setting.integer(
              "orchestrator.max-delegations-per-peer",
              64,
              "How many tasks may be delegated to one peer and still open, and how many one peer"
                  + " may have delegated here; past it, chunks run here and the peer's DelegateTask"
                  + " is refused with RESOURCE_EXHAUSTED.")
          .atLeast(1);

  /** The longest a GetJobResult call may wait. */
  public static final Setting<Long> MAX_RESULT_WAIT_MS =
      Setting.longValue(
              "orchestrator.max-result-wait-ms",
              300_000,
              "The longest a GetJobResult call waits for its job, in milliseconds; a longer"
                  + " timeout_ms waits this long and answers with the job's state.")
          .atLeast(0L);

  /** The largest module a job may submit. */
  public static final Setting<Long> LIMITS_MAX_MODULE_BYTES =
      Setting.longValue(
              "limits.max-module-bytes",
              16L << 20,
              "The largest WebAssembly module a job or a delegated task may carry, in bytes.")
          .atLeast(1L);

  /** The largest table a module may start with. */
  public static final Setting<Long> LIMITS_MAX_TABLE_ELEMENTS =
      Setting.longValue(
              "limits.max-table-elements",
              JobAbi.DEFAULT_MAX_TABLE_ELEMENTS,
              "The most elements a module's table may start with (a table is memory outside"
                  + " limits.memory-bytes); keep executors' executor.max-table-elements at least as"
                  + " high, or modules accepted here fail on them.")
          .atLeast(0L);

  /** New modules validated at once. */
  public static final Setting<Integer> MAX_MODULE_VALIDATIONS =
      Setting.integer(
              "orchestrator.max-module-validations",
              2,
              "New modules validated at once (a large module costs seconds of CPU and tens of"
                  + " times its size in heap); one more submission of a module not seen before is"
                  + " refused with RESOURCE_EXHAUSTED until one is done.")
          .atLeast(1);

  /** A task's fuel when the job sets none. */
  public static final Setting<Long> LIMITS_FUEL =
      Setting.longValue(
              "limits.fuel", 1_000_000_000L, "A task's fuel when the job's limits set none.")
          .atLeast(1L);

  /** The most fuel a job may ask for. */
  public static final Setting<Long> LIMITS_CAP_FUEL =
      Setting.longValue(
              "limits.cap.fuel",
              "limits.fuel",
              s -> s.get(LIMITS_FUEL),
              "The most fuel a job may ask for per task; it bounds limits.fuel too.")
          .atLeast(1L);

  /** A task's memory when the job sets none. */
  public static final Setting<Long> LIMITS_MEMORY_BYTES =
      Setting.longValue(
              "limits.memory-bytes",
              256L << 20,
              "A task's memory when the job's limits set none, in bytes.")
          .atLeast(65_536L)
          .check(m -> m % 65_536 == 0, "a multiple of 65536 (the WebAssembly page)");

  /** The most memory a job may ask for. */
  public static final Setting<Long> LIMITS_CAP_MEMORY_BYTES =
      Setting.longValue(
              "limits.cap.memory-bytes",
              "limits.memory-bytes",
              s -> s.get(LIMITS_MEMORY_BYTES),
              "The most memory a job may ask for per task, in bytes; it bounds"
                  + " limits.memory-bytes too.")
          .atLeast(65_536L)
          .check(m -> m % 65_536 == 0, "a multiple of 65536 (the WebAssembly page)");

  /** A task's wall time when the job sets none. */
  public static final Setting<Integer> LIMITS_WALL_TIME_MS =
      Setting.integer(
              "limits.wall-time-ms",
              30_000,
              "A task's wall-time limit when the job's limits set none, in milliseconds.")
          .atLeast(1);

  /** The longest wall time a job may ask for. */
  public static final Setting<Integer> LIMITS_CAP_WALL_TIME_MS =
      Setting.integer(
              "limits.cap.wall-time-ms",
              "limits.wall-time-ms",
              s -> s.get(LIMITS_WALL_TIME_MS),
              "The longest wall-time limit a job may ask for per task, in milliseconds; it bounds"
                  + " limits.wall-time-ms too.")
          .atLeast(1);

  /** A task's stack when the job sets none. */
  public static final Setting<Long> LIMITS_STACK_BYTES =
      Setting.longValue(
              "limits.stack-bytes",
              1L << 20,
              "A task's stack size when the job's limits set none, in bytes.")
          .atLeast(1L);

  /** The largest stack a job may ask for. */
  public static final Setting<Long> LIMITS_CAP_STACK_BYTES =
      Setting.longValue(
              "limits.cap.stack-bytes",
              "limits.stack-bytes",
              s -> s.get(LIMITS_STACK_BYTES),
              "The largest stack a job may ask for per task, in bytes; it bounds"
                  + " limits.stack-bytes too.")
          .atLeast(1L);

  /** A task's output cap when the job sets none. */
  public static final Setting<Long> LIMITS_MAX_OUTPUT_BYTES =
      Setting.longValue(
              "limits.max-output-bytes",
              16L << 20,
              "A task's largest output when the job's limits set none, in bytes.")
          .atLeast(1L);

  /** The largest output a job may ask for. */
  public static final Setting<Long> LIMITS_CAP_MAX_OUTPUT_BYTES =
      Setting.longValue(
              "limits.cap.max-output-bytes",
              "limits.max-output-bytes",
              s -> s.get(LIMITS_MAX_OUTPUT_BYTES),
              "The largest output a job may ask for per task, in bytes; it bounds"
                  + " limits.max-output-bytes too.")
          .atLeast(1L);

  // ---------------------------------------------------------------------------------------------
  // Scheduling, delegation and chunking (JobCoordinator.Options)

  /** Tasks admitted at once across all jobs. */
  public static final Setting<Integer> MAX_PARALLEL_TASKS =
      Setting.integer(
              "orchestrator.max-parallel-tasks",
              64,
              "How many tasks run at once across all jobs; the rest wait in priority order.")
          .atLeast(1);

  /** How fast a waiting task gains rank. */
  public static final Setting<Long> PRIORITY_AGING_MS =
      Setting.longValue(
              "orchestrator.priority-aging-ms",
              5_000,
              "A waiting task gains one priority level per this many milliseconds.")
          .atLeast(1L);

  /** How far delegated work travels. */
  public static final Setting<Integer> MAX_DELEGATION_DEPTH =
      Setting.integer(
              "orchestrator.max-delegation-depth",
              2,
              "How many orchestrators deep a job's chunks may be delegated; a delegated task that"
                  + " has passed more is refused.")
          .atLeast(0);

  /** How many peers one node hands parts of one task to. */
  public static final Setting<Integer> MAX_DELEGATION_FAN_OUT =
      Setting.integer(
              "orchestrator.max-delegation-fan-out",
              8,
              "The most peers one orchestrator hands parts of one task to (those with the most free"
                  + " slots first).")
          .atLeast(1);

  /** Retries of a task delegated to this orchestrator. */
  public static final Setting<Integer> DELEGATED_RETRY_COUNT =
      Setting.integer(
              "orchestrator.delegated-retry-count",
              2,
              "How many times a task delegated to this orchestrator is retried on its executors.")
          .atLeast(0);

  /** How long a job's hold lives past the orchestrator's last extension of it. */
  public static final Setting<Duration> HOLD_LEASE =
      Setting.duration(
              "orchestrator.hold-lease",
              Duration.ofMinutes(10),
              "How long a job's hold at the ledger lives past this orchestrator's last extension of"
                  + " it; the orchestrator extends it every third of this while the job runs or"
                  + " still owes a payment, so only an orchestrator down longer lets a hold expire.")
          .between(Duration.ofSeconds(1), Duration.ofDays(30));

  /** The fuel per byte of a plain byte scan. */
  public static final Setting<Double> SCAN_FUEL_PER_BYTE =
      Setting.decimal(
              "orchestrator.scan-fuel-per-byte",
              10.0,
              "The fuel per input byte of a plain byte scan; a module's measured fuel per byte"
                  + " divided by this is its operation weight.")
          .check(v -> v > 0, "greater than 0");

  /**
   * The complexity score per free slot above which a job is cut into chunks. 16 MiB because every
   * task costs the mesh about 15 ms of CPU whatever its size (an auction, an assignment, a signed
   * receipt, its log entry, a payment, journal rows: {@code meshwork bench-data} with 1 and 16 MiB
   * chunks, docs/BENCHMARKS.md), and a plain scan of 16 MiB takes the engine about 120 ms; at 1 MiB
   * the overhead outweighed the work.
   */
  public static final Setting<Double> SPLIT_THRESHOLD =
      Setting.decimal(
              "orchestrator.split-threshold",
              16 << 20,
              "The weighted bytes per free executor slot above which a job is cut into chunks,"
                  + " and the most weighted bytes one chunk should carry.")
          .check(v -> v > 0, "greater than 0");

  // ---------------------------------------------------------------------------------------------
  // Choosing a bid (SelectionPolicy.Weights) and trusting executors (Reputation.Options)

  /** The weight of price in a bid's score. */
  public static final Setting<Double> SELECTION_PRICE_WEIGHT =
      Setting.decimal(
              "orchestrator.selection.price-weight",
              1.0,
              "The weight of the price in a bid's score (lowest score wins).")
          .atLeast(0.0);

  /** The weight of reputation in a bid's score. */
  public static final Setting<Double> SELECTION_REPUTATION_WEIGHT =
      Setting.decimal(
              "orchestrator.selection.reputation-weight",
              1.0,
              "The weight of 1 − reputation in a bid's score.")
          .atLeast(0.0);

  /** The weight of load in a bid's score. */
  public static final Setting<Double> SELECTION_LOAD_WEIGHT =
      Setting.decimal(
              "orchestrator.selection.load-weight", 0.5, "The weight of load in a bid's score.")
          .atLeast(0.0);

  /** The reputation below which an executor gets no work. */
  public static final Setting<Double> REPUTATION_EXCLUDE_BELOW =
      Setting.decimal(
              "orchestrator.reputation.exclude-below",
              0.2,
              "Executors whose reputation is below this get no work (UNTRUSTED).")
          .between(0.0, 1.0);

  /** How much a caught lie weighs. */
  public static final Setting<Double> REPUTATION_CAUGHT_WEIGHT =
      Setting.decimal(
              "orchestrator.reputation.caught-weight",
              2.0,
              "How much one caught wrong result weighs against an executor's reputation.")
          .atLeast(0.0);

  /** How much a failure weighs. */
  public static final Setting<Double> REPUTATION_FAILURE_WEIGHT =
      Setting.decimal(
              "orchestrator.reputation.failure-weight",
              0.5,
              "How much one failed attempt (crash, hang, timeout, refusal) weighs against it.")
          .atLeast(0.0);

  /** How long lost assignments alone keep an executor excluded. */
  public static final Setting<Long> REPUTATION_FAILURE_COOLDOWN_MS =
      Setting.longValue(
              "orchestrator.reputation.failure-cooldown-ms",
              60_000L,
              "How long an executor excluded for lost assignments alone (never caught lying) stays"
                  + " excluded after its last one, in ms; then it may bid again.")
          .atLeast(0L);

  /** The audit rate of sample verification. */
  public static final Setting<Double> SAMPLE_RATE =
      Setting.decimal(
              "orchestrator.sample.rate",
              0.1,
              "In sample mode, the share of a new executor's results that are audited.")
          .between(0.0, 1.0);

  /** How fast the audit rate falls with a good record. */
  public static final Setting<Double> SAMPLE_RECORD_HALVING =
      Setting.decimal(
              "orchestrator.sample.record-halving",
              20.0,
              "The audit rate halves once an executor has this many confirmed results.")
          .check(v -> v > 0, "greater than 0");

  /** Every key of the orchestrator's own, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(
          MAX_BUDGET,
          MAX_CHUNKS_PER_JOB,
          MIN_CHUNK_BYTES,
          MAX_JOBS_PER_USER,
          MAX_RESULT_WAIT_MS,
          MAX_DELEGATIONS_PER_PEER,
          BlobTransferSettings.INLINE_CHUNK_BYTES,
          BlobTransferSettings.INLINE_RESULT_BYTES,
          MAX_CHUNK_PREFIX_BYTES,
          PRESIGN_CHUNK_URLS,
          UrlInputSettings.HOSTS,
          UrlInputSettings.ALLOW_PRIVATE,
          UrlInputSettings.ALLOW_HTTP,
          UrlInputSettings.TIMEOUT,
          MAX_MODULE_VALIDATIONS,
          LIMITS_MAX_TABLE_ELEMENTS,
          EXECUTORS,
          PEERS,
          LEDGER,
          RECEIPTS,
          MAX_INPUT_BYTES,
          DEFAULT_MAX_CHUNK_BYTES,
          MAX_CHUNK_BYTES,
          MAX_REDUNDANCY,
          MAX_TIMEOUT_SECS,
          DEFAULT_TIMEOUT_SECS,
          MAX_RETRY_COUNT,
          DEFAULT_BUDGET,
          LIMITS_MAX_MODULE_BYTES,
          LIMITS_FUEL,
          LIMITS_CAP_FUEL,
          LIMITS_MEMORY_BYTES,
          LIMITS_CAP_MEMORY_BYTES,
          LIMITS_WALL_TIME_MS,
          LIMITS_CAP_WALL_TIME_MS,
          LIMITS_STACK_BYTES,
          LIMITS_CAP_STACK_BYTES,
          LIMITS_MAX_OUTPUT_BYTES,
          LIMITS_CAP_MAX_OUTPUT_BYTES,
          MAX_PARALLEL_TASKS,
          PRIORITY_AGING_MS,
          MAX_DELEGATION_DEPTH,
          MAX_DELEGATION_FAN_OUT,
          DELEGATED_RETRY_COUNT,
          HOLD_LEASE,
          SCAN_FUEL_PER_BYTE,
          SPLIT_THRESHOLD,
          PlacementSettings.RFC0016_T1,
          PlacementSettings.RFC0016_T2,
          PlacementSettings.RFC0016_N1,
          PlacementSettings.RFC0016_N3,
          PlacementSettings.BUSY_BACKOFF,
          PlacementSettings.PROBE_INTERVAL,
          PlacementSettings.STEAL_AFTER,
          PlacementSettings.INLINE_RESULT,
          PlacementSettings.RESULT_GRACE_MS,
          SELECTION_PRICE_WEIGHT,
          SELECTION_REPUTATION_WEIGHT,
          SELECTION_LOAD_WEIGHT,
          REPUTATION_EXCLUDE_BELOW,
          REPUTATION_CAUGHT_WEIGHT,
          REPUTATION_FAILURE_WEIGHT,
          REPUTATION_FAILURE_COOLDOWN_MS,
          SAMPLE_RATE,
          SAMPLE_RECORD_HALVING);

  /**
   * The role lists the orchestrator reads: operators (who see and cancel every job), the executors
   * that are members (who return results and fetch modules) and its peers (who delegate tasks and
   * return delegated results).
   */
  public static final List<Setting<?>> ROLES =
      List.of(
          SharedSettings.AUTH_OPERATORS, SharedSettings.AUTH_EXECUTORS, SharedSettings.AUTH_PEERS);

  /** Everything the orchestrator deployable reads: the shared keys, its role lists and its own. */
  public static final SettingsSchema SCHEMA =
      SettingsSchema.of(
          "orchestrator",
          SharedSettings.ALL,
          ROLES,
          KEYS,
          MembershipSettings.KEYS,
          KubernetesSettings.KEYS,
          JournalSettings.KEYS,
          RetentionSettings.KEYS,
          BlobSettings.KEYS,
          DashboardSettings.KEYS);

  private OrchestratorSettings() {}
}
