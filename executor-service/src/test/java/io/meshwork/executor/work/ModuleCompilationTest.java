package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How an executor compiles the modules strangers send: only after the assignment was admitted,
 * never on the thread that assigned it, at most {@code max-compiles} at once (one more is refused
 * as busy), and never for longer than {@code compile-timeout} (the task fails, and so do later
 * tasks of the same module, at once).
 */
class ModuleCompilationTest {
  private static final WasmEngine REAL = WasmEngine.chicory();
  private static final String ORCHESTRATOR = "did:key:zOrchestratorForTests";
  private static final String ENDPOINT = "orchestrator.test:7000";
  private static final byte[] WORD_COUNT = wordCount();

  private final Identity identity = Identity.generate();
  private final BlockingQueue<ComputeTaskResult> delivered = new LinkedBlockingQueue<>();
  private final List<String> fetched = new ArrayList<>();
  private final OrchestratorLink sink =
      new OrchestratorLink() {
        @Override
        public byte[] fetchModule(String endpoint, String moduleCid) {
          fetched.add(moduleCid);
          throw new IllegalStateException("NOT_FOUND: " + moduleCid);
        }

        @Override
        public void fetchRange(
            String endpoint,
            String blobCid,
            long offset,
            long length,
            Duration deadline,
            Consumer<ByteBuffer> frames) {
          throw new IllegalStateException("no chunk is sent by reference");
        }

        @Override
        public boolean deliver(String endpoint, ComputeTaskResult result) {
          delivered.add(result);
          return true;
        }
      };
  private final GatedEngine gated = new GatedEngine();
  private TaskRunner runner;

  @AfterEach
  void close() {
    gated.gate.countDown();
    if (runner != null) {
      runner.close();
    }
  }

  private TaskRunner runner(
      WasmEngine engine, int slots, int queueLimit, int maxCompiles, Duration timeout) {
    ModuleCompiler compiler =
        new ModuleCompiler(
            engine, new ModuleCache(16), maxCompiles, timeout, ServiceMetrics.none());
    runner =
        new TaskRunner(
            engine,
            compiler,
            identity,
            sink,
            ChunkCache.disabled(),
            new PresignedChunks(false, Clock.systemUTC()),
            Clock.systemUTC(),
            slots,
            queueLimit,
            1L << 20,
            ServiceMetrics.none());
    return runner;
  }

  @Test
  void aModuleThatCompilesTooSlowlyFailsItsTaskAndLaterTasksOfItAtOnce() throws Exception {
    // A real module of some 300 KB of straight-line code: Chicory's compiler takes seconds for it,
    // far past the 100 ms allowed here.
    CountingEngine counting = new CountingEngine(REAL);
    TaskRunner runner = runner(counting, 2, 2, 1, Duration.ofMillis(100));
    byte[] slow = slowToCompile(100, 1_000);

    TaskRunner.Acceptance first =
        runner.assign(assignment("a-1"), task(slow), ENDPOINT, ORCHESTRATOR);
    assertTrue(first.accepted(), first.message());

    ComputeTaskResult result = nextResult();
    assertEquals("failed", result.getStatus());
    assertEquals(JobErrorKind.JOB_ERROR_KIND_INVALID_MODULE, result.getError().getKind());
    assertTrue(
        result.getError().getMessage().contains("took longer than 100 ms to compile"),
        result.getError().getMessage());
    assertTrue(
        result.getError().getMessage().contains("executor.compile-timeout-ms"),
        result.getError().getMessage());

    // The same module again: refused from memory, not compiled a second time.
    assertTrue(runner.assign(assignment("a-2"), task(slow), ENDPOINT, ORCHESTRATOR).accepted());
    ComputeTaskResult again = nextResult();
    assertEquals(result.getError().getMessage(), again.getError().getMessage());
    assertEquals(1, counting.compiles.get());
    assertFalse(runner.hasModule(Cid.of(slow)));
  }

  @Test
  void compilationHappensAfterAdmissionAndOffTheAssigningThread() throws Exception {
    TaskRunner runner = runner(gated, 1, 0, 4, Duration.ofMinutes(1));

    // Assigning returns while the compilation is still held at the gate.
    TaskRunner.Acceptance accepted =
        runner.assign(assignment("a-1"), task(variant(1)), ENDPOINT, ORCHESTRATOR);
    assertTrue(accepted.accepted(), accepted.message());
    assertTrue(gated.entered.await(10, TimeUnit.SECONDS), "the compilation never started");
    assertNotEquals(Thread.currentThread().getName(), gated.threads.iterator().next());
    assertEquals(Set.of("module-compile"), gated.threads);

    // The one slot and no queue place are taken: the next assignment is refused before its module
    // is fetched or compiled.
    ComputeTaskPacket withoutBytes = task(variant(2)).toBuilder().clearWasmModule().build();
    TaskRunner.Acceptance refused =
        runner.assign(assignment("a-2"), withoutBytes, ENDPOINT, ORCHESTRATOR);
    assertEquals(TaskRunner.Refusal.BUSY, refused.refusal());
    assertTrue(refused.message().contains("queue places are taken"), refused.message());
    assertEquals(List.of(), fetched);
    assertEquals(1, gated.compiles.get());

    gated.gate.countDown();
    assertEquals("completed", nextResult().getStatus());
  }

  @Test
  void atMostMaxCompilesRunAtOnceAndOneMoreIsRefusedAsBusy() throws Exception {
    TaskRunner runner = runner(gated, 4, 16, 2, Duration.ofMinutes(1));

    List<TaskRunner.Acceptance> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(runner.assign(assignment("a-" + i), task(variant(i)), ENDPOINT, ORCHESTRATOR));
    }
    assertTrue(answers.get(0).accepted());
    assertTrue(answers.get(1).accepted());
    for (TaskRunner.Acceptance busy : answers.subList(2, 5)) {
      assertEquals(TaskRunner.Refusal.BUSY, busy.refusal());
      assertTrue(busy.message().contains("executor.max-compiles"), busy.message());
    }
    assertTrue(runner.hasRoom(), "a refused assignment keeps no queue place");
    // A task of a module already being compiled waits for that compilation: no third one.
    assertTrue(
        runner.assign(assignment("b-0"), task(variant(0)), ENDPOINT, ORCHESTRATOR).accepted());

    // Both compilations are inside the engine before the gate opens.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (gated.compiles.get() < 2 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    gated.gate.countDown();
    for (int i = 0; i < 3; i++) {
      ComputeTaskResult result = nextResult();
      assertEquals("completed", result.getStatus(), result.toString());
    }
    assertEquals(2, gated.compiles.get());
    assertEquals(2, gated.mostAtOnce.get());
    // The places are free again, and the modules compiled are cached.
    assertTrue(
        runner.assign(assignment("c-2"), task(variant(2)), ENDPOINT, ORCHESTRATOR).accepted());
    assertEquals("completed", nextResult().getStatus());
    assertTrue(runner.hasModule(Cid.of(variant(0))));
  }

  @Test
  void aModuleRefusedByTheValidatorFailsItsTaskNamingWhy() throws Exception {
    TaskRunner runner = runner(REAL, 1, 1, 1, Duration.ofMinutes(1));
    byte[] bomb =
        Files.readAllBytes(
            Path.of("..", "wasm-abi", "src", "test", "resources", "modules", "table-bomb.wasm"));

    assertTrue(runner.assign(assignment("a-1"), task(bomb), ENDPOINT, ORCHESTRATOR).accepted());

    ComputeTaskResult result = nextResult();
    assertEquals(JobErrorKind.JOB_ERROR_KIND_INVALID_MODULE, result.getError().getKind());
    assertTrue(
        result.getError().getMessage().contains("table of 10000000 entries"),
        result.getError().getMessage());
  }

  // ---------------------------------------------------------------------------------------------

  /** The real engine, counting its compilations. */
  private static final class CountingEngine implements WasmEngine {
    final WasmEngine inner;
    final AtomicInteger compiles = new AtomicInteger();

    CountingEngine(WasmEngine inner) {
      this.inner = inner;
    }

    @Override
    public CompiledModule compile(byte[] wasm) throws SandboxException {
      compiles.incrementAndGet();
      return inner.compile(wasm);
    }

    @Override
    public CallOutcome call(CompiledModule m, String export, byte[] input, SandboxLimits limits)
        throws SandboxException {
      return inner.call(m, export, input, limits);
    }

    @Override
    public String engineName() {
      return inner.engineName();
    }

    @Override
    public String engineVersion() {
      return inner.engineVersion();
    }
  }

  /**
   * The real engine behind a gate: each compilation waits until the test opens it, so that the test
   * sees how many run at once and on which threads.
   */
  private static final class GatedEngine implements WasmEngine {
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch entered = new CountDownLatch(1);
    final AtomicInteger compiles = new AtomicInteger();
    final AtomicInteger atOnce = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    @Override
    public CompiledModule compile(byte[] wasm) throws SandboxException {
      compiles.incrementAndGet();
      threads.add(Thread.currentThread().getName());
      mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
      entered.countDown();
      try {
        gate.await();
        return REAL.compile(wasm);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        atOnce.decrementAndGet();
      }
    }

    @Override
    public CallOutcome call(CompiledModule m, String export, byte[] input, SandboxLimits limits)
        throws SandboxException {
      return REAL.call(m, export, input, limits);
    }

    @Override
    public String engineName() {
      return REAL.engineName();
    }

    @Override
    public String engineVersion() {
      return REAL.engineVersion();
    }
  }

  private ComputeTaskResult nextResult() throws InterruptedException {
    ComputeTaskResult result = delivered.poll(60, TimeUnit.SECONDS);
    assertNotNull(result, "no result was delivered");
    return result;
  }

  private AssignJobV1 assignment(String assignmentId) {
    return AssignJobV1.newBuilder()
        .setJobId("job-1:0")
        .setExecutorDid(identity.did())
        .setAssignmentId(assignmentId)
        .setPrice(5)
        .build();
  }

  private static ComputeTaskPacket task(byte[] module) {
    return ComputeTaskPacket.newBuilder()
        .setTaskId("job-1:0")
        .setParentJobId("job-1")
        .setChunkIndex(0)
        .setChunkData(ByteString.copyFromUtf8("a b\n"))
        .setWasmModuleHash(Cid.of(module))
        .setWasmModule(ByteString.copyFrom(module))
        .build();
  }

  /** The word-count module with a custom section of its own, so that each has another CID. */
  private static byte[] variant(int n) {
    byte[] name = ("variant-" + n).getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(WORD_COUNT);
    out.write(0);
    out.write(name.length + 1);
    out.write(name.length);
    out.writeBytes(name);
    return out.toByteArray();
  }

  /**
   * A valid job module with {@code functions} extra functions of {@code pairs} times {@code
   * local.get 0; drop}: honest code, just a lot of it.
   */
  private static byte[] slowToCompile(int functions, int pairs) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(0);
    for (int i = 0; i < pairs; i++) {
      body.writeBytes(new byte[] {0x20, 0, 0x1A});
    }
    body.writeBytes(new byte[] {0x20, 0, 0x0B});
    byte[] filler = body.toByteArray();
    ByteArrayOutputStream functionSection = new ByteArrayOutputStream();
    uleb(functionSection, functions + 2);
    functionSection.writeBytes(new byte[] {0, 1});
    for (int i = 0; i < functions; i++) {
      functionSection.write(0);
    }
    ByteArrayOutputStream code = new ByteArrayOutputStream();
    uleb(code, functions + 2);
    byte[] alloc = {0, 0x41, (byte) 0x80, 0x08, 0x0B};
    byte[] execute = {0, 0x42, 0, 0x0B};
    for (byte[] b : new byte[][] {alloc, execute}) {
      uleb(code, b.length);
      code.writeBytes(b);
    }
    for (int i = 0; i < functions; i++) {
      uleb(code, filler.length);
      code.writeBytes(filler);
    }
    ByteArrayOutputStream exports = new ByteArrayOutputStream();
    exports.write(3);
    for (String[] e :
        new String[][] {{"memory", "2", "0"}, {"alloc", "0", "0"}, {"execute", "0", "1"}}) {
      byte[] n = e[0].getBytes(StandardCharsets.US_ASCII);
      uleb(exports, n.length);
      exports.writeBytes(n);
      exports.write(Integer.parseInt(e[1]));
      exports.write(Integer.parseInt(e[2]));
    }
    ByteArrayOutputStream module = new ByteArrayOutputStream();
    module.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(module, 1, new byte[] {2, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E});
    section(module, 3, functionSection.toByteArray());
    section(module, 5, new byte[] {1, 0, 1});
    section(module, 7, exports.toByteArray());
    section(module, 10, code.toByteArray());
    return module.toByteArray();
  }

  private static void section(ByteArrayOutputStream module, int id, byte[] content) {
    module.write(id);
    uleb(module, content.length);
    module.writeBytes(content);
  }

  private static void uleb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }

  private static byte[] wordCount() {
    try {
      return Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
