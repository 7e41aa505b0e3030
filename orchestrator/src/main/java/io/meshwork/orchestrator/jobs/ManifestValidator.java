package io.meshwork.orchestrator.jobs;

import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.content.Cid;
import io.meshwork.content.Multihash;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.runtime.config.Settings;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.wasm.abi.InvalidModuleException;
import io.meshwork.wasm.abi.ModuleInfo;
import io.meshwork.wasm.abi.ModuleValidator;
import io.meshwork.wasm.abi.SplitStrategy;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * Checks a submitted manifest and its module, applies defaults and the operator's caps, and
 * produces a {@link JobSpec}, or refuses the job with INVALID_ARGUMENT naming the problem.
 *
 * <p>Everything that can be known at submission is checked here, so that no job is accepted only to
 * fail later as "completed".
 */
public final class ManifestValidator {
  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  // Modules that passed validation, by CID and the caps they were checked against. Users
  // submit the same module job after job, and parsing and validating it costs more than the rest
  // of a small job's admission. Validation is a pure function of the bytes and the caps, so a
  // remembered answer is the answer; refusals are not kept.
  private static final int REMEMBERED_MODULES = 256;
  private final ConcurrentMap<String, ModuleInfo> validModules = new ConcurrentHashMap<>();

  private final Settings settings;

  /** A validator with the operator's defaults and caps from {@code settings}. */
  public ManifestValidator(Settings settings) {
    this.settings = settings;
  }

  /** Validates {@code m} submitted by {@code submitterDid}. */
  public JobSpec validate(ComputeJobManifest m, String submitterDid) {
    String jobId = m.getJobId().isEmpty() ? UUID.randomUUID().toString() : m.getJobId();
    if (!JOB_ID.matcher(jobId).matches()) {
      throw invalid(
          "INVALID_JOB_ID",
          "job_id",
          "job_id must be 1 to 128 characters of letters, digits, '.', '_' or '-'");
    }
    if (m.getWasmModule().isEmpty()) {
      throw invalid("MISSING_MODULE", "wasm_module", "wasm_module is empty");
    }
    long maxInput = settings.longValue("orchestrator.max-input-bytes", 48L << 20);
    if (m.getInputData().size() > maxInput) {
      throw invalid(
          "INPUT_TOO_LARGE",
          "input_data",
          "input_data has "
              + m.getInputData().size()
              + " bytes; this mesh takes at most "
              + maxInput);
    }
    SplitStrategy strategy;
    try {
      strategy = SplitStrategy.parse(m.getSplitStrategy());
    } catch (IllegalArgumentException e) {
      throw invalid("UNKNOWN_SPLIT_STRATEGY", "split_strategy", e.getMessage());
    }
    long maxChunk =
        m.getMaxChunkSize() == 0
            ? settings.longValue("orchestrator.default-max-chunk-bytes", 1L << 20)
            : m.getMaxChunkSize();
    long minChunk = m.getMinChunkSize();
    if (minChunk > maxChunk) {
      throw invalid(
          "CHUNK_SIZES_INVERTED",
          "min_chunk_size",
          "min_chunk_size (" + minChunk + ") is larger than max_chunk_size (" + maxChunk + ")");
    }
    long chunkCap = settings.longValue("orchestrator.max-chunk-bytes", 16L << 20);
    if (maxChunk > chunkCap) {
      throw invalid(
          "CHUNK_TOO_LARGE",
          "max_chunk_size",
          "max_chunk_size " + maxChunk + " is above this mesh's cap of " + chunkCap + " bytes");
    }

    VerificationMode verification = VerificationMode.parse(m.getVerificationMode());
    Priority priority = Priority.parse(m.getPriority());
    int maxRedundancy = settings.integer("orchestrator.max-redundancy", 7);
    int redundancy;
    if (verification == VerificationMode.REDUNDANT) {
      // A strict majority needs at least two runs; three is the least that outvotes one liar.
      redundancy = m.getRedundancy() == 0 ? 3 : m.getRedundancy();
      if (redundancy < 2 || redundancy > maxRedundancy) {
        throw invalid(
            "REDUNDANCY_OUT_OF_RANGE",
            "redundancy",
            "redundancy "
                + redundancy
                + " is outside 2.."
                + maxRedundancy
                + " for verification_mode 'redundant'");
      }
    } else {
      redundancy = m.getRedundancy() == 0 ? 1 : m.getRedundancy();
      if (redundancy > 1) {
        throw invalid(
            "REDUNDANCY_NEEDS_REDUNDANT_MODE",
            "redundancy",
            "redundancy "
                + redundancy
                + " only applies to verification_mode 'redundant', not '"
                + verification.wireName()
                + "'");
      }
    }
    int timeoutCap = settings.integer("orchestrator.max-timeout-secs", 3600);
    int timeout =
        m.getTimeoutSecs() == 0
            ? settings.integer("orchestrator.default-timeout-secs", 300)
            : m.getTimeoutSecs();
    if (timeout > timeoutCap) {
      throw invalid(
          "TIMEOUT_TOO_LONG",
          "timeout_secs",
          "timeout_secs " + timeout + " is above this mesh's cap of " + timeoutCap);
    }
    int retries = m.getRetryCount();
    int retryCap = settings.integer("orchestrator.max-retry-count", 10);
    if (retries > retryCap) {
      throw invalid(
          "TOO_MANY_RETRIES",
          "retry_count",
          "retry_count " + retries + " is above this mesh's cap of " + retryCap);
    }
    long budget =
        m.getManaBudget() == 0
            ? settings.longValue("orchestrator.default-budget", 1000)
            : m.getManaBudget();

    ResourceLimits limits = limits(m.getLimits());
    long maxModule = settings.longValue("limits.max-module-bytes", 16L << 20);
    byte[] module = m.getWasmModule().toByteArray();
    String moduleCid = Cid.of(module);
    ModuleInfo info = module(module, moduleCid, maxModule, limits.getMemoryBytes());
    if (strategy == SplitStrategy.WASM && !info.hasSplit()) {
      throw invalid(
          "MISSING_SPLIT_EXPORT",
          "split_strategy",
          "split_strategy 'wasm' needs the module to export 'split', and it does not");
    }
    byte[] digest = Multihash.sha256Digest(m.toBuilder().setJobId(jobId).build().toByteArray());
    return new JobSpec(
        jobId,
        submitterDid,
        module,
        moduleCid,
        info,
        m.getInputData().toByteArray(),
        strategy,
        minChunk,
        maxChunk,
        verification,
        timeout,
        retries,
        priority,
        redundancy,
        budget,
        m.hasComplexity() ? m.getComplexity().getOperationType() : "",
        limits,
        digest,
        m.hasComplexity() ? Math.max(0, m.getComplexity().getOperationWeight()) : 0);
  }

  private ModuleInfo module(byte[] module, String cid, long maxModule, long memoryCap) {
    // The caps are part of the key: an operator may change them between two submissions.
    String key = cid + "/" + maxModule + "/" + memoryCap;
    ModuleInfo info = validModules.get(key);
    if (info != null) {
      return info;
    }
    try {
      info = ModuleValidator.validate(module, maxModule, memoryCap);
    } catch (InvalidModuleException e) {
      throw refused(e);
    }
    if (validModules.size() >= REMEMBERED_MODULES) {
      validModules.clear();
    }
    validModules.put(key, info);
    return info;
  }

  private static MeshException refused(InvalidModuleException e) {
    return MeshException.invalidArgument(e.reason(), "wasm_module is refused: " + e.getMessage())
        .with("field", "wasm_module");
  }

  /** Applies defaults to zero fields and refuses values above the operator's caps. */
  ResourceLimits limits(ResourceLimits asked) {
    long fuel = cap(asked.getFuel(), "fuel", 1_000_000_000L);
    long memory = cap(asked.getMemoryBytes(), "memory-bytes", 256L << 20);
    long wall = cap(asked.getWallTimeMs(), "wall-time-ms", 30_000);
    long stack = cap(asked.getStackBytes(), "stack-bytes", 1L << 20);
    long output = cap(asked.getMaxOutputBytes(), "max-output-bytes", 16L << 20);
    if (memory % 65_536 != 0) {
      throw invalid(
          "MEMORY_LIMIT_NOT_PAGE_ALIGNED",
          "limits.memory_bytes",
          "limits.memory_bytes must be a multiple of the 64 KiB WebAssembly page");
    }
    return ResourceLimits.newBuilder()
        .setFuel(fuel)
        .setMemoryBytes(memory)
        .setWallTimeMs((int) wall)
        .setStackBytes(stack)
        .setMaxOutputBytes(output)
        .build();
  }

  private long cap(long asked, String name, long defaultValue) {
    long value = settings.longValue("limits." + name, defaultValue);
    long capValue = settings.longValue("limits.cap." + name, value);
    if (asked == 0) {
      // The operator's cap bounds the default too, not only what a job asks for.
      return Math.min(value, capValue);
    }
    if (asked > capValue) {
      throw invalid(
          "LIMIT_ABOVE_CAP",
          "limits." + name.replace('-', '_'),
          "limits."
              + name.replace('-', '_')
              + " "
              + asked
              + " is above this mesh's cap of "
              + capValue);
    }
    return asked;
  }

  private static MeshException invalid(String reason, String field, String message) {
    return MeshException.invalidArgument(reason, message).with("field", field);
  }
}
