package io.meshwork.sandbox.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.TestModules;
import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.InvalidModuleException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs honest and hostile modules through one shared engine; after every test the engine must still
 * run the word-count module correctly and have no guest thread left behind.
 */
class ChicoryEngineTest {

  private static final ChicoryEngine ENGINE = new ChicoryEngine();
  // A 300 ms wall time, with fuel enough that only the clock can stop an endless loop: compiled
  // to JVM bytecode, a tight loop burns the default billion units of fuel in well under a second.
  private static final SandboxLimits SHORT =
      new SandboxLimits(
          1L << 60,
          SandboxLimits.defaults().memoryBytes(),
          300,
          SandboxLimits.defaults().stackBytes(),
          SandboxLimits.defaults().maxOutputBytes(),
          SandboxLimits.defaults().maxInputBytes());
  private static CompiledModule wordCount;

  @BeforeAll
  static void compileWordCount() throws SandboxException {
    wordCount = ENGINE.compile(TestModules.wordCount());
  }

  @AfterEach
  void engineStillRunsTheHonestModule() throws Exception {
    byte[] text = "still standing after that\n".getBytes(US_ASCII);
    CallOutcome outcome = ENGINE.call(wordCount, "execute", text, SandboxLimits.defaults());
    assertEquals("4", new String(outcome.output(), US_ASCII));
    assertEquals(0, ENGINE.runningCalls(), "a guest thread is still running");
  }

  /** A module of wasm-abi's test set; Maven runs tests from the module directory. */
  private static byte[] abiModule(String name) throws java.io.IOException {
    return java.nio.file.Files.readAllBytes(
        java.nio.file.Path.of(
            "..", "wasm-abi", "src", "test", "resources", "modules", name + ".wasm"));
  }

  @Test
  void aTableBombIsRefusedBeforeAnyInstanceAllocatesIt() throws Exception {
    SandboxException e =
        assertThrows(SandboxException.class, () -> ENGINE.compile(abiModule("table-bomb")));
    assertEquals(FailureKind.INVALID_MODULE, e.kind());
    assertEquals(
        InvalidModuleException.TABLE_TOO_LARGE,
        assertInstanceOf(InvalidModuleException.class, e.getCause()).reason());
    assertTrue(e.getMessage().contains("10000000 entries"), e.getMessage());
  }

  @Test
  void aTableWithinTheOperatorsCapRunsAndOneAboveItIsRefused() throws Exception {
    // execute returns call_indirect(square, len) as the output length, read from address 0.
    CompiledModule indirect = ENGINE.compile(abiModule("indirect-call"));
    CallOutcome outcome = ENGINE.call(indirect, "execute", new byte[5], SandboxLimits.defaults());
    assertEquals(25, outcome.output().length);

    ChicoryEngine strict =
        new ChicoryEngine(
            new io.meshwork.wasm.abi.ModuleValidator.Limits(
                io.meshwork.wasm.abi.JobAbi.DEFAULT_MAX_MODULE_BYTES,
                io.meshwork.wasm.abi.JobAbi.DEFAULT_MAX_MEMORY_BYTES,
                1));
    SandboxException e =
        assertThrows(SandboxException.class, () -> strict.compile(abiModule("indirect-call")));
    assertEquals(
        InvalidModuleException.TABLE_TOO_LARGE,
        assertInstanceOf(InvalidModuleException.class, e.getCause()).reason());
  }

  private static SandboxException fails(String module, SandboxLimits limits, byte[] input)
      throws SandboxException {
    CompiledModule compiled = ENGINE.compile(TestModules.resource(module));
    return assertThrows(
        SandboxException.class, () -> ENGINE.call(compiled, "execute", input, limits));
  }

  private static SandboxException fails(String module, SandboxLimits limits)
      throws SandboxException {
    return fails(module, limits, "input".getBytes(US_ASCII));
  }

  private static void assertMentions(SandboxException e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part), "\"" + e.getMessage() + "\" lacks \"" + part + "\"");
    }
  }

  @Test
  void reportsItsNameAndChicoryVersion() {
    assertEquals("chicory-compiler", ENGINE.engineName());
    assertEquals("1.7.5", ENGINE.engineVersion());
  }

  @Test
  void bytesGoInAndComeOutIntact() throws Exception {
    CompiledModule echo = ENGINE.compile(TestModules.resource("echo"));
    byte[] input = new byte[200_000];
    new Random(3).nextBytes(input);
    CallOutcome outcome = ENGINE.call(echo, "execute", input, SandboxLimits.defaults());
    assertArrayEquals(input, outcome.output());
    assertTrue(outcome.fuelUsed() > 0, "fuel " + outcome.fuelUsed());

    List<byte[]> frames =
        FrameList.decode(ENGINE.call(echo, "split", input, SandboxLimits.defaults()).output());
    assertEquals(2, frames.size());
    assertArrayEquals(input, frames.get(0));
    assertArrayEquals(input, frames.get(1));
  }

  @Test
  void everyCallGetsAFreshInstance() throws Exception {
    // echo's bump allocator starts at 1024 in a fresh instance; a reused one would move on.
    CompiledModule echo = ENGINE.compile(TestModules.resource("echo"));
    for (int i = 0; i < 3; i++) {
      byte[] out =
          ENGINE.call(echo, "execute", new byte[] {1, 2}, SandboxLimits.defaults()).output();
      assertArrayEquals(new byte[] {1, 2}, out);
    }
  }

  @Test
  void sharesTheCompiledModuleAcrossThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String text = "w ".repeat(i);
        results.add(
            pool.submit(
                () ->
                    new String(
                        ENGINE
                            .call(
                                wordCount,
                                "execute",
                                text.getBytes(US_ASCII),
                                SandboxLimits.defaults())
                            .output(),
                        US_ASCII)));
      }
      for (int i = 0; i < 40; i++) {
        assertEquals(Integer.toString(i), results.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void endlessLoopHitsTheWallTimeAndFreesItsThread() throws Exception {
    long started = System.nanoTime();
    SandboxException e = fails("endless-loop", SHORT);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(FailureKind.WALL_TIME, e.kind());
    assertEquals("execute", e.exportName());
    assertMentions(e, "wall-time limit of 300 ms");
    assertTrue(tookMillis < 2_000, "took " + tookMillis + " ms");
    assertEquals(0, ENGINE.runningCalls());
  }

  @Test
  void sandboxThreadsAreReusedEvenAfterAGuestWasStoppedByItsWallTime() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule count = engine.compile(TestModules.wordCount());
    CompiledModule loop = engine.compile(TestModules.resource("endless-loop"));
    SandboxException stopped =
        assertThrows(
            SandboxException.class, () -> engine.call(loop, "execute", new byte[0], SHORT));
    assertEquals(FailureKind.WALL_TIME, stopped.kind());
    for (int i = 0; i < 20; i++) {
      CallOutcome outcome =
          engine.call(count, "execute", "a b c\n".getBytes(US_ASCII), SandboxLimits.defaults());
      assertEquals("3", new String(outcome.output(), US_ASCII), "call " + i);
    }
    // One thread (the stopped guest's) ran every call; it was never started afresh.
    assertEquals(1, engine.sandboxThreadsStarted());
  }

  @Test
  void endlessRecursionOverflowsTheStack() throws Exception {
    SandboxException e = fails("endless-recursion", SandboxLimits.defaults());
    assertEquals(FailureKind.STACK_OVERFLOW, e.kind());
    assertMentions(e, "execute exhausted its call stack of 1048576 bytes");
  }

  @Test
  void memoryBombHitsTheMemoryLimit() throws Exception {
    SandboxException e = fails("memory-bomb", SandboxLimits.defaults().withMemoryBytes(1 << 20));
    assertEquals(FailureKind.MEMORY_LIMIT, e.kind());
    assertMentions(e, "grow memory to 1114112 bytes", "memory limit is 1048576 bytes");
  }

  @Test
  void memoryBombIsStoppedAtTheDefaultLimitToo() throws Exception {
    SandboxException e = fails("memory-bomb", SandboxLimits.defaults());
    assertEquals(FailureKind.MEMORY_LIMIT, e.kind());
  }

  @Test
  void moduleNeedingMoreThanTheCapIsRefusedBeforeRunning() throws Exception {
    SandboxException e = fails("memory-bomb", SandboxLimits.defaults().withMemoryBytes(65_536));
    assertEquals(FailureKind.MEMORY_LIMIT, e.kind());
    assertMentions(e, "declares 131072 bytes of initial memory", "limit is 65536 bytes");
  }

  @Test
  void growPastTheModulesOwnMaximumFailsTheSpecsWay() throws Exception {
    CompiledModule grow = ENGINE.compile(TestModules.resource("bounded-grow"));
    byte[] pages = ENGINE.call(grow, "execute", new byte[0], SandboxLimits.defaults()).output();
    assertEquals("3", new String(pages, US_ASCII));
    // Below the module's own maximum, the sandbox's cap ends the call instead.
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () ->
                ENGINE.call(
                    grow,
                    "execute",
                    new byte[0],
                    SandboxLimits.defaults().withMemoryBytes(2 * 65_536)));
    assertEquals(FailureKind.MEMORY_LIMIT, e.kind());
  }

  @Test
  void unreachableIsATrapNamingIt() throws Exception {
    SandboxException e = fails("unreachable", SandboxLimits.defaults());
    assertEquals(FailureKind.TRAP, e.kind());
    assertEquals("execute", e.exportName());
    assertMentions(e, "execute trapped", "unreachable");
  }

  @Test
  void trapInTheStartFunctionIsATrap() throws Exception {
    SandboxException e = fails("start-traps", SandboxLimits.defaults());
    assertEquals(FailureKind.TRAP, e.kind());
  }

  @Test
  void assemblyScriptAbortIsATrapWithItsMessage() throws Exception {
    SandboxException e = fails("assemblyscript-abort", SandboxLimits.defaults());
    assertEquals(FailureKind.TRAP, e.kind());
    assertMentions(e, "abort: boom at job.ts:7:3");
  }

  @Test
  void outputOutsideMemoryIsRefused() throws Exception {
    SandboxException e = fails("output-out-of-bounds", SandboxLimits.defaults());
    assertEquals(FailureKind.OUTPUT_OUT_OF_BOUNDS, e.kind());
    assertMentions(e, "[4294901760, 4294901776)", "memory holds 65536 bytes");
  }

  @Test
  void allocOutsideMemoryIsRefused() throws Exception {
    SandboxException e = fails("alloc-out-of-bounds", SandboxLimits.defaults(), new byte[10]);
    assertEquals(FailureKind.OUTPUT_OUT_OF_BOUNDS, e.kind());
    assertEquals("alloc", e.exportName());
    assertMentions(e, "alloc(10) returned the range [65530, 65540)");
  }

  @Test
  void outputOverTheLimitIsRefused() throws Exception {
    SandboxException e = fails("whole-page", SandboxLimits.defaults().withMaxOutputBytes(1_000));
    assertEquals(FailureKind.OUTPUT_TOO_LARGE, e.kind());
    assertMentions(e, "returned 65536 bytes; the output limit is 1000 bytes");
  }

  @Test
  void inputOverTheLimitIsRefused() {
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () ->
                ENGINE.call(
                    wordCount,
                    "execute",
                    new byte[5],
                    SandboxLimits.defaults().withMaxInputBytes(4)));
    assertEquals(FailureKind.INPUT_TOO_LARGE, e.kind());
  }

  @Test
  void logLinesAreKeptWithinBounds() throws Exception {
    CompiledModule chatty = ENGINE.compile(TestModules.resource("chatty"));
    CallOutcome outcome = ENGINE.call(chatty, "execute", new byte[0], SandboxLimits.defaults());
    assertEquals("ok", new String(outcome.output(), US_ASCII));
    List<String> log = outcome.log();
    assertEquals(GuestLog.MAX_LINES + 1, log.size());
    assertTrue(log.get(0).endsWith("[cut at 1024 bytes]"), log.get(0));
    assertEquals("hello", log.get(1));
    assertEquals("[37 more log lines dropped]", log.get(GuestLog.MAX_LINES));
  }

  @Test
  void missingOptionalExportIsReported() {
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () ->
                ENGINE.call(
                    ENGINE.compile(TestModules.resource("echo")),
                    "merge",
                    new byte[0],
                    SandboxLimits.defaults()));
    assertEquals(FailureKind.INVALID_MODULE, e.kind());
    assertMentions(e, "does not export \"merge\"");
  }

  @Test
  void invalidModuleIsRefusedWithTheValidatorsReason() {
    SandboxException e =
        assertThrows(SandboxException.class, () -> ENGINE.compile("garbage".getBytes(US_ASCII)));
    assertEquals(FailureKind.INVALID_MODULE, e.kind());
    InvalidModuleException cause = assertInstanceOf(InvalidModuleException.class, e.getCause());
    assertEquals(InvalidModuleException.MALFORMED_MODULE, cause.reason());
  }

  @Test
  void interruptedCallerCancelsTheCall() throws Exception {
    CompiledModule loop = ENGINE.compile(TestModules.resource("endless-loop"));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                ENGINE.call(loop, "execute", new byte[0], SandboxLimits.defaults());
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    caller.start();
    Thread.sleep(200);
    caller.interrupt();
    caller.join(5_000);
    SandboxException e = assertInstanceOf(SandboxException.class, thrown.get());
    assertEquals(FailureKind.CANCELLED, e.kind());
    // The guest got the interrupt too; give it a moment to unwind.
    for (int i = 0; i < 100 && ENGINE.runningCalls() > 0; i++) {
      Thread.sleep(20);
    }
  }
}
