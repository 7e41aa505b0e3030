package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A job's {@code chunk_prefix}: put before every chunk of a host-side split, inline or beside a
 * reference, named with the chunk by the receipts' input CIDs; refused with the module's own split,
 * when too long, or when it would not fit the sandbox with a whole input.
 */
class ChunkPrefixTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyChunkOfAStoredInputGetsThePrefixInlineOrBesideItsReference() {
    // Chunks over 6 bytes go by reference, the rest inline.
    core.inlineChunkBytes = 6;
    FakeExecutor executor = core.executor("a");
    JobCoordinator coordinator = core.start();
    JobCore.Job job =
        job("prefixed", "alpha\n", "bravo\n", "charlie\n", "delta\n")
            .chunkPrefix("p:")
            .storedIn(core.blobs);

    JobResult result = await(coordinator, coordinator.submit(job.manifest(), SUBMITTER));

    assertEquals(JobState.COMPLETED, result.status().state(), result.status().errorMessage());
    // The fake module upper-cases its whole input: each chunk came as prefix and line.
    assertEquals("P:ALPHA\n|P:BRAVO\n|P:CHARLIE\n|P:DELTA\n", text(result.result()));
    // The cut ignores the prefix: with chunks of at most 8 bytes, "charlie\n" is still one.
    assertEquals(4, result.status().totalChunks());
    // The merge's input is a blob of its own, fetched by reference too; the input's chunk is not.
    List<Chunk> fetched =
        executor.fetched.stream().filter(c -> !c.blobCid().equals(c.cid())).toList();
    assertEquals(1, fetched.size(), executor.fetched.toString());
    Chunk reference = fetched.get(0);
    assertEquals(12, reference.offset());
    assertEquals(8, reference.rangeLength());
    assertEquals(10, reference.size());
    assertArrayEquals(utf8("p:"), reference.prefix());
    assertEquals(Cid.of(utf8("p:charlie\n")), reference.cid());
    // Every receipt names the bytes the module ran on: prefix and chunk.
    List<String> inputs = core.receipts.entries().stream().map(Receipt::inputCid).toList();
    for (String line : List.of("alpha\n", "bravo\n", "charlie\n", "delta\n")) {
      assertTrue(inputs.contains(Cid.of(utf8("p:" + line))), line);
    }
    // The merge's input is the results' frame list, with no prefix of its own.
    assertEquals(5, inputs.size(), inputs.toString());
    // Nothing reads the blob more than without a prefix: the cut, each chunk, the reference; then
    // the merge's input (the 4 results' frame list, 50 bytes), hashed when its task is loaded.
    assertEquals(26 + 26 + 8 + 50, core.blobs.bytesRead.get());
  }

  @Test
  void anInlineInputAndASplitOfNoneGetThePrefixToo() {
    core.executor("a");
    JobCoordinator coordinator = core.start();

    JobResult lines =
        await(
            coordinator,
            coordinator.submit(
                job("inline", "alpha\n", "bravo\n").chunkPrefix(">").manifest(), SUBMITTER));
    JobResult whole =
        await(
            coordinator,
            coordinator.submit(
                job("whole", "alpha\n", "bravo\n")
                    .split("none")
                    .chunkPrefix(">")
                    .storedIn(core.blobs)
                    .manifest(),
                SUBMITTER));

    assertEquals(">ALPHA\n|>BRAVO\n", text(lines.result()), lines.status().errorMessage());
    assertEquals(">ALPHA\nBRAVO\n", text(whole.result()), whole.status().errorMessage());
  }

  @Test
  void aPrefixWithTheModulesOwnSplitIsRefused() {
    JobCoordinator coordinator = core.start();
    JobManifest m = job("wasm", "a\n").split("wasm").chunkPrefix("p\n").manifest();

    MeshException e = assertThrows(MeshException.class, () -> coordinator.submit(m, SUBMITTER));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("CHUNK_PREFIX_WITH_WASM_SPLIT", e.reason(), e.getMessage());
    assertEquals(0, core.ledger.openHolds());
  }

  @Test
  void aPrefixLongerThanTheMeshTakesIsRefused() {
    JobCoordinator coordinator = core.start();
    JobManifest m = job("long", "a\n").chunkPrefix("x".repeat(64 * 1024 + 1)).manifest();

    MeshException e = assertThrows(MeshException.class, () -> coordinator.submit(m, SUBMITTER));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("CHUNK_PREFIX_TOO_LONG", e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("orchestrator.max-chunk-prefix-bytes"), e.getMessage());
  }

  @Test
  void thePrefixCountsAgainstTheSandboxMemoryOfAWholeInput() {
    JobCoordinator coordinator = core.start();
    // 65,530 bytes fit a sandbox of one 64 KiB page; with a 10-byte prefix they do not.
    String input = "x".repeat(65_529) + "\n";
    JobCore.Job fits = job("fits", input).split("none").memory(65_536).storedIn(core.blobs);
    JobCore.Job over =
        job("over", input)
            .split("none")
            .memory(65_536)
            .chunkPrefix("0123456789")
            .storedIn(core.blobs);

    coordinator.submit(fits.manifest(), SUBMITTER);
    MeshException e =
        assertThrows(MeshException.class, () -> coordinator.submit(over.manifest(), SUBMITTER));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("INPUT_EXCEEDS_MEMORY", e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("after a chunk_prefix of 10 bytes"), e.getMessage());
  }
}
