package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeJobManifest;
import io.meshwork.content.Cid;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.orchestrator.OrchestratorOptions;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.orchestrator.wire.JobMessages;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.errors.MeshException;
import io.meshwork.wasm.abi.SplitStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ManifestValidatorTest {
  private static final String SUBMITTER = "did:key:z6MkSubmitterForTests";
  private static final byte[] WORD_COUNT = read("..", "examples", "wordcount", "wordcount.wasm");
  private static final byte[] WASI_IMPORT =
      read("..", "wasm-abi", "src", "test", "resources", "modules", "wasi-import.wasm");

  private final ManifestValidator validator =
      new ManifestValidator(ManifestValidator.Options.defaults());

  /** A validator configured as the orchestrator would be by {@code settings}. */
  private static ManifestValidator configured(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("orchestrator.ledger", "ledger:1");
    all.put("orchestrator.receipts", "receipts:1");
    return new ManifestValidator(OrchestratorOptions.from(new MapSettings(all)).jobs().manifests());
  }

  /** Validates a manifest as it arrives over the wire. */
  private static JobSpec validate(ManifestValidator validator, ComputeJobManifest manifest) {
    return validator.validate(JobMessages.submitted(manifest), SUBMITTER, new MemoryBlobs());
  }

  private static byte[] read(String first, String... more) {
    try {
      return Files.readAllBytes(Path.of(first, more));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ComputeJobManifest.Builder wordCountJob() {
    return ComputeJobManifest.newBuilder()
        .setJobId("job-1")
        .setWasmModule(ByteString.copyFrom(WORD_COUNT))
        .setInputData(ByteString.copyFromUtf8("the quick brown fox\njumps over\n"))
        .setSplitStrategy("lines");
  }

  private static void assertRefused(
      ManifestValidator validator,
      ComputeJobManifest manifest,
      String expectedReason,
      String expectedField) {
    MeshException e = assertThrows(MeshException.class, () -> validate(validator, manifest));
    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals(expectedReason, e.reason(), e.getMessage());
    assertEquals(expectedField, e.metadata().get("field"));
  }

  private void assertRefused(ComputeJobManifest manifest, String reason, String field) {
    assertRefused(validator, manifest, reason, field);
  }

  @Test
  void validManifestGetsTheDefaults() {
    JobSpec spec = validate(validator, wordCountJob().build());

    assertEquals("job-1", spec.jobId());
    assertEquals(SUBMITTER, spec.submitterDid());
    assertArrayEquals(WORD_COUNT, spec.module());
    assertEquals(Cid.of(WORD_COUNT), spec.moduleCid());
    assertArrayEquals(
        "the quick brown fox\njumps over\n".getBytes(StandardCharsets.UTF_8), spec.input().bytes());
    assertEquals(SplitStrategy.LINES, spec.splitStrategy());
    assertEquals(VerificationMode.HASH, spec.verification());
    assertEquals(Priority.MEDIUM, spec.priority());
    assertEquals(100_000, spec.manaBudget());
    assertEquals(1, spec.redundancy());
    assertEquals(16L << 20, spec.maxChunkSize());
    assertEquals(300, spec.timeoutSecs());
    assertEquals(1_000_000_000L, spec.limits().fuel());
    assertEquals(256L << 20, spec.limits().memoryBytes());
    assertEquals(30_000, spec.limits().wallTimeMs());
    assertEquals(32, spec.manifestDigest().length);
  }

  @Test
  void emptyJobIdIsAssignedByTheServer() {
    JobSpec spec = validate(validator, wordCountJob().setJobId("").build());

    assertFalse(spec.jobId().isEmpty());
    // The server assigns a UUID; parsing it proves the shape.
    assertEquals(spec.jobId(), UUID.fromString(spec.jobId()).toString());
  }

  @Test
  void explicitValuesAreKept() {
    ComputeJobManifest manifest =
        wordCountJob()
            .setVerificationMode("none")
            .setPriority("HIGH")
            .setManaBudget(42)
            .setLimits(ResourceLimits.newBuilder().setFuel(5_000).setMemoryBytes(2 * 65_536))
            .build();

    JobSpec spec = validate(validator, manifest);

    assertEquals(VerificationMode.NONE, spec.verification());
    assertEquals(Priority.HIGH, spec.priority());
    assertEquals(42, spec.manaBudget());
    assertEquals(5_000, spec.limits().fuel());
    assertEquals(2 * 65_536, spec.limits().memoryBytes());
    assertEquals(30_000, spec.limits().wallTimeMs());
  }

  @Test
  void unknownSplitStrategyIsRefused() {
    assertRefused(
        wordCountJob().setSplitStrategy("by_paragraph").build(),
        "UNKNOWN_SPLIT_STRATEGY",
        "split_strategy");
  }

  @Test
  void unknownVerificationModeIsRefused() {
    assertRefused(
        wordCountJob().setVerificationMode("trust_me").build(),
        "UNKNOWN_VERIFICATION_MODE",
        "verification_mode");
  }

  @Test
  void redundancyOfOneCannotFormAMajority() {
    assertRefused(
        wordCountJob().setVerificationMode("redundant").setRedundancy(1).build(),
        "REDUNDANCY_OUT_OF_RANGE",
        "redundancy");
  }

  @Test
  void redundancyWithoutRedundantModeIsRefused() {
    assertRefused(
        wordCountJob().setVerificationMode("hash").setRedundancy(3).build(),
        "REDUNDANCY_NEEDS_REDUNDANT_MODE",
        "redundancy");
  }

  @Test
  void unknownPriorityIsRefused() {
    assertRefused(wordCountJob().setPriority("urgent").build(), "UNKNOWN_PRIORITY", "priority");
  }

  @Test
  void minimumChunkLargerThanMaximumIsRefused() {
    assertRefused(
        wordCountJob().setMinChunkSize(2_000).setMaxChunkSize(1_000).build(),
        "CHUNK_SIZES_INVERTED",
        "min_chunk_size");
  }

  @Test
  void jobIdWithForbiddenCharactersIsRefused() {
    assertRefused(wordCountJob().setJobId("job/../1").build(), "INVALID_JOB_ID", "job_id");
    assertRefused(wordCountJob().setJobId("job 1").build(), "INVALID_JOB_ID", "job_id");
    assertRefused(wordCountJob().setJobId("x".repeat(129)).build(), "INVALID_JOB_ID", "job_id");
  }

  @Test
  void emptyModuleIsRefused() {
    assertRefused(
        wordCountJob().setWasmModule(ByteString.EMPTY).build(), "MISSING_MODULE", "wasm_module");
  }

  @Test
  void moduleImportingWasiIsRefused() {
    assertRefused(
        wordCountJob().setWasmModule(ByteString.copyFrom(WASI_IMPORT)).build(),
        "FORBIDDEN_IMPORT",
        "wasm_module");
  }

  @Test
  void limitAboveTheOperatorsCapIsRefused() {
    ManifestValidator capped = configured(Map.of("limits.cap.fuel", "1000"));
    ComputeJobManifest manifest =
        wordCountJob().setLimits(ResourceLimits.newBuilder().setFuel(1001)).build();

    assertRefused(capped, manifest, "LIMIT_ABOVE_CAP", "limits.fuel");
  }

  @Test
  void limitAtTheOperatorsCapIsAccepted() {
    ManifestValidator capped = configured(Map.of("limits.cap.fuel", "1000"));
    ComputeJobManifest manifest =
        wordCountJob().setLimits(ResourceLimits.newBuilder().setFuel(1000)).build();

    assertEquals(1000, validate(capped, manifest).limits().fuel());
  }

  @Test
  void theOperatorsCapAlsoBoundsTheDefaultLimit() {
    ManifestValidator capped = configured(Map.of("limits.cap.fuel", "1000"));

    assertEquals(1000, validate(capped, wordCountJob().build()).limits().fuel());
  }

  @Test
  void memoryLimitMustBeWholePages() {
    assertRefused(
        wordCountJob().setLimits(ResourceLimits.newBuilder().setMemoryBytes(65_536 + 1)).build(),
        "MEMORY_LIMIT_NOT_PAGE_ALIGNED",
        "limits.memory_bytes");
  }

  @Test
  void inputAboveTheConfiguredMaximumIsRefused() {
    ManifestValidator small = configured(Map.of("orchestrator.max-input-bytes", "10"));
    ComputeJobManifest manifest =
        wordCountJob().setInputData(ByteString.copyFromUtf8("eleven byte")).build();

    assertRefused(small, manifest, "INPUT_TOO_LARGE", "input_data");
  }

  @Test
  void inputAtTheConfiguredMaximumIsAccepted() {
    ManifestValidator small = configured(Map.of("orchestrator.max-input-bytes", "10"));
    ComputeJobManifest manifest =
        wordCountJob().setInputData(ByteString.copyFromUtf8("ten bytes!")).build();

    assertEquals(10, validate(small, manifest).input().size());
  }

  @Test
  void sameManifestGivesTheSameDigest() {
    byte[] first = validate(validator, wordCountJob().build()).manifestDigest();
    byte[] second = validate(validator, wordCountJob().build()).manifestDigest();

    assertArrayEquals(first, second);
  }

  @Test
  void changedInputGivesAnotherDigest() {
    byte[] original = validate(validator, wordCountJob().build()).manifestDigest();
    byte[] changed =
        validate(
                validator,
                wordCountJob().setInputData(ByteString.copyFromUtf8("other words\n")).build())
            .manifestDigest();

    assertFalse(Arrays.equals(original, changed));
  }

  @Test
  void aBudgetAboveTheCapIsRefused() {
    assertRefused(
        wordCountJob().setManaBudget(1_000_000_000_001L).build(),
        "BUDGET_TOO_LARGE",
        "mana_budget");
    // 2^63 and above arrive as a negative long: refused too, not taken for a small budget.
    assertRefused(
        wordCountJob().setManaBudget(Long.MIN_VALUE).build(), "BUDGET_TOO_LARGE", "mana_budget");
  }

  @Test
  void aChunkSizeBelowTheFloorIsRefused() {
    assertRefused(wordCountJob().setMaxChunkSize(63).build(), "CHUNK_TOO_SMALL", "max_chunk_size");
  }

  @Test
  void aChunkSizeThatWouldMakeTooManyChunksIsRefusedBeforeAnythingIsCut() {
    // 7 MiB in chunks of at most 64 bytes is 114,688 chunks, above the 100,000 a job may have.
    ComputeJobManifest manifest =
        wordCountJob()
            .setInputData(ByteString.copyFrom(new byte[7 << 20]))
            .setSplitStrategy("fixed")
            .setMaxChunkSize(64)
            .build();
    MeshException e = assertThrows(MeshException.class, () -> validate(validator, manifest));
    assertEquals("TOO_MANY_CHUNKS", e.reason());
    assertEquals(
        "the input of 7340032 bytes in chunks of at most 64 bytes makes at least 114688 chunks;"
            + " this mesh cuts a job into at most 100000",
        e.getMessage());
  }
}
