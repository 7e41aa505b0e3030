package io.meshwork.wasm.abi;

/**
 * Walks a module's binary before Chicory decodes it, and refuses what would make the decoding, or
 * every later instance, cost memory out of proportion to the binary.
 *
 * <p>Why a walk of our own: Chicory's parser sizes several arrays and lists from the counts and
 * lengths the binary declares before it reads what they count (a name's length, a data segment's
 * length, a function type's parameter count, a recursion group's size). A module of a few dozen
 * bytes that declares a 2 GiB data segment makes it allocate 2 GiB first and notice the missing
 * bytes after. And an element segment costs the parser about a hundred bytes of objects per entry
 * against one byte of binary. So before anything is decoded, this walk checks that every count fits
 * in the bytes left to hold what it counts, caps the element entries and the locals of each
 * function, and refuses the proposals whose sections or types a job module has no use for. It
 * allocates nothing in proportion to what it reads.
 *
 * <p>It reads only the sections with such counts; what it skips, and the bodies of functions, are
 * left to Chicory's parser and validator, which report anything malformed there.
 */
final class BinaryPrecheck {
  private static final int SECTION_CUSTOM = 0;
  private static final int SECTION_TYPE = 1;
  private static final int SECTION_IMPORT = 2;
  private static final int SECTION_TABLE = 4;
  private static final int SECTION_MEMORY = 5;
  private static final int SECTION_GLOBAL = 6;
  private static final int SECTION_EXPORT = 7;
  private static final int SECTION_ELEMENT = 9;
  private static final int SECTION_CODE = 10;
  private static final int SECTION_DATA = 11;
  private static final int SECTION_TAG = 13;

  private static final int END = 0x0B;
  private static final int FUNC_TYPE = 0x60;

  private final byte[] wasm;
  private final long maxTableElements;
  private int pos;

  private BinaryPrecheck(byte[] wasm, long maxTableElements) {
    this.wasm = wasm;
    this.maxTableElements = maxTableElements;
  }

  /**
   * Checks {@code wasm}; a binary without the WebAssembly header is left to the parser to refuse.
   *
   * @param maxTableElements the most entries a table may start with, and the most entries all
   *     element segments together may carry
   */
  static void check(byte[] wasm, long maxTableElements) throws InvalidModuleException {
    new BinaryPrecheck(wasm, maxTableElements).walk();
  }

  private void walk() throws InvalidModuleException {
    if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
      return;
    }
    pos = 8;
    while (pos < wasm.length) {
      int id = wasm[pos++] & 0xFF;
      long size = u32(wasm.length);
      if (size > wasm.length - pos) {
        throw malformed("section " + id + " declares " + size + " bytes", wasm.length);
      }
      int end = pos + (int) size;
      switch (id) {
        case SECTION_CUSTOM -> skipName(end);
        case SECTION_TYPE -> types(end);
        case SECTION_IMPORT -> imports(end);
        case SECTION_TABLE -> tables(end);
        case SECTION_MEMORY -> memories(end);
        case SECTION_GLOBAL -> globals(end);
        case SECTION_EXPORT -> exports(end);
        case SECTION_ELEMENT -> elements(end);
        case SECTION_CODE -> code(end);
        case SECTION_DATA -> data(end);
        case SECTION_TAG ->
            throw unsupported("a tag section (exception handling, which job modules cannot use)");
        default -> {
          // Function, start, data count and unknown sections: nothing sized from a count.
        }
      }
      pos = end;
    }
  }

  // -- sections ----------------------------------------------------------------------------------

  private void types(int end) throws InvalidModuleException {
    long count = count(end, "types");
    for (long i = 0; i < count; i++) {
      int form = u8(end);
      if (form != FUNC_TYPE && (form < 0x4E || form > 0x5F || (form > 0x50 && form < 0x5E))) {
        throw malformed("type " + i + " has the unknown form 0x" + Integer.toHexString(form), pos);
      }
      if (form != FUNC_TYPE) {
        throw unsupported(
            "type "
                + i
                + " is "
                + describeTypeForm(form)
                + "; only function types are accepted (garbage collection is not)");
      }
      long params = count(end, "parameters of type " + i);
      for (long p = 0; p < params; p++) {
        valueType(end, "a parameter of type " + i);
      }
      long results = count(end, "results of type " + i);
      for (long r = 0; r < results; r++) {
        valueType(end, "a result of type " + i);
      }
    }
  }

  private void imports(int end) throws InvalidModuleException {
    long count = count(end, "imports");
    for (long i = 0; i < count; i++) {
      skipName(end);
      skipName(end);
      int kind = u8(end);
      switch (kind) {
        case 0 -> u32(end);
        case 1 -> {
          valueType(end, "an imported table");
          limits(end);
        }
        case 2 -> limits(end);
        case 3 -> {
          valueType(end, "an imported global");
          u8(end);
        }
        case 4 -> throw unsupported("an imported tag (exception handling)");
        default -> throw malformed("import " + i + " has the unknown kind " + kind, pos);
      }
    }
  }

  private void tables(int end) throws InvalidModuleException {
    long count = count(end, "tables");
    if (count > 1) {
      throw new InvalidModuleException(
          InvalidModuleException.UNSUPPORTED_TABLE,
          "module defines " + count + " tables; a job module has at most one");
    }
    for (long i = 0; i < count; i++) {
      boolean withInit = peek(end) == 0x40;
      if (withInit) {
        pos++;
        u8(end);
      }
      valueType(end, "a table");
      long initial = limits(end);
      if (initial > maxTableElements) {
        throw new InvalidModuleException(
            InvalidModuleException.TABLE_TOO_LARGE,
            "module declares a table of "
                + initial
                + " entries; the limit is "
                + maxTableElements
                + " entries");
      }
      if (withInit) {
        constantExpression(end, "a table's initial value");
      }
    }
  }

  private void memories(int end) throws InvalidModuleException {
    long count = count(end, "memories");
    if (count > 1) {
      throw new InvalidModuleException(
          InvalidModuleException.UNSUPPORTED_MEMORY,
          "module defines " + count + " memories; a job module has exactly one");
    }
  }

  private void globals(int end) throws InvalidModuleException {
    long count = count(end, "globals");
    for (long i = 0; i < count; i++) {
      valueType(end, "global " + i);
      u8(end);
      constantExpression(end, "the initial value of global " + i);
    }
  }

  private void exports(int end) throws InvalidModuleException {
    long count = count(end, "exports");
    for (long i = 0; i < count; i++) {
      skipName(end);
      u8(end);
      u32(end);
    }
  }

  /**
   * Counts the entries of every element segment, each segment as at least one (an empty segment
   * costs the parser objects too), against {@code maxTableElements}. The counts come before the
   * entries, so a segment declaring millions is refused before they are walked.
   */
  private void elements(int end) throws InvalidModuleException {
    long segments = count(end, "element segments");
    long total = 0;
    for (long i = 0; i < segments; i++) {
      long flags = u32(end);
      if (flags > 7) {
        throw malformed("element segment " + i + " has the unknown flags " + flags, pos);
      }
      boolean passiveOrDeclarative = (flags & 1) != 0;
      boolean explicitTable = (flags & 2) != 0;
      boolean expressions = (flags & 4) != 0;
      if (!passiveOrDeclarative) {
        if (explicitTable) {
          u32(end);
        }
        constantExpression(end, "the offset of element segment " + i);
      }
      if (passiveOrDeclarative || explicitTable) {
        if (expressions) {
          valueType(end, "element segment " + i);
        } else {
          u8(end);
        }
      }
      long entries = count(end, "entries of element segment " + i);
      total += Math.max(1, entries);
      if (total > maxTableElements) {
        throw new InvalidModuleException(
            InvalidModuleException.TOO_MANY_ELEMENTS,
            "module's element segments carry more than "
                + maxTableElements
                + " entries (segment "
                + i
                + " declares "
                + entries
                + "); the limit is "
                + maxTableElements);
      }
      for (long e = 0; e < entries; e++) {
        if (expressions) {
          constantExpression(end, "an entry of element segment " + i);
        } else {
          u32(end);
        }
      }
    }
  }

  /**
   * Reads the locals each function declares: they are counted in groups of one type, and the parser
   * adds one list entry per local, so a few bytes may declare millions.
   */
  private void code(int end) throws InvalidModuleException {
    long bodies = count(end, "function bodies");
    for (long f = 0; f < bodies; f++) {
      long size = u32(end);
      if (size > end - pos) {
        throw malformed("function body " + f + " declares " + size + " bytes", pos);
      }
      int bodyEnd = pos + (int) size;
      long groups = count(bodyEnd, "local groups of function " + f);
      long locals = 0;
      for (long g = 0; g < groups; g++) {
        locals += u32(bodyEnd);
        if (locals > ModuleValidator.MAX_LOCALS) {
          throw new InvalidModuleException(
              InvalidModuleException.TOO_MANY_LOCALS,
              "function body "
                  + f
                  + " declares more than "
                  + ModuleValidator.MAX_LOCALS
                  + " locals; the limit is "
                  + ModuleValidator.MAX_LOCALS);
        }
        valueType(bodyEnd, "a local of function body " + f);
      }
      pos = bodyEnd;
    }
  }

  private void data(int end) throws InvalidModuleException {
    long segments = count(end, "data segments");
    for (long i = 0; i < segments; i++) {
      long mode = u32(end);
      if (mode == 2) {
        u32(end);
      }
      if (mode == 0 || mode == 2) {
        constantExpression(end, "the offset of data segment " + i);
      } else if (mode != 1) {
        throw malformed("data segment " + i + " has the unknown mode " + mode, pos);
      }
      long length = u32(end);
      if (length > end - pos) {
        throw malformed(
            "data segment "
                + i
                + " declares "
                + length
                + " bytes but its section has "
                + (end - pos)
                + " left",
            pos);
      }
      pos += (int) length;
    }
  }

  // -- pieces ------------------------------------------------------------------------------------

  /**
   * A value type a job module may use: the four numbers and the two reference types of WebAssembly
   * 2.0. SIMD's v128, typed references and the garbage collector's types are refused.
   */
  private void valueType(int end, String where) throws InvalidModuleException {
    int type = u8(end);
    switch (type) {
      case 0x7F, 0x7E, 0x7D, 0x7C, 0x70, 0x6F -> {}
      case 0x7B -> throw unsupported(where + " has the type v128 (SIMD)");
      case 0x63, 0x64 ->
          throw unsupported(where + " has a typed reference (function references, GC)");
      case 0x69 -> throw unsupported(where + " has the type exnref (exception handling)");
      default -> {
        if (type >= 0x6A && type <= 0x73) {
          throw unsupported(where + " has a reference type of garbage collection");
        }
        throw malformed(where + " has the unknown type 0x" + Integer.toHexString(type), pos);
      }
    }
  }

  /** Table or memory limits; returns the initial size. */
  private long limits(int end) throws InvalidModuleException {
    int flags = u8(end);
    if (flags > 3) {
      throw malformed("limits with the unknown flags " + flags, pos);
    }
    long initial = u32(end);
    if ((flags & 1) != 0) {
      u32(end);
    }
    return initial;
  }

  /**
   * Skips a constant expression: the instructions WebAssembly 2.0 and extended constant expressions
   * allow, up to its {@code end}. A SIMD or GC constant is refused.
   */
  private void constantExpression(int end, String where) throws InvalidModuleException {
    while (true) {
      int op = u8(end);
      switch (op) {
        case END -> {
          return;
        }
        case 0x41, 0x42 -> signed(end);
        case 0x43 -> skip(end, 4);
        case 0x44 -> skip(end, 8);
        case 0x23, 0xD2 -> u32(end);
        case 0xD0 -> signed(end);
        case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E -> {}
        case 0xFD -> throw unsupported(where + " uses a v128 constant (SIMD)");
        case 0xFB -> throw unsupported(where + " uses a garbage-collection instruction");
        default ->
            throw malformed(
                where + " uses 0x" + Integer.toHexString(op) + ", not a constant instruction", pos);
      }
    }
  }

  /** A vector's length, which must fit in what is left: every item takes at least one byte. */
  private long count(int end, String what) throws InvalidModuleException {
    int at = pos;
    long n = u32(end);
    if (n > end - pos) {
      throw malformed(
          "the " + what + " are declared as " + n + " but only " + (end - pos) + " bytes remain",
          at);
    }
    return n;
  }

  private void skipName(int end) throws InvalidModuleException {
    long length = count(end, "bytes of a name");
    pos += (int) length;
  }

  private int peek(int end) throws InvalidModuleException {
    if (pos >= end) {
      throw malformed("unexpected end of a section", pos);
    }
    return wasm[pos] & 0xFF;
  }

  private int u8(int end) throws InvalidModuleException {
    int b = peek(end);
    pos++;
    return b;
  }

  private void skip(int end, int n) throws InvalidModuleException {
    if (n > end - pos) {
      throw malformed("unexpected end of a section", pos);
    }
    pos += n;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  private long u32(int end) throws InvalidModuleException {
    long value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = u8(end);
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (value > 0xFFFF_FFFFL) {
          break;
        }
        return value;
      }
    }
    throw malformed("an integer is too long", pos);
  }

  /** Skips a signed LEB128 of up to 64 bits. */
  private void signed(int end) throws InvalidModuleException {
    for (int i = 0; i < 10; i++) {
      if ((u8(end) & 0x80) == 0) {
        return;
      }
    }
    throw malformed("an integer is too long", pos);
  }

  private static String describeTypeForm(int form) {
    return switch (form) {
      case 0x5E -> "an array type";
      case 0x5F -> "a struct type";
      case 0x4E -> "a recursion group";
      default -> "a subtype declaration";
    };
  }

  private static InvalidModuleException unsupported(String what) {
    return new InvalidModuleException(
        InvalidModuleException.UNSUPPORTED_FEATURE, "module declares " + what);
  }

  private static InvalidModuleException malformed(String what, int at) {
    return new InvalidModuleException(
        InvalidModuleException.MALFORMED_MODULE,
        "not a valid WebAssembly module: " + what + " (at byte " + at + ")");
  }
}
