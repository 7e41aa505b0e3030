package io.meshwork.sandbox.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.TestModules;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fuel: one per WebAssembly instruction executed, plus one per byte or table entry a bulk
 * instruction writes; the same on every run and every engine, the start function included.
 */
class FuelMeteringTest {

  private static final SandboxLimits LONG = SandboxLimits.defaults().withWallTimeMillis(20_000);

  @Test
  void fuelIsTheNumberOfInstructionsExecuted() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule loop = engine.compile(TestModules.resource("counted-loop"));
    for (int length : new int[] {0, 1, 1000}) {
      CallOutcome outcome = engine.call(loop, "execute", new byte[length], LONG);
      // See counted-loop.wat for the count.
      assertEquals(9L * length + 10, outcome.fuelUsed(), "input of " + length + " bytes");
    }
  }

  @Test
  void theBudgetIsExactToTheInstruction() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule loop = engine.compile(TestModules.resource("counted-loop"));
    byte[] input = new byte[1000];
    long needed = 9L * input.length + 10;

    assertEquals(needed, engine.call(loop, "execute", input, withFuel(needed)).fuelUsed());

    SandboxException e =
        assertThrows(
            SandboxException.class,
            () -> engine.call(loop, "execute", input, withFuel(needed - 1)));
    assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind());
    assertEquals("execute", e.exportName());
    assertTrue(e.fuelUsed() > needed - 1, "reported " + e.fuelUsed());
    assertTrue(
        e.getMessage().contains("ran out of fuel: it needed more than its limit of 9009"),
        e.getMessage());
  }

  @Test
  void aTrapReportsEveryInstructionBeforeIt() throws Exception {
    // The count lives in a function-local counter between stores to the global; whatever traps
    // must still see the global hold every charge so far, the trapping segment's included.
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule module = engine.compile(TestModules.resource("counted-then-trap"));
    for (int length : new int[] {0, 1, 100}) {
      SandboxException e =
          assertThrows(
              SandboxException.class, () -> engine.call(module, "execute", new byte[length], LONG));
      assertEquals(FailureKind.TRAP, e.kind(), e.getMessage());
      // See counted-then-trap.wat for the count.
      assertEquals(12L * length + 13, e.fuelUsed(), "input of " + length + " bytes");
    }
  }

  @Test
  void endlessBranchLoopRunsOutOfFuelLongBeforeItsWallTime() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    for (String module : new String[] {"endless-br-if", "endless-loop"}) {
      CompiledModule compiled = engine.compile(TestModules.resource(module));
      SandboxException e =
          assertThrows(
              SandboxException.class,
              () -> engine.call(compiled, "execute", new byte[4], withFuel(5_000_000)));
      assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind(), module);
      assertTrue(e.getMessage().contains("limit of 5000000"), e.getMessage());
      // Checked at the top of each iteration: a loop body's worth past the budget at most.
      assertTrue(e.fuelUsed() > 5_000_000 && e.fuelUsed() < 5_000_100, "used " + e.fuelUsed());
    }
    assertEquals(0, engine.runningCalls());
  }

  @Test
  void endlessRecursionRunsOutOfFuelBeforeTheStackWhenTheBudgetIsSmall() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule recursion = engine.compile(TestModules.resource("endless-recursion"));
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () -> engine.call(recursion, "execute", new byte[4], withFuel(2_000)));
    assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind());
  }

  @Test
  void fuelIsIdenticalAcrossRunsAndEngines() throws Exception {
    byte[] text = "the quick brown fox\njumps over the lazy dog\n".repeat(500).getBytes(US_ASCII);
    Set<Long> seen = new HashSet<>();
    for (int engines = 0; engines < 2; engines++) {
      // Each engine compiles on its own, as two executors would.
      ChicoryEngine engine = new ChicoryEngine();
      CompiledModule wordCount = engine.compile(TestModules.wordCount());
      for (int run = 0; run < 10; run++) {
        CallOutcome outcome = engine.call(wordCount, "execute", text, LONG);
        assertEquals("4500", new String(outcome.output(), US_ASCII));
        seen.add(outcome.fuelUsed());
      }
    }
    assertEquals(1, seen.size(), "fuel differed between runs: " + seen);
    assertTrue(seen.iterator().next() > text.length, "fuel " + seen);
  }

  @Test
  void theStartFunctionRunsMeteredBeforeTheExport() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule module = engine.compile(TestModules.resource("start-runs"));
    CallOutcome outcome = engine.call(module, "execute", new byte[3], LONG);
    assertEquals("started", new String(outcome.output(), US_ASCII));
    // See start-runs.wat: 4 in the start function, 2 in alloc, 2 in execute.
    assertEquals(8, outcome.fuelUsed());
  }

  @Test
  void aStartFunctionThatNeverReturnsRunsOutOfFuel() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule module = engine.compile(TestModules.resource("start-endless"));
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () -> engine.call(module, "execute", new byte[1], withFuel(1_000_000)));
    assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind(), e.getMessage());
  }

  @Test
  void bulkInstructionsCostOneFuelPerByteOrEntryTheyWrite() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule module = engine.compile(TestModules.resource("bulk-counted"));
    for (int length : new int[] {0, 1, 1000}) {
      // See bulk-counted.wat for both counts.
      CallOutcome memory = engine.call(module, "execute", new byte[length], LONG);
      assertEquals(2 * length, memory.output().length);
      assertEquals(22L + 2L * length, memory.fuelUsed(), "memory, " + length + " bytes");
      CallOutcome table = engine.call(module, "merge", new byte[length], LONG);
      assertEquals(8L + length, table.fuelUsed(), "table, " + length + " entries");
    }
  }

  @Test
  void aBulkInstructionTheBudgetCannotPayForFailsAsExhaustion() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule module = engine.compile(TestModules.resource("bulk-counted"));
    byte[] input = new byte[1000];
    long needed = 22L + 2L * input.length;
    assertEquals(needed, engine.call(module, "execute", input, withFuel(needed)).fuelUsed());
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () -> engine.call(module, "execute", input, withFuel(needed - 1)));
    assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind(), e.getMessage());
    // The copy is charged (and refused) before it runs, the check being right before it.
    assertEquals(needed, e.fuelUsed());
  }

  @Test
  void wholeMemoryAndWholeTableLoopsRunOutOfFuelLongBeforeTheirWallTime() throws Exception {
    ChicoryEngine engine = new ChicoryEngine();
    for (String name : new String[] {"fill-loop", "copy-loop", "table-loop"}) {
      CompiledModule module = engine.compile(TestModules.resource(name));
      // The default budget; each iteration costs about a million (the loops over memory) or
      // two hundred thousand (the table's), so this stops within a few thousand iterations.
      SandboxException e =
          assertThrows(
              SandboxException.class,
              () -> engine.call(module, "execute", new byte[1], SandboxLimits.defaults()));
      assertEquals(FailureKind.FUEL_EXHAUSTED, e.kind(), name + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("limit of 1000000000"), e.getMessage());
    }
    assertEquals(0, engine.runningCalls());
  }

  @Test
  void aBodyWhoseLastEndClosesAnIfIsChargedForWhatItRuns() throws Exception {
    // Not valid WebAssembly, but Chicory parses, validates and compiles it: execute's last end
    // closes its if, the function's own end missing, so the if's false path leaves the function.
    // The instrumenter took that for a jump within the function and never stored the loop's count
    // (FuelInstrumenterFuzzTest's body-ends-inside-an-if): execute ran any loop for free.
    byte[] module =
        HexFormat.of()
            .parseHex(
                "0061736d01000000"
                    // types: (i32) -> i32, (i32 i32) -> i64; functions alloc, execute; a page
                    + "010c0260017f017f60027f7f017e"
                    + "0303020001"
                    + "0503010001"
                    + "071c03066d656d6f7279020005616c6c6f630000076578656375746500010a1d02"
                    // alloc: i32.const 1024, end
                    + "05004180080b"
                    // execute: loop (local.get 1, i32.const 1, i32.sub, local.tee 1, br_if 0)
                    // end, i64.const 0, local.get 1, if (unreachable) end
                    + "15000340200141016b22010d000b420020010440000b");
    ChicoryEngine engine = new ChicoryEngine();
    CompiledModule compiled = engine.compile(module);
    for (int length : new int[] {1, 1000}) {
      CallOutcome outcome = engine.call(compiled, "execute", new byte[length], LONG);
      // alloc 2; execute: loop, 5 a pass, the loop's end, 3 to the if (its end is jumped over).
      assertEquals(2 + 1 + 5L * length + 1 + 3, outcome.fuelUsed(), length + " bytes");
    }
  }

  @Test
  void theRewrittenModuleKeepsEveryOriginalExportAndAddsTheFuelGlobal() throws Exception {
    byte[] original = TestModules.wordCount();
    FuelInstrumenter.Metered metered =
        FuelInstrumenter.instrument(original, Parser.parse(original));
    var rewritten = Parser.parse(metered.wasm());
    var exports = rewritten.exportSection();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < exports.exportCount(); i++) {
      names.add(exports.getExport(i).name());
    }
    assertTrue(names.containsAll(Set.of("memory", "alloc", "execute", "merge")), names.toString());
    assertTrue(names.contains(FuelInstrumenter.FUEL_EXPORT));
    assertEquals(
        Parser.parse(original).globalSection().globalCount() + 1,
        rewritten.globalSection().globalCount());
  }

  private static SandboxLimits withFuel(long fuel) {
    return new SandboxLimits(
        fuel,
        LONG.memoryBytes(),
        LONG.wallTimeMillis(),
        LONG.stackBytes(),
        LONG.maxOutputBytes(),
        LONG.maxInputBytes());
  }
}
