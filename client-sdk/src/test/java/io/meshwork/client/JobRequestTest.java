package io.meshwork.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobRequestTest {
  private static final byte[] MODULE = {0, 'a', 's', 'm'};

  @Test
  void aJobNeedsAModuleAndAnInput() {
    assertThrows(
        IllegalArgumentException.class, () -> JobRequest.newBuilder().input(new byte[1]).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> JobRequest.newBuilder().wasmModule(new byte[0]).input(new byte[1]).build());
    assertThrows(
        IllegalArgumentException.class, () -> JobRequest.newBuilder().wasmModule(MODULE).build());
  }

  @Test
  void anInputByCidGoesInTheManifestInsteadOfTheBytes() {
    String cid = Cid.of(new byte[] {1, 2, 3});

    JobRequest job = JobRequest.newBuilder().wasmModule(MODULE).inputCid(cid).build();

    assertEquals(Optional.of(cid), job.inputCid());
    assertEquals(cid, job.toManifest().getInputCid());
    assertTrue(job.toManifest().getInputData().isEmpty());
    assertEquals(
        "",
        JobRequest.newBuilder()
            .wasmModule(MODULE)
            .input(new byte[1])
            .build()
            .toManifest()
            .getInputCid());
  }

  @Test
  void anInputIsInlineOrByCidNotBoth() {
    String cid = Cid.of(new byte[] {1, 2, 3});

    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JobRequest.newBuilder()
                    .wasmModule(MODULE)
                    .input(new byte[1])
                    .inputCid(cid)
                    .build());

    assertTrue(both.getMessage().contains("not both"), both.getMessage());
  }

  @Test
  void anInputUrlGoesIntoTheManifestWithItsHash() {
    String sha256 = "AB".repeat(32);

    var manifest =
        JobRequest.newBuilder()
            .wasmModule(MODULE)
            .inputUrl("https://data.example.com/in.txt", sha256)
            .build()
            .toManifest();

    assertEquals("https://data.example.com/in.txt", manifest.getInputUrl());
    assertEquals("ab".repeat(32), manifest.getInputSha256());
    assertTrue(manifest.getInputData().isEmpty());
    assertEquals("", manifest.getInputCid());
  }

  @Test
  void anInputUrlIsHttpsOrHttpWithAWellFormedHashAndTheOnlyInput() {
    JobRequest.Builder job = JobRequest.newBuilder().wasmModule(MODULE);

    assertThrows(IllegalArgumentException.class, () -> job.inputUrl("s3://bucket/key", ""));
    assertThrows(IllegalArgumentException.class, () -> job.inputUrl("https://h/x", "abc"));
    IllegalArgumentException both =
        assertThrows(
            IllegalArgumentException.class,
            () -> job.input(new byte[1]).inputUrl("https://h/x", "").build());
    assertTrue(both.getMessage().contains("one way"), both.getMessage());
  }

  @Test
  void aChunkPrefixGoesIntoTheManifestAndNotWithTheWasmSplit() {
    JobRequest job =
        JobRequest.newBuilder()
            .wasmModule(MODULE)
            .input(new byte[] {1})
            .splitStrategy(SplitStrategy.LINES)
            .chunkPrefix("needle\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .build();

    assertEquals("needle\n", job.toManifest().getChunkPrefix().toStringUtf8());
    assertEquals(
        0,
        JobRequest.newBuilder()
            .wasmModule(MODULE)
            .input(new byte[] {1})
            .build()
            .toManifest()
            .getChunkPrefix()
            .size());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JobRequest.newBuilder()
                    .wasmModule(MODULE)
                    .input(new byte[] {1})
                    .splitStrategy(SplitStrategy.WASM)
                    .chunkPrefix(new byte[] {'p'})
                    .build());
    assertTrue(e.getMessage().contains("host-side split"), e.getMessage());
  }

  @Test
  void anInputCidMustBeACanonicalRawSha256Cid() {
    JobRequest.Builder job = JobRequest.newBuilder().wasmModule(MODULE);
    String cid = Cid.of(new byte[] {1, 2, 3});

    assertThrows(IllegalArgumentException.class, () -> job.inputCid(""));
    assertThrows(IllegalArgumentException.class, () -> job.inputCid("bafy-not-a-cid"));
    IllegalArgumentException upper =
        assertThrows(
            IllegalArgumentException.class,
            () -> job.inputCid("b" + cid.substring(1).toUpperCase()));
    assertTrue(upper.getMessage().contains("not"), upper.getMessage());
  }

  @Test
  void theMinimumChunkMayNotExceedTheMaximum() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                JobRequest.newBuilder()
                    .wasmModule(MODULE)
                    .input(new byte[0])
                    .minChunkSize(100)
                    .maxChunkSize(10)
                    .build());
    assertTrue(e.getMessage().contains("min chunk size 100"), e.getMessage());
  }

  @Test
  void numbersOutsideTheirWireRangeAreRefused() {
    JobRequest.Builder job = JobRequest.newBuilder();
    assertThrows(IllegalArgumentException.class, () -> job.timeoutSecs(-1));
    assertThrows(IllegalArgumentException.class, () -> job.redundancy(1L << 32));
    assertThrows(IllegalArgumentException.class, () -> job.manaBudget(-5));
    assertThrows(IllegalArgumentException.class, () -> job.jobId(" "));
  }

  @Test
  void theBuiltRequestDoesNotSeeLaterChangesToTheCallersArrays() {
    byte[] input = {1, 2, 3};
    JobRequest job = JobRequest.newBuilder().wasmModule(MODULE).input(input).build();
    input[0] = 9;

    assertEquals(1, job.toManifest().getInputData().byteAt(0));
  }

  @Test
  void wireNamesRoundTrip() {
    for (SplitStrategy strategy : SplitStrategy.values()) {
      assertEquals(strategy, SplitStrategy.fromWireName(strategy.wireName()));
    }
    assertEquals("row_based", SplitStrategy.ROW_BASED.wireName());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Priority.fromWireName("urgent"));
    assertEquals(
        "unknown priority 'urgent'; expected one of low, medium, high, critical", e.getMessage());
  }
}
