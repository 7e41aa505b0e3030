package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Runs the validator over the modules in {@code src/test/resources/modules}, built from WAT. */
class ModuleValidatorTest {

  private static final long MODULE_LIMIT = JobAbi.DEFAULT_MAX_MODULE_BYTES;
  private static final long MEMORY_LIMIT = JobAbi.DEFAULT_MAX_MEMORY_BYTES;

  static byte[] module(String name) {
    try (InputStream in =
        ModuleValidatorTest.class.getResourceAsStream("/modules/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no test module " + name + "; run examples/build.sh");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InvalidModuleException refused(byte[] wasm) {
    return assertThrows(
        InvalidModuleException.class,
        () -> ModuleValidator.validate(wasm, MODULE_LIMIT, MEMORY_LIMIT));
  }

  private static void assertRefused(String module, String reason, String... messageParts) {
    InvalidModuleException e = refused(module(module));
    assertEquals(reason, e.reason(), e.getMessage());
    for (String part : messageParts) {
      assertTrue(
          e.getMessage().contains(part), "\"" + e.getMessage() + "\" lacks \"" + part + "\"");
    }
  }

  @Test
  void anExportOfAFunctionThatDoesNotExistIsMalformed() throws Exception {
    // Found by ModuleValidatorFuzzTest: Chicory parses an export of function 16 in a module of two
    // functions, and the validator then failed with an IndexOutOfBoundsException.
    byte[] wasm;
    try (var in =
        ModuleValidatorTest.class.getResourceAsStream(
            "ModuleValidatorFuzzTestInputs/acceptsOrRefusesAnyBytes/export-of-missing-function")) {
      wasm = in.readAllBytes();
    }
    InvalidModuleException e = refused(wasm);
    assertEquals(InvalidModuleException.MALFORMED_MODULE, e.reason());
    assertTrue(
        e.getMessage().contains("export \"execute\" names function 16, but the module has 2"),
        e.getMessage());
  }

  @Test
  void anElseWithoutItsIfIsMalformedEvenWithAssertionsOn() throws Exception {
    // Found by FuelInstrumenterFuzzTest: Chicory's parser fails an internal assertion on it, which
    // escaped the validator when assertions were on (as in tests); without them it was refused.
    byte[] wasm;
    try (var in =
        ModuleValidatorTest.class.getResourceAsStream(
            "ModuleValidatorFuzzTestInputs/acceptsOrRefusesAnyBytes/else-without-if")) {
      wasm = in.readAllBytes();
    }
    assertEquals(InvalidModuleException.MALFORMED_MODULE, refused(wasm).reason());
  }

  @Test
  void anImportOfATypeThatDoesNotExistIsMalformed() throws Exception {
    // Found by ModuleValidatorFuzzTest: env.abort imported with type 8 of 4, which Chicory's parser
    // lets through and its type section then refuses with an InvalidException that escaped.
    byte[] wasm;
    try (var in =
        ModuleValidatorTest.class.getResourceAsStream(
            "ModuleValidatorFuzzTestInputs/acceptsOrRefusesAnyBytes/import-of-missing-type")) {
      wasm = in.readAllBytes();
    }
    InvalidModuleException e = refused(wasm);
    assertEquals(InvalidModuleException.MALFORMED_MODULE, e.reason());
    assertTrue(
        e.getMessage().contains("imports \"env.abort\" with type 8, but the module declares 4"),
        e.getMessage());
  }

  @Test
  void anExportNameUsedTwiceIsMalformed() {
    InvalidModuleException e = refused(module("duplicate-export"));
    assertEquals(InvalidModuleException.MALFORMED_MODULE, e.reason());
    assertTrue(e.getMessage().contains("exports \"alloc\" twice"), e.getMessage());
  }

  @Test
  void acceptsTheMinimalModule() throws Exception {
    ModuleInfo info = ModuleValidator.validate(module("minimal"), MODULE_LIMIT, MEMORY_LIMIT);
    assertFalse(info.hasSplit());
    assertFalse(info.hasMerge());
    assertEquals(65_536, info.declaredMinMemoryBytes());
    assertEquals(OptionalLong.empty(), info.declaredMaxMemoryBytes());
    assertEquals(Set.of(), info.hostImports());
  }

  @Test
  void acceptsEveryOptionalPart() throws Exception {
    byte[] wasm = module("full");
    ModuleInfo info = ModuleValidator.validate(wasm, MODULE_LIMIT, MEMORY_LIMIT);
    assertTrue(info.hasSplit());
    assertTrue(info.hasMerge());
    assertEquals(2 * 65_536, info.declaredMinMemoryBytes());
    assertEquals(OptionalLong.of(16 * 65_536), info.declaredMaxMemoryBytes());
    assertEquals(wasm.length, info.sizeBytes());
    assertEquals(Set.of("meshwork.log", "env.abort"), info.hostImports());
  }

  @Test
  void refusesGarbage() {
    byte[] garbage = new byte[256];
    new Random(1).nextBytes(garbage);
    assertEquals(InvalidModuleException.MALFORMED_MODULE, refused(garbage).reason());
    assertEquals(InvalidModuleException.MALFORMED_MODULE, refused(new byte[0]).reason());
    assertEquals(
        InvalidModuleException.MALFORMED_MODULE,
        refused("not wasm at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).reason());
  }

  @Test
  void refusesEveryTruncationOfAValidModule() {
    byte[] wasm = module("full");
    for (int length = 0; length < wasm.length; length++) {
      // A cut between two sections leaves a well-formed module that lacks what the ABI needs;
      // every other cut leaves a malformed one. Either way it is refused.
      InvalidModuleException e = refused(Arrays.copyOf(wasm, length));
      if (length < 8 || length == wasm.length - 1) {
        assertEquals(InvalidModuleException.MALFORMED_MODULE, e.reason(), "cut at " + length);
      }
    }
  }

  @Test
  void refusesAModuleThatFailsValidation() {
    assertRefused(
        "invalid-body", InvalidModuleException.MALFORMED_MODULE, "not a valid WebAssembly module");
  }

  @Test
  void refusesAnOversizedBinary() {
    byte[] wasm = module("minimal");
    InvalidModuleException e =
        assertThrows(
            InvalidModuleException.class, () -> ModuleValidator.validate(wasm, 10, MEMORY_LIMIT));
    assertEquals(InvalidModuleException.MODULE_TOO_LARGE, e.reason());
    assertTrue(
        e.getMessage().contains(wasm.length + " bytes; the limit is 10 bytes"), e.getMessage());
  }

  @Test
  void refusesMissingExports() {
    assertRefused("missing-execute", InvalidModuleException.MISSING_EXPORT, "\"execute\"");
    assertRefused("missing-alloc", InvalidModuleException.MISSING_EXPORT, "\"alloc\"");
    assertRefused("memory-not-exported", InvalidModuleException.MISSING_EXPORT, "\"memory\"");
    assertRefused("no-memory", InvalidModuleException.MISSING_EXPORT, "no memory");
  }

  @Test
  void refusesExportsOfTheWrongType() {
    assertRefused(
        "execute-returns-i32",
        InvalidModuleException.WRONG_EXPORT_TYPE,
        "\"execute\"",
        "(i32, i32) -> (i32)",
        "(i32, i32) -> (i64)");
    assertRefused("merge-wrong-type", InvalidModuleException.WRONG_EXPORT_TYPE, "\"merge\"");
    assertRefused(
        "split-is-memory", InvalidModuleException.WRONG_EXPORT_TYPE, "\"split\" is a memory");
    assertRefused(
        "memory-export-is-global",
        InvalidModuleException.WRONG_EXPORT_TYPE,
        "\"memory\" is a global");
  }

  @Test
  void refusesForeignImportsByName() {
    assertRefused(
        "wasi-import",
        InvalidModuleException.FORBIDDEN_IMPORT,
        "\"wasi_snapshot_preview1.fd_write\"",
        "env.abort, meshwork.log");
    assertRefused(
        "imported-memory", InvalidModuleException.FORBIDDEN_IMPORT, "memory \"env.memory\"");
  }

  @Test
  void refusesAHostImportOfTheWrongType() {
    assertRefused(
        "log-wrong-type",
        InvalidModuleException.WRONG_IMPORT_TYPE,
        "\"meshwork.log\"",
        "(i32, i32) -> ()");
  }

  @Test
  void refusesTooMuchInitialMemory() {
    assertRefused(
        "big-memory",
        InvalidModuleException.MEMORY_TOO_LARGE,
        "314572800 bytes (4800 pages)",
        "the limit is 268435456 bytes");
  }

  @Test
  void memoryLimitIsTheCallersChoice() throws Exception {
    byte[] wasm = module("full");
    InvalidModuleException e =
        assertThrows(
            InvalidModuleException.class,
            () -> ModuleValidator.validate(wasm, MODULE_LIMIT, 65_536));
    assertEquals(InvalidModuleException.MEMORY_TOO_LARGE, e.reason());
    ModuleValidator.validate(wasm, MODULE_LIMIT, 2 * 65_536);
  }

  @Test
  void refusesSharedMemory() {
    assertRefused("shared-memory", InvalidModuleException.UNSUPPORTED_MEMORY, "shared");
  }
}
