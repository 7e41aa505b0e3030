package io.meshwork.executor;

import io.meshwork.executor.membership.JoinOptions;
import io.meshwork.executor.work.ModuleCompiler;
import io.meshwork.executor.work.PricingRule;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.config.Setting;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.config.SettingsException;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.wasm.abi.JobAbi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The executor deployable's settings: every {@code executor.*} key, declared once, and the typed
 * options they are parsed into at start.
 *
 * @param taskSlots how many tasks run at once
 * @param queueLimit how many more may wait for a slot
 * @param maxMemoryBytes the most linear memory a module is given
 * @param maxModuleBytes the largest module binary compiled
 * @param maxInputBytes the largest task input accepted
 * @param moduleCacheSize how many compiled modules are kept
 * @param chunkCacheBytes how many bytes of fetched input chunks are kept on disk; 0 keeps none
 * @param chunkUrlAllowHttp whether presigned chunk URLs are read over plain http too
 * @param maxTableElements the most entries a module's table and element segments may have
 * @param maxCompiles how many modules compile at once
 * @param compileTimeout how long one module may take to compile
 * @param pricing how tasks are priced
 * @param drainTimeout how long a drain waits for the tasks admitted before it
 * @param joining how this executor joins an orchestrator; empty when it does not (it is then in the
 *     orchestrator's configuration)
 */
public record ExecutorSettings(
    int taskSlots,
    int queueLimit,
    long maxMemoryBytes,
    long maxModuleBytes,
    long maxInputBytes,
    int moduleCacheSize,
    long chunkCacheBytes,
    boolean chunkUrlAllowHttp,
    long maxTableElements,
    int maxCompiles,
    Duration compileTimeout,
    PricingRule pricing,
    Duration drainTimeout,
    Optional<JoinOptions> joining) {

  /** How many tasks run at once. */
  public static final Setting<Integer> TASK_SLOTS =
      Setting.integer(
              "executor.task-slots",
              "the number of processors",
              s -> Runtime.getRuntime().availableProcessors(),
              "How many tasks run at once.")
          .atLeast(1);

  /** How many assigned tasks may wait for a slot. */
  public static final Setting<Integer> QUEUE_LIMIT =
      Setting.integer(
              "executor.queue-limit",
              "4 × executor.task-slots",
              s -> 4 * s.get(TASK_SLOTS),
              "How many assigned tasks may wait for a slot; beyond that assignments and"
                  + " announcements are refused as BUSY.")
          .atLeast(0);

  /** The memory a module is given. */
  public static final Setting<Long> MAX_MEMORY_BYTES =
      Setting.longValue(
              "executor.max-memory-bytes",
              256L << 20,
              "The most linear memory a module may have, in bytes; announcements of tasks that"
                  + " ask for more are declined as OVER_MEMORY.")
          .atLeast(65_536L);

  /** The largest module compiled. */
  public static final Setting<Long> MAX_MODULE_BYTES =
      Setting.longValue(
              "executor.max-module-bytes",
              16L << 20,
              "The largest module binary the executor compiles, in bytes.")
          .atLeast(1L);

  /** The largest input accepted. */
  public static final Setting<Long> MAX_INPUT_BYTES =
      Setting.longValue(
              "executor.max-input-bytes", 64L << 20, "The largest task input accepted, in bytes.")
          .atLeast(1L);

  /** How many compiled modules are kept. */
  public static final Setting<Integer> MODULE_CACHE_SIZE =
      Setting.integer(
              "executor.module-cache-size",
              64,
              "How many compiled modules are kept, least recently used first out.")
          .atLeast(1);

  /** How many bytes of fetched chunks are kept. */
  public static final Setting<Long> CHUNK_CACHE_BYTES =
      Setting.longValue(
              "executor.chunk-cache-bytes",
              256L << 20,
              "How many bytes of input chunks fetched by reference are kept on disk (in"
                  + " data-dir/chunks), least recently used first out, so that a task run here"
                  + " again does not fetch its chunk again; 0 keeps none.")
          .atLeast(0L);

  /** Whether presigned chunk URLs may be plain http. */
  public static final Setting<Boolean> CHUNK_URL_ALLOW_HTTP =
      Setting.flag(
          "executor.chunk-url-allow-http",
          false,
          "Whether a chunk's presigned URL (from an orchestrator with an S3 blob store) is read"
              + " over plain http too, for an S3-compatible store on a development machine;"
              + " otherwise only https URLs are read, and the chunk of any other comes from the"
              + " orchestrator's blob service.");

  /** The most entries of a module's table, and of its element segments together. */
  public static final Setting<Long> MAX_TABLE_ELEMENTS =
      Setting.longValue(
              "executor.max-table-elements",
              JobAbi.DEFAULT_MAX_TABLE_ELEMENTS,
              "The most entries a module's table may start with, and its element segments may"
                  + " carry together; a module above it is refused as TABLE_TOO_LARGE or"
                  + " TOO_MANY_ELEMENTS.")
          .atLeast(0L);

  /** How many modules compile at once. */
  public static final Setting<Integer> MAX_COMPILES =
      Setting.integer(
              ModuleCompiler.MAX_COMPILES_SETTING,
              "half the number of processors, at least 1",
              s -> Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
              "How many modules compile at once, beside the running tasks; an assignment whose"
                  + " module would need one more is refused as BUSY.")
          .atLeast(1);

  /** How long one module may take to compile. */
  public static final Setting<Duration> COMPILE_TIMEOUT =
      Setting.millis(
              ModuleCompiler.TIMEOUT_SETTING,
              60_000,
              "How long a module may take to validate and compile; its tasks fail as"
                  + " INVALID_MODULE at that point, and later ones at once.")
          .atLeast(Duration.ofMillis(1));

  /** The price of a task with no input. */
  public static final Setting<Double> PRICE_BASE =
      Setting.decimal("executor.price.base", 1, "The price of a task before its input, in mana.")
          .atLeast(0.0);

  /** The price per MiB of input. */
  public static final Setting<Double> PRICE_PER_MIB =
      Setting.decimal(
              "executor.price.per-mib",
              16,
              "The price per MiB of input, in mana, before the operation's weight.")
          .atLeast(0.0);

  /** How much load raises the price. */
  public static final Setting<Double> PRICE_LOAD_FACTOR =
      Setting.decimal(
              "executor.price.load-factor",
              0.5,
              "How much the load ((running + queued) / slots) raises the price: × (1 + factor ×"
                  + " load).")
          .atLeast(0.0);

  /** Operation weights. */
  public static final Setting<Map<String, Double>> PRICE_WEIGHTS =
      Setting.pairs(
              "executor.price.weights",
              "operation=weight",
              Double::parseDouble,
              "Weights of the per-MiB price by operation type; an operation not listed weighs 1.")
          .check(w -> w.values().stream().allMatch(v -> v > 0), "each weight greater than 0");

  /** How long a drain waits for running and queued tasks. */
  public static final Setting<Duration> DRAIN_TIMEOUT =
      Setting.millis(
              "executor.drain-timeout-ms",
              30_000,
              "How long a drain (on SIGTERM, or when the orchestrator asks) waits for the running"
                  + " and queued tasks to finish and their results to be delivered; tasks left at"
                  + " that point are stopped.")
          .atLeast(Duration.ZERO);

  /** The orchestrator to join. */
  public static final Setting<Optional<String>> JOIN =
      Setting.optionalString(
          "executor.join",
          "(none: the executor waits to be called)",
          "The orchestrator to join, host:port: the executor asks it for a certificate before it"
              + " serves, heartbeats to it, and leaves it when it stops. Unset, the executor only"
              + " serves the orchestrators that list it in orchestrator.executors.");

  /** The join token. */
  public static final Setting<Optional<String>> JOIN_TOKEN =
      Setting.optionalString(
          "executor.join-token",
          "(none)",
          "The join token the orchestrator's operator made (meshwork membership token), when"
              + " admission asks for one; not needed to rejoin.");

  /** A file holding the join token. */
  public static final Setting<Optional<Path>> JOIN_TOKEN_FILE =
      Setting.optionalPath(
          "executor.join-token-file",
          "(none)",
          "A file holding the join token, instead of executor.join-token (kept out of the"
              + " process list).");

  /** How long without an answer to a heartbeat before the executor joins again. */
  public static final Setting<Duration> HEARTBEAT_TIMEOUT =
      Setting.millis(
              "executor.heartbeat-timeout-ms",
              0,
              "How long the executor waits for an answer to its heartbeats before it drops the"
                  + " stream and joins again; 0 takes the orchestrator's lost timeout"
                  + " (lost_after_ms of its answer to the join).")
          .atLeast(Duration.ZERO);

  /** Every key of the executor's own, in the order the documentation lists them. */
  public static final List<Setting<?>> KEYS =
      List.of(
          TASK_SLOTS,
          QUEUE_LIMIT,
          MAX_MEMORY_BYTES,
          MAX_MODULE_BYTES,
          MAX_INPUT_BYTES,
          MODULE_CACHE_SIZE,
          CHUNK_CACHE_BYTES,
          CHUNK_URL_ALLOW_HTTP,
          MAX_TABLE_ELEMENTS,
          MAX_COMPILES,
          COMPILE_TIMEOUT,
          PRICE_BASE,
          PRICE_PER_MIB,
          PRICE_LOAD_FACTOR,
          PRICE_WEIGHTS,
          DRAIN_TIMEOUT,
          JOIN,
          JOIN_TOKEN,
          JOIN_TOKEN_FILE,
          HEARTBEAT_TIMEOUT);

  /** The role lists the executor reads: the orchestrators it serves. */
  public static final List<Setting<?>> ROLES = List.of(SharedSettings.AUTH_ORCHESTRATORS);

  /** Everything the executor deployable reads: the shared keys, its role lists and its own. */
  public static final SettingsSchema SCHEMA =
      SettingsSchema.of("executor", SharedSettings.ALL, ROLES, KEYS);

  /**
   * Parses the executor's settings.
   *
   * @throws SettingsException naming the key of a value that is not allowed
   */
  public static ExecutorSettings from(Settings settings) {
    return new ExecutorSettings(
        settings.get(TASK_SLOTS),
        settings.get(QUEUE_LIMIT),
        settings.get(MAX_MEMORY_BYTES),
        settings.get(MAX_MODULE_BYTES),
        settings.get(MAX_INPUT_BYTES),
        settings.get(MODULE_CACHE_SIZE),
        settings.get(CHUNK_CACHE_BYTES),
        settings.get(CHUNK_URL_ALLOW_HTTP),
        settings.get(MAX_TABLE_ELEMENTS),
        settings.get(MAX_COMPILES),
        settings.get(COMPILE_TIMEOUT),
        new PricingRule(
            settings.get(PRICE_BASE),
            settings.get(PRICE_PER_MIB),
            settings.get(PRICE_LOAD_FACTOR),
            settings.get(PRICE_WEIGHTS)),
        settings.get(DRAIN_TIMEOUT),
        joining(settings));
  }

  // The wildcard addresses a server binds to, which the orchestrator cannot call back.
  private static final Set<String> WILDCARDS = Set.of("", "0.0.0.0", "::", "[::]");

  private static Optional<JoinOptions> joining(Settings settings) {
    Optional<String> orchestrator = settings.get(JOIN).map(String::strip);
    if (orchestrator.isEmpty() || orchestrator.get().isEmpty()) {
      return Optional.empty();
    }
    if (settings.get(SharedSettings.TLS_PLAINTEXT)) {
      throw new SettingsException(
          "setting 'executor.join' needs TLS, but tls.plaintext is true: joining proves both"
              + " parties by their certificates");
    }
    Optional<String> token = settings.get(JOIN_TOKEN);
    Optional<Path> tokenFile = settings.get(JOIN_TOKEN_FILE);
    if (token.isPresent() && tokenFile.isPresent()) {
      throw new SettingsException(
          "settings 'executor.join-token' and 'executor.join-token-file' are both set; set one");
    }
    if (tokenFile.isPresent()) {
      try {
        token = Optional.of(Files.readString(tokenFile.get(), StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new SettingsException(
            "setting 'executor.join-token-file': cannot read " + tokenFile.get() + ": " + e);
      }
    }
    Optional<Path> trusted =
        settings
            .get(SharedSettings.TLS_CA)
            .or(() -> settings.get(SharedSettings.TLS_DEV_CA).map(d -> d.resolve("ca.pem")));
    if (trusted.isEmpty()) {
      throw new SettingsException(
          "setting 'executor.join' needs the CA of the orchestrator's certificate: set tls.ca"
              + " (or tls.dev-ca, the folder of a development CA)");
    }
    Duration timeout = settings.get(HEARTBEAT_TIMEOUT);
    return Optional.of(
        new JoinOptions(
            orchestrator.get(),
            token.filter(t -> !t.isBlank()),
            endpoint(settings),
            trusted.get(),
            settings.get(SharedSettings.TLS_CERT).isPresent(),
            timeout.isZero() ? Optional.empty() : Optional.of(timeout)));
  }

  /**
   * Where the orchestrator calls this executor back: grpc.advertise, else grpc.host and grpc.port,
   * which must then be an address and a port fixed before the server binds (the join comes first).
   */
  private static String endpoint(Settings settings) {
    Optional<String> advertised = settings.get(SharedSettings.GRPC_ADVERTISE);
    if (advertised.isPresent()) {
      return advertised.get();
    }
    String host = settings.get(SharedSettings.GRPC_HOST);
    int port = settings.get(SharedSettings.GRPC_PORT);
    if (WILDCARDS.contains(host) || port == 0) {
      throw new SettingsException(
          "setting 'executor.join' needs the address the orchestrator calls this executor back"
              + " at, before the server binds: set grpc.advertise (grpc.host is '"
              + host
              + "', grpc.port is "
              + port
              + ")");
    }
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
