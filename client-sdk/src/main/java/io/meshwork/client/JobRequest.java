package io.meshwork.client;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.content.Cid;
import io.meshwork.mesh.v1.ResourceLimits;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A job to submit to the mesh: the WebAssembly module, its input, and how the mesh should split,
 * run, check and pay for it.
 *
 * <p>The input goes inline ({@link Builder#input(byte[])}), inside the submission message, as a
 * blob uploaded beforehand and named by its CID ({@link Builder#inputCid(String)}, after {@link
 * MeshClient#upload}), or as a URL the orchestrator fetches into its blob store ({@link
 * Builder#inputUrl(String, String)}, where the operator allows it); a large input should not go
 * inline, since a message has a size limit.
 *
 * <p>Immutable and validated when built; it holds the module and input as immutable {@link
 * ByteString}s, so building copies them once and submitting copies them no more. Zero in a numeric
 * setting means "the server's default", as in the contract.
 *
 * <pre>{@code
 * JobRequest job = JobRequest.newBuilder()
 *     .wasmModule(Files.readAllBytes(Path.of("word_count.wasm")))
 *     .input(Files.readAllBytes(Path.of("book.txt")))
 *     .splitStrategy(SplitStrategy.LINES)
 *     .maxChunkSize(256 * 1024)
 *     .manaBudget(1_000)
 *     .build();
 * }</pre>
 */
public final class JobRequest {
  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private final ByteString wasmModule;
  private final ByteString input;
  private final String inputCid;
  private final String inputUrl;
  private final String inputSha256;
  private final SplitStrategy splitStrategy;
  private final long minChunkSize;
  private final long maxChunkSize;
  private final VerificationMode verificationMode;
  private final long timeoutSecs;
  private final long retryCount;
  private final Priority priority;
  private final long redundancy;
  private final long manaBudget;
  private final String jobId;
  private final ResourceLimits limits;
  private final ByteString chunkPrefix;

  private JobRequest(Builder b) {
    this.wasmModule = b.wasmModule;
    this.input = b.input == null ? ByteString.EMPTY : b.input;
    this.inputCid = b.inputCid;
    this.inputUrl = b.inputUrl;
    this.inputSha256 = b.inputSha256;
    this.splitStrategy = b.splitStrategy;
    this.minChunkSize = b.minChunkSize;
    this.maxChunkSize = b.maxChunkSize;
    this.verificationMode = b.verificationMode;
    this.timeoutSecs = b.timeoutSecs;
    this.retryCount = b.retryCount;
    this.priority = b.priority;
    this.redundancy = b.redundancy;
    this.manaBudget = b.manaBudget;
    this.jobId = b.jobId;
    this.limits = b.limits;
    this.chunkPrefix = b.chunkPrefix;
  }

  /** Starts a job; the module and the input must be set before {@link Builder#build()}. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Returns the job as the {@code ComputeJobManifest} that {@code SubmitJob} carries. */
  public ComputeJobManifest toManifest() {
    ComputeJobManifest.Builder manifest =
        ComputeJobManifest.newBuilder()
            .setJobId(jobId == null ? "" : jobId)
            .setWasmModule(wasmModule)
            .setInputData(input)
            .setInputCid(inputCid == null ? "" : inputCid)
            .setInputUrl(inputUrl == null ? "" : inputUrl)
            .setInputSha256(inputSha256)
            .setSplitStrategy(splitStrategy.wireName())
            .setMinChunkSize(minChunkSize)
            .setMaxChunkSize(maxChunkSize)
            .setVerificationMode(verificationMode.wireName())
            .setTimeoutSecs((int) timeoutSecs)
            .setRetryCount((int) retryCount)
            .setPriority(priority.wireName())
            .setRedundancy((int) redundancy)
            .setManaBudget(manaBudget)
            .setChunkPrefix(chunkPrefix);
    // Unset limits stay absent on the wire, so the mesh applies its defaults.
    if (!limits.equals(ResourceLimits.getDefaultInstance())) {
      manifest.setLimits(limits);
    }
    return manifest.build();
  }

  /** Per-call limits asked for; zero fields take the mesh's defaults. */
  public ResourceLimits limits() {
    return limits;
  }

  /** The WebAssembly module (see WASM-ABI.md). */
  public ByteString wasmModule() {
    return wasmModule;
  }

  /** The whole input when it goes inline; empty when it is a blob ({@link #inputCid()}). */
  public ByteString input() {
    return input;
  }

  /** The CID of the blob that is the input, when the input is a stored blob. */
  public Optional<String> inputCid() {
    return Optional.ofNullable(inputCid);
  }

  /** The URL the orchestrator fetches the input from, when the input is a URL. */
  public Optional<String> inputUrl() {
    return Optional.ofNullable(inputUrl);
  }

  /** The bytes put before every chunk; empty for none. */
  public ByteString chunkPrefix() {
    return chunkPrefix;
  }

  /** How the input is cut into chunks. */
  public SplitStrategy splitStrategy() {
    return splitStrategy;
  }

  /** The smallest chunk in bytes; 0 lets the server choose. */
  public long minChunkSize() {
    return minChunkSize;
  }

  /** The largest chunk in bytes; 0 lets the server choose. */
  public long maxChunkSize() {
    return maxChunkSize;
  }

  /** How results are checked. */
  public VerificationMode verificationMode() {
    return verificationMode;
  }

  /** The deadline of the whole job in seconds; 0 lets the server choose. */
  public long timeoutSecs() {
    return timeoutSecs;
  }

  /** How many times a failed task is given to another executor. */
  public long retryCount() {
    return retryCount;
  }

  /** The scheduling priority. */
  public Priority priority() {
    return priority;
  }

  /** How many executors run each chunk; 0 means one. */
  public long redundancy() {
    return redundancy;
  }

  /** The most mana the job may spend; 0 lets the server choose. */
  public long manaBudget() {
    return manaBudget;
  }

  /** The caller's own job id, which makes the submission idempotent; empty for a server id. */
  public Optional<String> jobId() {
    return Optional.ofNullable(jobId);
  }

  /**
   * Checks that {@code cid} is a CID the blob service takes: CIDv1, raw codec, sha2-256, in its one
   * canonical spelling (lower-case base32), and returns it.
   */
  static String requireCid(String cid, String what) {
    if (cid == null || cid.isBlank()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    try {
      Cid.requireCanonical(cid);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " " + cid + " is not valid: " + e.getMessage(), e);
    }
    return cid;
  }

  static String wireNames(Enum<?>[] values) {
    return Arrays.stream(values)
        .map(v -> v.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }

  /** Collects the settings of a {@link JobRequest}; not thread-safe. */
  public static final class Builder {
    private ByteString wasmModule;
    private ByteString input;
    private String inputCid;
    private String inputUrl;
    private String inputSha256 = "";
    private SplitStrategy splitStrategy = SplitStrategy.NONE;
    private long minChunkSize;
    private long maxChunkSize;
    private VerificationMode verificationMode = VerificationMode.HASH;
    private long timeoutSecs;
    private long retryCount;
    private Priority priority = Priority.MEDIUM;
    private long redundancy;
    private long manaBudget;
    private String jobId;
    private ResourceLimits limits = ResourceLimits.getDefaultInstance();
    private ByteString chunkPrefix = ByteString.EMPTY;

    private Builder() {}

    /**
     * Sets the limits each call of the job runs under: fuel (one unit per WebAssembly instruction),
     * memory, wall time, stack and output size. Zero fields take the mesh's defaults, and the
     * operator's caps still apply.
     */
    public Builder limits(ResourceLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Sets the WebAssembly module (copied). */
    public Builder wasmModule(byte[] module) {
      return wasmModule(ByteString.copyFrom(Objects.requireNonNull(module, "module")));
    }

    /** Sets the WebAssembly module. */
    public Builder wasmModule(ByteString module) {
      this.wasmModule = Objects.requireNonNull(module, "module");
      return this;
    }

    /** Sets the input (copied). */
    public Builder input(byte[] input) {
      return input(ByteString.copyFrom(Objects.requireNonNull(input, "input")));
    }

    /** Sets the input. */
    public Builder input(ByteString input) {
      this.input = Objects.requireNonNull(input, "input");
      return this;
    }

    /**
     * Sets the input to the blob with this CID, uploaded beforehand ({@link MeshClient#upload});
     * the caller must be allowed to read it. A job has either this or an inline {@link
     * #input(ByteString)}.
     *
     * @throws IllegalArgumentException for a CID that is not a canonical CIDv1 raw sha2-256 CID
     */
    public Builder inputCid(String cid) {
      this.inputCid = requireCid(cid, "an input CID");
      return this;
    }

    /**
     * Sets the input to the bytes at {@code url}, which the orchestrator fetches into its blob
     * store once it has accepted the job (the job's status is {@code fetching} meanwhile), as a
     * blob of the submitter's. The orchestrator's operator decides which hosts it fetches from; by
     * default it fetches from none (docs/ORCHESTRATOR.md, "Inputs from a URL").
     *
     * @param sha256 the SHA-256 the bytes must have, as 64 hex digits, or "" to take what comes;
     *     other bytes fail the job
     * @throws IllegalArgumentException for a URL that is not https or http, or a malformed hash
     */
    public Builder inputUrl(String url, String sha256) {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(sha256, "sha256");
      String lower = url.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
        throw new IllegalArgumentException("an input URL is https:// (or http://), not " + url);
      }
      if (!sha256.isEmpty() && !sha256.matches("[0-9a-fA-F]{64}")) {
        throw new IllegalArgumentException(
            "an input's SHA-256 is 64 hex digits, got " + sha256.length() + " characters");
      }
      this.inputUrl = url;
      this.inputSha256 = sha256.toLowerCase(Locale.ROOT);
      return this;
    }

    /**
     * Sets bytes the mesh puts before every chunk of a host-side split ({@code none}, {@code
     * lines}, {@code fixed}), so that each task gets {@code prefix} followed by its chunk: the way
     * to hand every chunk the job's argument, such as examples/grep's {@code "pattern\n"}. The
     * split itself runs over the input alone. The mesh caps its length ({@code
     * orchestrator.max-chunk-prefix-bytes}, 64 KiB by default). Copied.
     */
    public Builder chunkPrefix(byte[] prefix) {
      return chunkPrefix(ByteString.copyFrom(Objects.requireNonNull(prefix, "prefix")));
    }

    /** Sets the bytes put before every chunk, as {@link #chunkPrefix(byte[])} does. */
    public Builder chunkPrefix(ByteString prefix) {
      this.chunkPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** Sets how the input is split; {@link SplitStrategy#NONE} by default. */
    public Builder splitStrategy(SplitStrategy strategy) {
      this.splitStrategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /** Sets the smallest chunk in bytes (0 or more). */
    public Builder minChunkSize(long bytes) {
      this.minChunkSize = requireNotNegative(bytes, "min chunk size");
      return this;
    }

    /** Sets the largest chunk in bytes (0 or more; 0 lets the server choose). */
    public Builder maxChunkSize(long bytes) {
      this.maxChunkSize = requireNotNegative(bytes, "max chunk size");
      return this;
    }

    /** Sets how results are checked; {@link VerificationMode#HASH} by default. */
    public Builder verificationMode(VerificationMode mode) {
      this.verificationMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Sets the deadline of the whole job in seconds (0 lets the server choose). */
    public Builder timeoutSecs(long seconds) {
      this.timeoutSecs = requireUint32(seconds, "timeout");
      return this;
    }

    /** Sets how many times a failed task is retried on another executor. */
    public Builder retryCount(long retries) {
      this.retryCount = requireUint32(retries, "retry count");
      return this;
    }

    /** Sets the scheduling priority; {@link Priority#MEDIUM} by default. */
    public Builder priority(Priority priority) {
      this.priority = Objects.requireNonNull(priority, "priority");
      return this;
    }

    /** Sets how many executors run each chunk (0 or 1 for one). */
    public Builder redundancy(long executors) {
      this.redundancy = requireUint32(executors, "redundancy");
      return this;
    }

    /** Sets the most mana the job may spend (0 lets the server choose). */
    public Builder manaBudget(long mana) {
      this.manaBudget = requireNotNegative(mana, "mana budget");
      return this;
    }

    /**
     * Sets the job's id, so that submitting the same job again returns the same job instead of
     * starting a second one.
     */
    public Builder jobId(String id) {
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("a job id must not be empty");
      }
      this.jobId = id.strip();
      return this;
    }

    /**
     * Builds the request.
     *
     * @throws IllegalArgumentException when the module or input is missing, the input is both
     *     inline and by CID, the module is empty, the minimum chunk size exceeds the maximum, or a
     *     chunk prefix comes with the wasm split
     */
    public JobRequest build() {
      if (wasmModule == null || wasmModule.isEmpty()) {
        throw new IllegalArgumentException("a job needs a WebAssembly module");
      }
      int ways = (input != null ? 1 : 0) + (inputCid != null ? 1 : 0) + (inputUrl != null ? 1 : 0);
      if (ways == 0) {
        throw new IllegalArgumentException(
            "a job needs an input, inline (it may be empty), by CID or by URL");
      }
      if (ways > 1) {
        throw new IllegalArgumentException(
            "a job's input goes inline, by CID or by URL, one way, not both (or all three)");
      }
      if (!chunkPrefix.isEmpty() && splitStrategy == SplitStrategy.WASM) {
        throw new IllegalArgumentException(
            "a chunk prefix goes with a host-side split (none, lines, fixed); with the wasm split"
                + " the module's split decides what each chunk holds");
      }
      if (maxChunkSize > 0 && minChunkSize > maxChunkSize) {
        throw new IllegalArgumentException(
            "min chunk size " + minChunkSize + " exceeds max chunk size " + maxChunkSize);
      }
      return new JobRequest(this);
    }

    private static long requireNotNegative(long value, String what) {
      if (value < 0) {
        throw new IllegalArgumentException(what + " must not be negative, got " + value);
      }
      return value;
    }

    private static long requireUint32(long value, String what) {
      if (value < 0 || value > UINT32_MAX) {
        throw new IllegalArgumentException(
            what + " must be between 0 and " + UINT32_MAX + ", got " + value);
      }
      return value;
    }
  }
}
