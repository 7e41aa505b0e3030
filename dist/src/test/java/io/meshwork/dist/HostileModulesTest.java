package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ResourceLimits;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile modules submitted through the whole mesh: each is refused at submission, or fails its
 * task with the limit or trap named; afterwards both executors still serve, the heap is back where
 * it was, and an honest job succeeds.
 */
class HostileModulesTest {
  @TempDir static Path dataDir;
  static DevMesh mesh;
  static MeshClient client;
  long heapBefore;

  @BeforeAll
  static void startMesh() {
    // The fuel cap is raised so that one test can show the wall-time limit on its own.
    mesh =
        DevMesh.start(
            dataDir,
            MeshFixtures.freeLayout(2),
            Map.of("rfc0016.t2-ms", "500", "limits.cap.fuel", "1000000000000000"));
    client = MeshFixtures.client(mesh, Identity.generate());
    // Warm up, so that the heap measured before each test already holds the mesh's caches.
    honestJobSucceeds();
  }

  @AfterAll
  static void stopMesh() {
    if (client != null) {
      client.close();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  @BeforeEach
  void measureHeap() {
    heapBefore = settledHeap();
  }

  @AfterEach
  void meshIsUnharmed() {
    for (String executor : mesh.layout().executorNames()) {
      assertEquals(
          HealthCheckResponse.ServingStatus.SERVING,
          health(mesh.endpoint(executor).grpcPort()),
          executor);
    }
    honestJobSucceeds();
    long after = settledHeap();
    // Allow for ordinary churn (journal rows, metrics); a leaked 16 MiB memory or instance would
    // show far above this.
    assertTrue(
        after - heapBefore < 12L << 20,
        "heap grew from " + (heapBefore >> 20) + " MiB to " + (after >> 20) + " MiB");
    assertEquals(0, client.balance().getHeld(), "a failed job left mana held");
  }

  @Test
  void endlessBranchLoopRunsOutOfFuel() {
    String error = failsAtRun("endless-br-if", limits().setFuel(20_000_000));
    assertContains(error, "FUEL_EXHAUSTED", "ran out of fuel", "limit of 20000000");
  }

  @Test
  void endlessLoopWithAHugeBudgetIsStoppedAtItsWallTime() {
    String error =
        failsAtRun("endless-loop", limits().setFuel(1_000_000_000_000_000L).setWallTimeMs(400));
    assertContains(error, "WALL_TIME", "wall-time limit of 400 ms");
  }

  @Test
  void endlessRecursionExhaustsTheCallStack() {
    String error = failsAtRun("endless-recursion", limits());
    assertContains(error, "STACK_OVERFLOW", "call stack");
  }

  @Test
  void memoryBombHitsTheMemoryLimit() {
    String error = failsAtRun("memory-bomb", limits().setMemoryBytes(4L << 20));
    assertContains(error, "MEMORY_LIMIT", "memory limit is 4194304 bytes");
  }

  @Test
  void outputPointerOutsideMemoryIsRefused() {
    String error = failsAtRun("output-out-of-bounds", limits());
    assertContains(error, "OUTPUT_OUT_OF_BOUNDS", "memory holds 65536 bytes");
  }

  @Test
  void trapIsReportedWithItsMessage() {
    String error = failsAtRun("unreachable", limits());
    assertContains(error, "TRAP", "unreachable");
  }

  @Test
  void startFunctionRunsMeteredBeforeTheExport() {
    String jobId =
        client.submit(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.executorTestModule("start-runs"))
                .input("hostile".getBytes(StandardCharsets.US_ASCII))
                .limits(limits().build())
                .manaBudget(100)
                .build());
    JobResult result = client.result(jobId, Duration.ofSeconds(60));
    assertTrue(result.success(), result.error());
    // The start function wrote these bytes; execute only returns them.
    assertEquals("started", new String(result.bytes(), StandardCharsets.US_ASCII));
  }

  @Test
  void startFunctionThatNeverReturnsRunsOutOfFuel() {
    String error = failsAtRun("start-endless", limits().setFuel(20_000_000));
    assertContains(error, "FUEL_EXHAUSTED", "limit of 20000000");
  }

  @Test
  void bulkInstructionsOverTheWholeMemoryOrTableInALoopRunOutOfFuel() {
    // Each pass writes a mebibyte of memory (or 200,000 table entries) and is charged for it:
    // 10^8 fuel stop the loop after a hundred passes (five hundred over the table), a fraction of
    // a second where one fuel a pass would have let it run until its wall time.
    for (String module : new String[] {"fill-loop", "copy-loop", "table-loop"}) {
      String error = failsAtRun(module, limits().setFuel(100_000_000));
      assertContains(module + ": " + error, "FUEL_EXHAUSTED", "limit of 100000000");
    }
  }

  @Test
  void hugeElementSegmentIsRefusedAtSubmission() {
    MeshClientException e = refused(elementBomb(200_000));
    assertEquals("TOO_MANY_ELEMENTS", e.reason().orElse(""));
    assertTrue(e.getMessage().contains("100000"), e.getMessage());
  }

  @Test
  void moduleImportingWasiIsRefusedAtSubmission() {
    MeshClientException e = refused(MeshFixtures.abiTestModule("wasi-import.wasm"));
    assertEquals("FORBIDDEN_IMPORT", e.reason().orElse(""));
    assertTrue(e.getMessage().contains("wasi_snapshot_preview1"), e.getMessage());
  }

  @Test
  void moduleWithoutExecuteIsRefusedAtSubmission() {
    MeshClientException e = refused(MeshFixtures.abiTestModule("missing-execute.wasm"));
    assertEquals("MISSING_EXPORT", e.reason().orElse(""));
    assertTrue(e.getMessage().contains("execute"), e.getMessage());
  }

  @Test
  void tableBombIsRefusedAtSubmission() {
    MeshClientException e = refused(MeshFixtures.abiTestModule("table-bomb.wasm"));
    assertEquals("TABLE_TOO_LARGE", e.reason().orElse(""));
    assertTrue(e.getMessage().contains("table of 10000000 entries"), e.getMessage());
  }

  @Test
  void proposalsTheSandboxDoesNotRunAreRefusedAtSubmission() {
    for (String module : new String[] {"table-grow.wasm", "exceptions.wasm", "tail-call.wasm"}) {
      MeshClientException e = refused(MeshFixtures.abiTestModule(module));
      assertEquals("UNSUPPORTED_FEATURE", e.reason().orElse(""), module);
    }
    MeshClientException tables = refused(MeshFixtures.abiTestModule("two-tables.wasm"));
    assertEquals("UNSUPPORTED_TABLE", tables.reason().orElse(""));
  }

  @Test
  void aDataSegmentDeclaringGigabytesIsRefusedWithoutAllocatingThem() {
    // A 2 GiB data segment declared in 20 bytes: the parser would allocate it before noticing.
    byte[] header = {0, 'a', 's', 'm', 1, 0, 0, 0};
    // Section 11 (data), 10 bytes: one segment, active at i32.const 0, of 2^31 - 1 bytes.
    byte[] data = {11, 10, 1, 0, 0x41, 0, 0x0B, -1, -1, -1, -1, 0x07};
    byte[] bomb = new byte[header.length + data.length];
    System.arraycopy(header, 0, bomb, 0, header.length);
    System.arraycopy(data, 0, bomb, header.length, data.length);
    MeshClientException e = refused(bomb);
    assertEquals("MALFORMED_MODULE", e.reason().orElse(""));
    assertTrue(e.getMessage().contains("declares 2147483647 bytes"), e.getMessage());
  }

  @Test
  void garbageBytesAreRefusedAtSubmission() {
    MeshClientException e = refused("\0asm but not really".getBytes(StandardCharsets.US_ASCII));
    assertEquals("MALFORMED_MODULE", e.reason().orElse(""));
  }

  @Test
  void truncatedBinaryIsRefusedAtSubmission() {
    byte[] whole = MeshFixtures.wordCount();
    MeshClientException e = refused(Arrays.copyOf(whole, whole.length / 2));
    assertEquals("MALFORMED_MODULE", e.reason().orElse(""));
  }

  /**
   * A job module whose table is within the limit (1 entry) but whose one active element segment
   * carries {@code entries} one-byte references to function 0: some 200 KB that the parser would
   * turn into tens of megabytes of objects.
   */
  private static byte[] elementBomb(int entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    // Types: (i32) -> i32 and (i32, i32) -> i64; functions 0 (alloc) and 1 (execute).
    section(out, 1, new byte[] {2, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E});
    section(out, 3, new byte[] {2, 0, 1});
    section(out, 4, new byte[] {1, 0x70, 0, 1}); // a funcref table of 1 entry
    section(out, 5, new byte[] {1, 0, 1}); // one page of memory
    ByteArrayOutputStream exports = new ByteArrayOutputStream();
    exports.write(3);
    for (String name : new String[] {"memory", "alloc", "execute"}) {
      exports.write(name.length());
      exports.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
      exports.writeBytes(
          name.equals("memory")
              ? new byte[] {2, 0}
              : new byte[] {0, (byte) (name.equals("alloc") ? 0 : 1)});
    }
    section(out, 7, exports.toByteArray());
    ByteArrayOutputStream elements = new ByteArrayOutputStream();
    elements.writeBytes(new byte[] {1, 0, 0x41, 0, 0x0B}); // segment 0, active at i32.const 0
    leb(elements, entries);
    elements.writeBytes(new byte[entries]);
    section(out, 9, elements.toByteArray());
    byte[] alloc = {0, 0x41, (byte) 0x80, 0x08, 0x0B};
    byte[] execute = {0, 0x42, 0, 0x0B};
    ByteArrayOutputStream code = new ByteArrayOutputStream();
    code.write(2);
    code.write(alloc.length);
    code.writeBytes(alloc);
    code.write(execute.length);
    code.writeBytes(execute);
    section(out, 10, code.toByteArray());
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    leb(out, content.length);
    out.writeBytes(content);
  }

  private static void leb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  private static ResourceLimits.Builder limits() {
    return ResourceLimits.newBuilder().setWallTimeMs(10_000);
  }

  /** Submits the executor test module {@code name}; the job must fail, and its error is kept. */
  private static String failsAtRun(String name, ResourceLimits.Builder limits) {
    long before = client.balance().getBalance();
    String jobId =
        client.submit(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.executorTestModule(name))
                .input("hostile".getBytes(StandardCharsets.US_ASCII))
                .retryCount(1)
                .limits(limits.build())
                .manaBudget(100)
                .build());
    JobResult result = client.result(jobId, Duration.ofSeconds(60));
    assertFalse(result.success(), name + " succeeded");
    assertEquals("failed", result.status().getStatus());
    assertEquals(before, client.balance().getBalance(), "a failed task is not paid");
    return result.error();
  }

  private static MeshClientException refused(byte[] module) {
    MeshClientException e =
        assertThrows(
            MeshClientException.class,
            () ->
                client.submit(
                    JobRequest.newBuilder().wasmModule(module).input(new byte[] {1}).build()));
    assertEquals("INVALID_ARGUMENT", e.code().name());
    return e;
  }

  private static void honestJobSucceeds() {
    byte[] text = "an honest job after a hostile one\n".getBytes(StandardCharsets.US_ASCII);
    MeshFixtures.runWordCount(
        client,
        JobRequest.newBuilder()
            .wasmModule(MeshFixtures.wordCount())
            .input(text)
            .manaBudget(100)
            .build(),
        Duration.ofSeconds(60));
  }

  private static void assertContains(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "\"" + text + "\" lacks \"" + part + "\"");
    }
  }

  private static HealthCheckResponse.ServingStatus health(int port) {
    ManagedChannel channel = MeshFixtures.userChannel(port, MeshFixtures.caDir(dataDir));
    try {
      return HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.getDefaultInstance())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  /** Heap in use after collections have had a chance to run, so that garbage is not counted. */
  private static long settledHeap() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
