package io.meshwork.sandbox.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import io.meshwork.wasm.abi.InvalidModuleException;
import io.meshwork.wasm.abi.JobAbi;
import io.meshwork.wasm.abi.ModuleValidator;

/**
 * Fuzzes the fuel instrumenter with any bytes (seeded with the sandbox's test modules and the
 * examples): whatever the module validator accepts, the instrumenter rewrites into a module that
 * Chicory parses and validates, with the same functions and one more global and export, and no
 * start section; and when the module, called as the sandbox calls it, ends without a trap within a
 * small budget, the metered module counts what an independent count says it executed.
 */
class FuelInstrumenterFuzzTest {

  private static final ModuleValidator.Limits LIMITS =
      new ModuleValidator.Limits(64 * 1024, FuelOracle.MAX_PAGES * JobAbi.PAGE_BYTES, 1_000);

  @FuzzTest
  void anAcceptedModuleIsRewrittenIntoAValidOneThatCountsRight(byte[] wasm) {
    try {
      ModuleValidator.validate(wasm, LIMITS);
    } catch (InvalidModuleException refused) {
      return;
    }
    WasmModule original = Parser.parse(wasm);
    FuelInstrumenter.Metered metered = FuelInstrumenter.instrument(wasm, original);
    WasmModule rewritten = Parser.parse(metered.wasm());
    assertEquals(
        original.functionSection().functionCount(), rewritten.functionSection().functionCount());
    assertEquals(
        original.globalSection().globalCount() + 1, rewritten.globalSection().globalCount());
    assertEquals(
        original.exportSection().exportCount() + 1, rewritten.exportSection().exportCount());
    assertTrue(rewritten.startSection().isEmpty());
    assertEquals(
        original.startSection().map(s -> (int) s.startIndex()).orElse(-1), metered.startFunction());

    FuelOracle.Run counted;
    try {
      counted = FuelOracle.counted(wasm, 8, 200_000);
    } catch (FuelOracle.TooLong endless) {
      return;
    }
    if (counted.fuel().isEmpty()) {
      // A trap may be charged up to the end of its segment, as the unit says; a module that
      // returned no result is one Chicory's validator should have refused, and the sandbox's
      // compiler does (implicit-return-type-mismatch in this target's inputs).
      return;
    }
    FuelOracle.Run run = FuelOracle.metered(wasm, 8, 1L << 40);
    if (run.fuel().isEmpty() && run.trap().contains("call stack exhausted")) {
      return; // deep recursion near the interpreter's Java stack: the metered frames are larger
    }
    assertEquals(counted.fuel(), run.fuel());
    assertEquals(counted.result(), run.result());
    assertArrayEquals(counted.memory(), run.memory());
  }
}
