package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.dylibso.chicory.wasm.Parser;

/**
 * Fuzzes the module validator with any bytes (seeded with the test modules of this package): it
 * accepts a module or refuses it with an {@link InvalidModuleException}, and nothing else escapes;
 * a module it accepts is one Chicory parses and validates too, within the limits it was given.
 */
class ModuleValidatorFuzzTest {

  /** Small limits, so that the fuzzer meets them; the rules are the same at any size. */
  private static final ModuleValidator.Limits LIMITS =
      new ModuleValidator.Limits(64 * 1024, 16 * JobAbi.PAGE_BYTES, 1_000);

  @FuzzTest
  void acceptsOrRefusesAnyBytes(byte[] wasm) {
    ModuleInfo info;
    try {
      info = ModuleValidator.validate(wasm, LIMITS);
    } catch (InvalidModuleException refused) {
      assertTrue(refused.reason().matches("[A-Z_]+"), refused.reason());
      return;
    }
    assertEquals(wasm.length, info.sizeBytes());
    assertTrue(info.declaredMinMemoryBytes() <= LIMITS.maxMemoryBytes());
    Parser.parse(wasm);
  }
}
