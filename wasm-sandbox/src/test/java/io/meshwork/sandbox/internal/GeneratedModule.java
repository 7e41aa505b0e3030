package io.meshwork.sandbox.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a valid job module from fuzz data, one that always ends and never traps: nested blocks,
 * bounded loops, {@code if} with and without {@code else}, branches of every kind out of any depth
 * (with dead code after them), early returns, calls, a start function, and every bulk memory and
 * table instruction with lengths that stay in bounds. Each choice comes from the fuzz data, so the
 * fuzzer explores the shapes that change how the instrumenter cuts and charges segments.
 *
 * <p>Layout: functions {@code 0..h-1} are helpers of type {@code [] -> []} (helper {@code i} calls
 * only helpers below it, so nothing recurses), then {@code alloc} and {@code execute}; one memory
 * of one page, a table of 16 funcrefs, a passive data segment of 64 bytes and a passive element
 * segment of 8 functions. Loops count down a local of their own and nothing else branches to a
 * loop, so each runs 1 to 4 times; calls sit outside loops, so the work stays small.
 */
final class GeneratedModule {

  private static final int TABLE = 16;
  private static final int DATA = 64;
  private static final int ELEMENTS = 8;
  private static final int MAX_DEPTH = 4;

  private final FuzzedDataProvider data;
  private final int helpers;
  private int budget = 80; // statements left for the whole module

  private GeneratedModule(FuzzedDataProvider data) {
    this.data = data;
    this.helpers = data.consumeInt(0, 3);
  }

  /** A module built from {@code data}. */
  static byte[] build(FuzzedDataProvider data) {
    return new GeneratedModule(data).module();
  }

  private byte[] module() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    // Types: 0 = [] -> [], 1 = [i32] -> [i32], 2 = [i32 i32] -> [i64].
    section(out, 1, bytes(3, 0x60, 0, 0, 0x60, 1, 0x7F, 1, 0x7F, 0x60, 2, 0x7F, 0x7F, 1, 0x7E));
    ByteArrayOutputStream functions = new ByteArrayOutputStream();
    leb(functions, helpers + 2);
    for (int i = 0; i < helpers; i++) {
      functions.write(0);
    }
    functions.write(1);
    functions.write(2);
    section(out, 3, functions.toByteArray());
    section(out, 4, bytes(1, 0x70, 1, TABLE, TABLE));
    section(out, 5, bytes(1, 1, 1, 1));
    ByteArrayOutputStream exports = new ByteArrayOutputStream();
    exports.write(3);
    name(exports, "memory");
    exports.writeBytes(bytes(2, 0));
    name(exports, "alloc");
    exports.write(0);
    leb(exports, helpers);
    name(exports, "execute");
    exports.write(0);
    leb(exports, helpers + 1);
    section(out, 7, exports.toByteArray());
    if (helpers > 0 && data.consumeBoolean()) {
      ByteArrayOutputStream start = new ByteArrayOutputStream();
      leb(start, data.consumeInt(0, helpers - 1));
      section(out, 8, start.toByteArray());
    }
    // A passive segment of funcrefs, by function index (all of them valid).
    ByteArrayOutputStream elements = new ByteArrayOutputStream();
    elements.writeBytes(bytes(1, 1, 0));
    leb(elements, ELEMENTS);
    for (int i = 0; i < ELEMENTS; i++) {
      leb(elements, i % (helpers + 2));
    }
    section(out, 9, elements.toByteArray());
    section(out, 12, bytes(1));
    ByteArrayOutputStream code = new ByteArrayOutputStream();
    leb(code, helpers + 2);
    for (int i = 0; i < helpers; i++) {
      body(code, new Function(i, 0, false));
    }
    // alloc: i32.const 1024
    body(code, bytes(0, 0x41, 0x80, 0x08, 0x0B));
    body(code, new Function(helpers, 2, true));
    section(out, 10, code.toByteArray());
    ByteArrayOutputStream segment = new ByteArrayOutputStream();
    segment.writeBytes(bytes(1, 1));
    leb(segment, DATA);
    for (int i = 0; i < DATA; i++) {
      segment.write(i * 7);
    }
    section(out, 11, segment.toByteArray());
    return out.toByteArray();
  }

  /** A function being generated: which helpers it may call, where its locals start. */
  private record Function(int callable, int params, boolean returnsI64) {}

  private void body(ByteArrayOutputStream code, Function function) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(bytes(1, MAX_DEPTH + 1, 0x7F)); // one i32 counter per loop depth
    List<Boolean> labels = new ArrayList<>(); // innermost last; true for a loop
    labels.add(false); // the function's own label
    statements(body, function, labels, 0);
    if (function.returnsI64()) {
      body.writeBytes(bytes(0x42, 0));
    }
    body.write(0x0B);
    body(code, body.toByteArray());
  }

  private static void body(ByteArrayOutputStream code, byte[] body) {
    leb(code, body.length);
    code.writeBytes(body);
  }

  private void statements(
      ByteArrayOutputStream out, Function function, List<Boolean> labels, int loops) {
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count && budget > 0; i++) {
      budget--;
      statement(out, function, labels, loops);
    }
  }

  private void statement(
      ByteArrayOutputStream out, Function function, List<Boolean> labels, int loops) {
    int depth = labels.size() - 1;
    switch (data.consumeInt(0, 17)) {
      case 0 -> { // i32 arithmetic
        constant(out, data.consumeInt(-100, 100));
        constant(out, data.consumeInt(-100, 100));
        out.write(data.pickValue(new Integer[] {0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73}));
        out.write(0x1A);
      }
      case 1 -> { // store and load
        int address = data.consumeInt(0, 65532);
        constant(out, address);
        constant(out, data.consumeInt());
        out.writeBytes(bytes(0x36, 2, 0));
        constant(out, address);
        out.writeBytes(bytes(0x28, 2, 0, 0x1A));
      }
      case 2, 3 -> {
        if (depth < MAX_DEPTH + 1) { // block
          out.writeBytes(bytes(0x02, 0x40));
          nested(out, function, labels, loops, false);
          out.write(0x0B);
        }
      }
      case 4 -> {
        if (loops < MAX_DEPTH && depth < MAX_DEPTH + 1) { // loop, 1 to 4 times
          int counter = function.params() + loops;
          constant(out, data.consumeInt(1, 4));
          out.write(0x21);
          leb(out, counter);
          out.writeBytes(bytes(0x03, 0x40));
          nested(out, function, labels, loops + 1, true);
          out.write(0x20);
          leb(out, counter);
          out.writeBytes(bytes(0x41, 1, 0x6B, 0x22));
          leb(out, counter);
          out.writeBytes(bytes(0x0D, 0, 0x0B));
        }
      }
      case 5, 6 -> {
        if (depth < MAX_DEPTH + 1) { // if, with or without else
          constant(out, data.consumeBoolean() ? 1 : 0);
          out.writeBytes(bytes(0x04, 0x40));
          nested(out, function, labels, loops, false);
          if (data.consumeBoolean()) {
            out.write(0x05);
            nested(out, function, labels, loops, false);
          }
          out.write(0x0B);
        }
      }
      case 7 -> { // br_if, taken or not
        int target = blockLabel(labels);
        boolean carries = target == depth && function.returnsI64();
        if (target >= 0) {
          if (carries) {
            out.writeBytes(bytes(0x42, 0)); // the function's label carries its result
          }
          constant(out, data.consumeBoolean() ? 1 : 0);
          out.write(0x0D);
          leb(out, target);
          if (carries) {
            out.write(0x1A); // not taken: drop the result it would have carried
          }
        }
      }
      case 8 -> { // br: what follows in this block is dead code
        int target = blockLabel(labels);
        if (target >= 0) {
          if (target == depth && function.returnsI64()) {
            out.writeBytes(bytes(0x42, 0)); // the function's label carries its result
          }
          out.write(0x0C);
          leb(out, target);
        }
      }
      case 9 -> { // br_table over block labels
        List<Integer> targets = new ArrayList<>();
        for (int i = data.consumeInt(1, 3); i > 0; i--) {
          int target = blockLabel(labels);
          if (target >= 0 && target < depth) {
            targets.add(target);
          }
        }
        if (!targets.isEmpty()) {
          constant(out, data.consumeInt(0, targets.size() + 1));
          out.write(0x0E);
          leb(out, targets.size() - 1);
          targets.forEach(t -> leb(out, t));
        }
      }
      case 10 -> { // return
        if (function.returnsI64()) {
          out.writeBytes(bytes(0x42, 0));
        }
        out.write(0x0F);
      }
      case 11 -> { // memory.fill
        int length = data.consumeInt(0, 300);
        constant(out, data.consumeInt(0, 65536 - length));
        constant(out, data.consumeInt(0, 255));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 11, 0));
      }
      case 12 -> { // memory.copy, overlapping or not
        int length = data.consumeInt(0, 300);
        constant(out, data.consumeInt(0, 65536 - length));
        constant(out, data.consumeInt(0, 65536 - length));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 10, 0, 0));
      }
      case 13 -> { // memory.init from the passive data segment
        int length = data.consumeInt(0, DATA);
        constant(out, data.consumeInt(0, 65536 - length));
        constant(out, data.consumeInt(0, DATA - length));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 8, 0, 0));
      }
      case 14 -> { // table.fill with null
        int length = data.consumeInt(0, TABLE);
        constant(out, data.consumeInt(0, TABLE - length));
        out.writeBytes(bytes(0xD0, 0x70));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 17, 0));
      }
      case 15 -> { // table.copy
        int length = data.consumeInt(0, TABLE);
        constant(out, data.consumeInt(0, TABLE - length));
        constant(out, data.consumeInt(0, TABLE - length));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 14, 0, 0));
      }
      case 16 -> { // table.init from the passive element segment
        int length = data.consumeInt(0, ELEMENTS);
        constant(out, data.consumeInt(0, TABLE - length));
        constant(out, data.consumeInt(0, ELEMENTS - length));
        constant(out, length);
        out.writeBytes(bytes(0xFC, 12, 0, 0));
      }
      default -> { // a call to a helper below this function, outside loops
        if (loops == 0 && function.callable() > 0) {
          out.write(0x10);
          leb(out, data.consumeInt(0, function.callable() - 1));
        } else {
          out.write(0x01); // nop
        }
      }
    }
  }

  private void nested(
      ByteArrayOutputStream out, Function function, List<Boolean> labels, int loops, boolean loop) {
    labels.add(loop);
    statements(out, function, labels, loops);
    labels.remove(labels.size() - 1);
  }

  /** The relative depth of a label that is not a loop, chosen by the data, or -1. */
  private int blockLabel(List<Boolean> labels) {
    int depth = data.consumeInt(0, labels.size() - 1);
    return labels.get(labels.size() - 1 - depth) ? -1 : depth;
  }

  private static void constant(ByteArrayOutputStream out, int value) {
    out.write(0x41);
    long v = value;
    while (true) {
      int b = (int) (v & 0x7F);
      v >>= 7;
      boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    leb(out, content.length);
    out.writeBytes(content);
  }

  private static void name(ByteArrayOutputStream out, String name) {
    leb(out, name.length());
    out.writeBytes(name.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  private static void leb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7F);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }
}
