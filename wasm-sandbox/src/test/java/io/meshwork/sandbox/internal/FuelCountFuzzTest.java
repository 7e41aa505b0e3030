package io.meshwork.sandbox.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.meshwork.wasm.abi.ModuleValidator;

/**
 * Fuzzes the fuel instrumenter's count: on modules built from the fuzz data ({@link
 * GeneratedModule}), the fuel the metered module reports equals an independent count of what the
 * unmetered module executed under the documented unit ({@link FuelOracle}), and the metered module
 * computes the same result and leaves the same memory.
 */
class FuelCountFuzzTest {

  @FuzzTest
  void meteredFuelEqualsTheInstructionsExecuted(FuzzedDataProvider data) throws Exception {
    byte[] wasm = GeneratedModule.build(data);
    // Every generated module is a valid job module; the validator is the sandbox's first step.
    ModuleValidator.validate(wasm, ModuleValidator.Limits.of(1 << 20, 1 << 20));
    FuelOracle.Run counted = FuelOracle.counted(wasm, 0, 50_000_000);
    FuelOracle.Run metered = FuelOracle.metered(wasm, 0, 1L << 40);
    assertTrue(counted.fuel().isPresent(), "a generated module trapped");
    assertEquals(counted.fuel(), metered.fuel());
    assertEquals(counted.result(), metered.result());
    assertArrayEquals(counted.memory(), metered.memory());
  }
}
