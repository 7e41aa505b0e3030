package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.wasm.abi.InvalidModuleException;
import io.meshwork.wasm.abi.JobAbi;
import io.meshwork.wasm.abi.ModuleInfo;
import io.meshwork.wasm.abi.ModuleValidator;
import io.meshwork.wasm.abi.SplitStrategy;
import java.util.Locale;
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
  /**
   * The operator's defaults and caps.
   *
   * @param maxInputBytes the largest input a job may carry
   * @param defaultMaxChunkBytes a job's {@code max_chunk_size} when it names none
   * @param maxChunkBytes the largest {@code max_chunk_size} a job may ask for
   * @param maxRedundancy the most executors one task may run on under redundant verification
   * @param defaultTimeoutSecs a job's timeout when it names none
   * @param maxTimeoutSecs the longest timeout a job may ask for
   * @param maxRetryCount the most retries a job may ask for
   * @param defaultBudget a job's mana budget when it names none
   * @param maxBudget the largest mana budget a job may hold
   * @param maxChunks the most chunks one job may be cut into
   * @param minChunkBytes the smallest {@code max_chunk_size} a splitting job may ask for
   * @param maxModuleBytes the largest module accepted
   * @param maxTableElements the most elements a module's table may start with
   * @param maxValidations modules validated at once; one more is refused until one is done
   * @param defaultLimits the limits of a run where the job asks for none
   * @param limitCaps the most a job may ask for, per limit
   * @param maxChunkPrefixBytes the longest {@code chunk_prefix} a job may give
   */
  public record Options(
      long maxInputBytes,
      long defaultMaxChunkBytes,
      long maxChunkBytes,
      int maxRedundancy,
      int defaultTimeoutSecs,
      int maxTimeoutSecs,
      int maxRetryCount,
      long defaultBudget,
      long maxBudget,
      int maxChunks,
      long minChunkBytes,
      long maxModuleBytes,
      long maxTableElements,
      int maxValidations,
      Limits defaultLimits,
      Limits limitCaps,
      long maxChunkPrefixBytes) {
    /** The limits a run gets by default, which are also the caps unless the operator sets them. */
    public static final Limits DEFAULT_LIMITS =
        new Limits(1_000_000_000L, 256L << 20, 30_000, 1L << 20, 16L << 20);

    /** The defaults of docs/CONFIGURATION.md. */
    public static Options defaults() {
      return new Options(
          48L << 20,
          16L << 20,
          64L << 20,
          7,
          300,
          3600,
          10,
          100_000,
          1_000_000_000_000L,
          100_000,
          64,
          16L << 20,
          JobAbi.DEFAULT_MAX_TABLE_ELEMENTS,
          2,
          DEFAULT_LIMITS,
          DEFAULT_LIMITS,
          64L << 10);
    }
  }

  private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  // Modules that passed validation, by CID and the caps they were checked against. Users
  // submit the same module job after job, and parsing and validating it costs more than the rest
  // of a small job's admission. Validation is a pure function of the bytes and the caps, so a
  // remembered answer is the answer; refusals are not kept.
  private static final int REMEMBERED_MODULES = 256;
  private final ConcurrentMap<String, ModuleInfo> validModules = new ConcurrentHashMap<>();

  private final Options options;
  private final ValidationSlots<ModuleInfo> validations;

  /** A validator with the operator's defaults and caps. */
  ManifestValidator(Options options) {
    this.options = options;
    this.validations = new ValidationSlots<>(options.maxValidations());
  }

  /**
   * Validates {@code m} submitted by {@code submitterDid}; a stored input is looked up in {@code
   * blobs}, where the submitter must be allowed to read it.
   */
  JobSpec validate(JobManifest m, String submitterDid, InputBlobs blobs) {
    String jobId = m.jobId().isEmpty() ? UUID.randomUUID().toString() : m.jobId();
    if (!JOB_ID.matcher(jobId).matches()) {
      throw invalid(
          "INVALID_JOB_ID",
          "job_id",
          "job_id must be 1 to 128 characters of letters, digits, '.', '_' or '-'");
    }
    if (m.wasmModule().length == 0) {
      throw invalid("MISSING_MODULE", "wasm_module", "wasm_module is empty");
    }
    JobInput input = input(m, submitterDid, blobs);
    SplitStrategy strategy;
    try {
      strategy = SplitStrategy.parse(m.splitStrategy());
    } catch (IllegalArgumentException e) {
      throw invalid("UNKNOWN_SPLIT_STRATEGY", "split_strategy", e.getMessage());
    }
    chunkPrefix(m.chunkPrefix(), strategy);
    long maxChunk = m.maxChunkSize() == 0 ? options.defaultMaxChunkBytes() : m.maxChunkSize();
    long minChunk = m.minChunkSize();
    if (minChunk > maxChunk) {
      throw invalid(
          "CHUNK_SIZES_INVERTED",
          "min_chunk_size",
          "min_chunk_size (" + minChunk + ") is larger than max_chunk_size (" + maxChunk + ")");
    }
    long chunkCap = options.maxChunkBytes();
    if (maxChunk > chunkCap) {
      throw invalid(
          "CHUNK_TOO_LARGE",
          "max_chunk_size",
          "max_chunk_size " + maxChunk + " is above this mesh's cap of " + chunkCap + " bytes");
    }
    if (splitsOnHost(strategy)) {
      chunkFloor(maxChunk);
      if (!input.isUrl()) {
        // A URL's size is known once it is fetched; withFetchedInput checks it then.
        chunkCount(input.size(), maxChunk);
      }
    }

    VerificationMode verification = VerificationMode.parse(m.verificationMode());
    Priority priority = Priority.parse(m.priority());
    int maxRedundancy = options.maxRedundancy();
    int redundancy;
    if (verification == VerificationMode.REDUNDANT) {
      // A strict majority needs at least two runs; three is the least that outvotes one liar.
      redundancy = m.redundancy() == 0 ? 3 : m.redundancy();
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
      redundancy = m.redundancy() == 0 ? 1 : m.redundancy();
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
    int timeoutCap = options.maxTimeoutSecs();
    int timeout = m.timeoutSecs() == 0 ? options.defaultTimeoutSecs() : m.timeoutSecs();
    if (timeout > timeoutCap) {
      throw invalid(
          "TIMEOUT_TOO_LONG",
          "timeout_secs",
          "timeout_secs " + timeout + " is above this mesh's cap of " + timeoutCap);
    }
    int retries = m.retryCount();
    int retryCap = options.maxRetryCount();
    if (retries > retryCap) {
      throw invalid(
          "TOO_MANY_RETRIES",
          "retry_count",
          "retry_count " + retries + " is above this mesh's cap of " + retryCap);
    }
    long budget = m.manaBudget() == 0 ? options.defaultBudget() : m.manaBudget();
    if (budget < 0 || budget > options.maxBudget()) {
      throw invalid(
          "BUDGET_TOO_LARGE",
          "mana_budget",
          "mana_budget "
              + Long.toUnsignedString(budget)
              + " is above this mesh's cap of "
              + options.maxBudget());
    }

    Limits limits = limits(m.limits());
    byte[] module = m.wasmModule();
    String moduleCid = Cid.of(module);
    ModuleInfo info = module(module, moduleCid, options.maxModuleBytes(), limits.memoryBytes());
    if (strategy == SplitStrategy.WASM && !info.hasSplit()) {
      throw invalid(
          "MISSING_SPLIT_EXPORT",
          "split_strategy",
          "split_strategy 'wasm' needs the module to export 'split', and it does not");
    }
    JobSpec spec =
        new JobSpec(
            jobId,
            submitterDid,
            module,
            moduleCid,
            info,
            input,
            strategy,
            minChunk,
            maxChunk,
            verification,
            timeout,
            retries,
            priority,
            redundancy,
            budget,
            m.operationType(),
            limits,
            m.digest(),
            Math.max(0, m.operationWeight()),
            m.chunkPrefix());
    fitsMemory(spec, "input_cid");
    return spec;
  }

  /**
   * {@code spec} on the blob its {@code input_url} was fetched into, checked as a stored input is
   * at submission (chunk count, memory for a whole input).
   */
  JobSpec withFetchedInput(JobSpec spec, String cid, long size) {
    JobSpec fetched = spec.withInput(JobInput.stored(cid, size));
    if (splitsOnHost(fetched.splitStrategy())) {
      chunkCount(size, fetched.maxChunkSize());
    }
    fitsMemory(fetched, "input_url");
    return fetched;
  }

  /**
   * Refuses a {@code chunk_prefix} longer than the operator allows, or one given with the module's
   * own split, which decides by itself what each chunk holds (a module that wants its argument in
   * every chunk puts it there in {@code split}, as examples/grep does).
   */
  private void chunkPrefix(byte[] prefix, SplitStrategy strategy) {
    if (prefix.length == 0) {
      return;
    }
    if (strategy == SplitStrategy.WASM) {
      throw invalid(
          "CHUNK_PREFIX_WITH_WASM_SPLIT",
          "chunk_prefix",
          "chunk_prefix goes before the chunks of a host-side split (none, lines, fixed); with"
              + " split_strategy 'wasm' the module's split decides its chunks");
    }
    long max = options.maxChunkPrefixBytes();
    if (prefix.length > max) {
      throw invalid(
          "CHUNK_PREFIX_TOO_LONG",
          "chunk_prefix",
          "chunk_prefix has "
              + prefix.length
              + " bytes; this mesh takes at most "
              + max
              + " (orchestrator.max-chunk-prefix-bytes)");
    }
  }

  /**
   * Refuses a stored input that the module would get whole in its memory (split strategy {@code
   * none} or {@code wasm}) and that does not fit there, its chunk prefix included.
   */
  private static void fitsMemory(JobSpec spec, String field) {
    JobInput input = spec.input();
    SplitStrategy strategy = spec.splitStrategy();
    long memory = spec.limits().memoryBytes();
    long prefix = spec.chunkPrefix().length;
    if (input.isStored()
        && (strategy == SplitStrategy.WASM || strategy == SplitStrategy.NONE)
        && input.size() + prefix > memory) {
      // The module's split, or its one execute call, gets the whole input in its memory.
      throw invalid(
          "INPUT_EXCEEDS_MEMORY",
          field,
          "the input of "
              + input.size()
              + " bytes"
              + (prefix > 0 ? " after a chunk_prefix of " + prefix + " bytes" : "")
              + " cannot go whole into a sandbox of limits.memory_bytes "
              + memory
              + " (split_strategy '"
              + strategy.wireName()
              + "' hands the module the whole input); use split_strategy lines or fixed");
    }
  }

  private static boolean splitsOnHost(SplitStrategy strategy) {
    return strategy == SplitStrategy.LINES || strategy == SplitStrategy.FIXED;
  }

  /**
   * The input inline, stored or at a URL: exactly one of {@code input_data}, {@code input_cid} and
   * {@code input_url}. Whether this orchestrator may fetch the URL is not asked here, since a job
   * resumed after a restart is validated again and must not depend on the network ({@link
   * UrlInputs#check} at submission, and again when it is fetched).
   */
  private JobInput input(JobManifest m, String submitterDid, InputBlobs blobs) {
    boolean inline = m.inputData().length > 0;
    boolean stored = !m.inputCid().isEmpty();
    boolean url = !m.inputUrl().isEmpty();
    if ((inline ? 1 : 0) + (stored ? 1 : 0) + (url ? 1 : 0) > 1) {
      throw invalid(
          "INPUT_TWICE",
          url ? "input_url" : "input_cid",
          "more than one of input_data, input_cid and input_url is set; give the input one way");
    }
    if (!m.inputSha256().isEmpty() && !url) {
      throw invalid(
          "INVALID_FIELD", "input_sha256", "input_sha256 checks an input_url, and none is set");
    }
    if (url) {
      String sha256 = m.inputSha256().toLowerCase(Locale.ROOT);
      if (!sha256.isEmpty() && !SHA256_HEX.matcher(sha256).matches()) {
        throw invalid(
            "INVALID_FIELD",
            "input_sha256",
            "input_sha256 must be 64 hexadecimal digits (a SHA-256), got "
                + m.inputSha256().length()
                + " characters");
      }
      return JobInput.fetched(m.inputUrl(), sha256);
    }
    if (!stored) {
      long maxInput = options.maxInputBytes();
      if (m.inputData().length > maxInput) {
        throw invalid(
            "INPUT_TOO_LARGE",
            "input_data",
            "input_data has "
                + m.inputData().length
                + " bytes; this mesh takes at most "
                + maxInput
                + " inline (upload a larger input as a blob and name it in input_cid)");
      }
      return JobInput.inline(m.inputData());
    }
    try {
      Cid.requireCanonical(m.inputCid());
    } catch (IllegalArgumentException e) {
      throw invalid(
          "INVALID_FIELD",
          "input_cid",
          "input_cid is not a canonical CIDv1 raw sha2-256 CID: " + e.getMessage());
    }
    return JobInput.stored(m.inputCid(), blobs.readableSize(submitterDid, m.inputCid()));
  }

  private ModuleInfo module(byte[] module, String cid, long maxModule, long memoryCap) {
    return module(module, cid, maxModule, memoryCap, "wasm_module");
  }

  /**
   * Validates {@code module} against the ABI and the caps, in one of the bounded {@link
   * ValidationSlots}, or answers from memory when it passed before.
   *
   * @param field the request field that carried the module, for the refusal
   */
  ModuleInfo module(byte[] module, String cid, long maxModule, long memoryCap, String field) {
    // The caps are part of the key: an operator may change them between two submissions.
    String key = cid + "/" + maxModule + "/" + memoryCap + "/" + options.maxTableElements();
    ModuleInfo info = validModules.get(key);
    if (info != null) {
      return info;
    }
    info =
        validations.run(
            key,
            () -> {
              try {
                return ModuleValidator.validate(
                    module,
                    new ModuleValidator.Limits(maxModule, memoryCap, options.maxTableElements()));
              } catch (InvalidModuleException e) {
                throw MeshException.invalidArgument(
                        e.reason(), field + " is refused: " + e.getMessage())
                    .with("field", field);
              }
            });
    if (validModules.size() >= REMEMBERED_MODULES) {
      validModules.clear();
    }
    validModules.put(key, info);
    return info;
  }

  /** Applies defaults to zero fields and refuses values above the operator's caps. */
  Limits limits(Limits asked) {
    Limits defaults = options.defaultLimits();
    Limits caps = options.limitCaps();
    long fuel = cap(asked.fuel(), "fuel", defaults.fuel(), caps.fuel());
    long memory =
        cap(asked.memoryBytes(), "memory_bytes", defaults.memoryBytes(), caps.memoryBytes());
    long wall = cap(asked.wallTimeMs(), "wall_time_ms", defaults.wallTimeMs(), caps.wallTimeMs());
    long stack = cap(asked.stackBytes(), "stack_bytes", defaults.stackBytes(), caps.stackBytes());
    long output =
        cap(
            asked.maxOutputBytes(),
            "max_output_bytes",
            defaults.maxOutputBytes(),
            caps.maxOutputBytes());
    if (memory % 65_536 != 0) {
      throw invalid(
          "MEMORY_LIMIT_NOT_PAGE_ALIGNED",
          "limits.memory_bytes",
          "limits.memory_bytes must be a multiple of the 64 KiB WebAssembly page");
    }
    return new Limits(fuel, memory, (int) wall, stack, output);
  }

  /**
   * Refuses a chunk size below the floor, or one that makes too many chunks of {@code inputBytes}:
   * every chunk costs an auction, a thread and a journal row, so their number is bounded before any
   * is cut.
   */
  private void chunkFloor(long maxChunk) {
    if (maxChunk < options.minChunkBytes()) {
      throw invalid(
          "CHUNK_TOO_SMALL",
          "max_chunk_size",
          "max_chunk_size "
              + maxChunk
              + " is below this mesh's floor of "
              + options.minChunkBytes()
              + " bytes");
    }
  }

  private void chunkCount(long inputBytes, long maxChunk) {
    long atLeast = (inputBytes + maxChunk - 1) / maxChunk;
    if (atLeast > options.maxChunks()) {
      throw invalid(
          "TOO_MANY_CHUNKS",
          "max_chunk_size",
          "the input of "
              + inputBytes
              + " bytes in chunks of at most "
              + maxChunk
              + " bytes makes at least "
              + atLeast
              + " chunks; this mesh cuts a job into at most "
              + options.maxChunks());
    }
  }

  /** The module cap every module, submitted or delegated, is checked against. */
  long maxModuleBytes() {
    return options.maxModuleBytes();
  }

  private static long cap(long asked, String field, long defaultValue, long capValue) {
    if (asked == 0) {
      // The operator's cap bounds the default too, not only what a job asks for.
      return Math.min(defaultValue, capValue);
    }
    if (asked > capValue) {
      throw invalid(
          "LIMIT_ABOVE_CAP",
          "limits." + field,
          "limits." + field + " " + asked + " is above this mesh's cap of " + capValue);
    }
    return asked;
  }

  private static MeshException invalid(String reason, String field, String message) {
    return MeshException.invalidArgument(reason, message).with("field", field);
  }
}
