package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Modules built to exhaust whoever validates or runs them: table and element bombs, counts that
 * promise more than the binary holds, and the WebAssembly proposals the sandbox does not run. Each
 * is refused by the validator, before Chicory decodes what would cost the memory, with the reason
 * and the number in the message.
 *
 * <p>The modules with a WAT source are in {@code src/test/resources/modules}; those whose point is
 * a size no text file should hold are assembled here, byte by byte.
 */
class ModuleExhaustionTest {
  private static final ModuleValidator.Limits DEFAULTS =
      ModuleValidator.Limits.of(JobAbi.DEFAULT_MAX_MODULE_BYTES, JobAbi.DEFAULT_MAX_MEMORY_BYTES);

  @Test
  void aTableOfTenMillionEntriesIsRefused() {
    InvalidModuleException e = refused(ModuleValidatorTest.module("table-bomb"), DEFAULTS);
    assertEquals(InvalidModuleException.TABLE_TOO_LARGE, e.reason());
    assertContains(e, "table of 10000000 entries", "the limit is 100000 entries");
  }

  @Test
  void aSecondTableIsRefused() {
    InvalidModuleException e = refused(ModuleValidatorTest.module("two-tables"), DEFAULTS);
    assertEquals(InvalidModuleException.UNSUPPORTED_TABLE, e.reason());
    assertContains(e, "2 tables");
  }

  @Test
  void aTableWithinTheLimitAndItsElementsAreAccepted() throws Exception {
    ModuleValidator.validate(ModuleValidatorTest.module("indirect-call"), DEFAULTS);
    ModuleValidator.Limits ten = new ModuleValidator.Limits(1 << 20, 1 << 20, 10);
    ModuleValidator.validate(withTable(10, 10), ten);

    assertEquals(InvalidModuleException.TABLE_TOO_LARGE, refused(withTable(11, 0), ten).reason());
    InvalidModuleException elements = refused(withTable(10, 11), ten);
    assertEquals(InvalidModuleException.TOO_MANY_ELEMENTS, elements.reason());
    assertContains(elements, "more than 10 entries");
  }

  @Test
  void anElementBombIsRefusedBeforeItIsDecoded() {
    // 200,000 real one-byte entries: the parser would build some 25 MB of objects from 200 KB.
    InvalidModuleException real = refused(withTable(1, 200_000), DEFAULTS);
    assertEquals(InvalidModuleException.TOO_MANY_ELEMENTS, real.reason());
    // A segment that claims two billion entries and carries none.
    byte[] claimed =
        module(
            section(1, bytes(1, 0x60, 0, 0)),
            section(9, concat(bytes(1, 0, 0x41, 0, 0x0B), uleb(0x7FFF_FFFFL))));
    assertEquals(InvalidModuleException.MALFORMED_MODULE, refused(claimed, DEFAULTS).reason());
  }

  @Test
  void countsThatPromiseMoreThanTheBinaryHoldsAreRefusedBeforeAnythingIsAllocated() {
    // Each would make Chicory's parser allocate up to gigabytes before it finds the bytes missing.
    byte[] dataSegment =
        module(section(11, concat(bytes(1, 0, 0x41, 0, 0x0B), uleb(0x7FFF_FFFFL))));
    byte[] parameters = module(section(1, concat(bytes(1, 0x60), uleb(0x7FFF_FFFFL))));
    byte[] exportName = module(section(7, concat(bytes(1), uleb(0x7FFF_FFFFL))));
    byte[] importName = module(section(2, concat(bytes(1), uleb(0x7FFF_FFFFL))));
    for (byte[] bomb : new byte[][] {dataSegment, parameters, exportName, importName}) {
      InvalidModuleException e = refused(bomb, DEFAULTS);
      assertEquals(InvalidModuleException.MALFORMED_MODULE, e.reason(), e.getMessage());
      assertContains(e, "2147483647");
    }
  }

  @Test
  void aFunctionWithTooManyLocalsIsRefused() {
    byte[] body = concat(bytes(2), uleb(30_000), bytes(0x7F), uleb(30_000), bytes(0x7F, 0x0B));
    byte[] wasm =
        module(
            section(1, bytes(1, 0x60, 0, 0)),
            section(3, bytes(1, 0)),
            section(10, concat(bytes(1), uleb(body.length), body)));
    InvalidModuleException e = refused(wasm, DEFAULTS);
    assertEquals(InvalidModuleException.TOO_MANY_LOCALS, e.reason());
    assertContains(e, "more than 50000 locals");
  }

  @Test
  void proposalsTheSandboxDoesNotRunAreRefusedNamingThem() {
    assertFeature(ModuleValidatorTest.module("table-grow"), "table.grow");
    assertFeature(ModuleValidatorTest.module("simd"), "SIMD");
    assertFeature(ModuleValidatorTest.module("atomics"), "threads");
    assertFeature(ModuleValidatorTest.module("tail-call"), "tail calls");
    assertFeature(ModuleValidatorTest.module("exceptions"), "exception handling");
    // Garbage collection's types: a struct, an array, a recursion group.
    assertFeature(module(section(1, bytes(1, 0x5F, 0))), "struct type");
    assertFeature(module(section(1, bytes(1, 0x5E, 0x7F, 0))), "array type");
    assertFeature(module(section(1, bytes(1, 0x4E, 0))), "recursion group");
    // A global of type v128, and one of GC's anyref.
    assertFeature(module(section(6, bytes(1, 0x7B, 0, 0x0B))), "v128");
    assertFeature(module(section(6, bytes(1, 0x6E, 0, 0xD0, 0x6E, 0x0B))), "garbage collection");
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertFeature(byte[] wasm, String named) {
    InvalidModuleException e = refused(wasm, DEFAULTS);
    assertEquals(InvalidModuleException.UNSUPPORTED_FEATURE, e.reason(), e.getMessage());
    assertContains(e, named);
  }

  private static InvalidModuleException refused(byte[] wasm, ModuleValidator.Limits limits) {
    return assertThrows(InvalidModuleException.class, () -> ModuleValidator.validate(wasm, limits));
  }

  private static void assertContains(InvalidModuleException e, String... parts) {
    for (String part : parts) {
      assertTrue(
          e.getMessage().contains(part), "\"" + e.getMessage() + "\" lacks \"" + part + "\"");
    }
  }

  /**
   * A valid job module with a funcref table of {@code tableSize} entries and one active element
   * segment of {@code entries} references to function 0.
   */
  private static byte[] withTable(long tableSize, int entries) {
    ByteArrayOutputStream elements = new ByteArrayOutputStream();
    elements.writeBytes(bytes(1, 0, 0x41, 0, 0x0B));
    elements.writeBytes(uleb(entries));
    elements.writeBytes(new byte[entries]);
    byte[] alloc = bytes(0, 0x41, 0x80, 0x08, 0x0B);
    byte[] execute = bytes(0, 0x42, 0, 0x0B);
    return module(
        section(1, bytes(2, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E)),
        section(3, bytes(2, 0, 1)),
        section(4, concat(bytes(1, 0x70, 0), uleb(tableSize))),
        section(5, bytes(1, 0, 1)),
        section(
            7,
            concat(
                bytes(3),
                name("memory"),
                bytes(2, 0),
                name("alloc"),
                bytes(0, 0),
                name("execute"),
                bytes(0, 1))),
        section(9, elements.toByteArray()),
        section(10, concat(bytes(2), uleb(alloc.length), alloc, uleb(execute.length), execute)));
  }

  private static byte[] module(byte[]... sections) {
    return concat(bytes(0, 'a', 's', 'm', 1, 0, 0, 0), concat(sections));
  }

  private static byte[] section(int id, byte[] content) {
    return concat(bytes(id), uleb(content.length), content);
  }

  private static byte[] name(String text) {
    byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return concat(uleb(utf8.length), utf8);
  }

  private static byte[] uleb(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
