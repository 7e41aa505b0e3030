package io.meshwork.sandbox.internal;

import static io.meshwork.sandbox.internal.WasmBytes.writeSection;
import static io.meshwork.sandbox.internal.WasmBytes.writeSigned;
import static io.meshwork.sandbox.internal.WasmBytes.writeUnsigned;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Rewrites a module so that it meters its own execution, deterministically, whatever engine then
 * runs it.
 *
 * <p><b>The unit.</b> One fuel is one WebAssembly instruction executed, plus, for a bulk
 * instruction, one per byte or table entry it writes: {@code memory.fill}, {@code memory.copy} and
 * {@code memory.init} cost {@code 1 + n} for a length of {@code n} bytes, and {@code table.fill},
 * {@code table.copy} and {@code table.init} {@code 1 + n} for {@code n} entries. (Otherwise one
 * instruction could rewrite all of memory for the price of one, in a loop.) The size is charged
 * from the length operand just before the instruction runs, and checked there: an instruction that
 * the fuel left cannot pay for traps before it writes anything. The instrumented module keeps the
 * fuel left in a mutable {@code i64} global, exported as {@value #FUEL_EXPORT}. A function body is
 * cut into straight-line segments, each ending at a control instruction ({@code block}, {@code
 * loop}, {@code if}, {@code else}, {@code end}, a branch, {@code return}, {@code unreachable}, a
 * throw or a tail call); every segment subtracts its instruction count from the fuel left when
 * control enters it. Since branches only land at segment starts, the total is exactly the number of
 * original instructions executed, except when a call traps or throws half-way through a segment,
 * which is charged in full (still the same on every run).
 *
 * <p><b>Running out.</b> The fuel left is checked on entry to each function and at the top of each
 * loop iteration (the only ways a computation can go on without bound), where a negative value
 * traps with {@code unreachable}. Between two checks it may go below zero by at most one function's
 * straight-line code; the sandbox therefore also treats a negative global after the call ends as
 * exhaustion. Both the trap and that check depend only on the instructions executed, so a module on
 * an input runs out at the same point on every run and on every executor.
 *
 * <p><b>Where the count lives.</b> A global is slow to update in compiled code (in Chicory it is a
 * field reached through the instance, and a loop that reads and writes it on every iteration waits
 * on memory each time), so each function counts in an {@code i64} local of its own and the global
 * only receives copies: the local is loaded from the global on entry and after every call (the
 * callee charged the global), and stored to it at the start of every segment that contains an
 * instruction that may trap, call out or leave the function (every segment, in a body whose blocks
 * do not nest, which Chicory accepts), and before the fuel trap. The global therefore holds exactly
 * what it would hold if every charge went straight to it whenever anyone can look at it: after the
 * call, at any trap, and inside every callee. A segment of plain arithmetic on locals, such as a
 * tight inner loop's, touches no global at all. Functions that catch exceptions ({@code try_table})
 * charge the global directly, since a caught throw would skip the reload.
 *
 * <p><b>The start function.</b> The rewrite drops the start section and reports its function in
 * {@link Metered#startFunction()}: the sandbox calls it once the instance is built and the budget
 * is set, since a start function run while the instance is built would find the fuel global at 0
 * and trap at its first check. The order is the one WebAssembly prescribes (segments first, then
 * the start function, then anything exported); the start function draws on the call's budget.
 *
 * <p>The rewrite adds one global, one export, one or two locals per function (the counter, and a
 * scratch {@code i32} for the length of a bulk instruction) and the charging code; it adds no
 * function or import, so every function, table and element index of the original stays valid (the
 * new locals come after every existing one).
 *
 * <p>Not API, but public on purpose: the WASM engine benchmark ({@code
 * io.meshwork.benchmarks.BareChicory}) compiles the metered module with bare Chicory, so that the
 * cost of metering can be told apart from the cost of the rest of the sandbox.
 */
public final class FuelInstrumenter {

  /** The export name of the fuel-left global in an instrumented module. */
  public static final String FUEL_EXPORT = "meshwork_fuel_left";

  private static final int SECTION_GLOBAL = 6;
  private static final int SECTION_EXPORT = 7;
  private static final int SECTION_START = 8;
  private static final int SECTION_CODE = 10;

  /** Sections that must come after the global section, in the binary format's order. */
  private static final Set<Integer> AFTER_GLOBALS = Set.of(7, 8, 9, 10, 11, 12);

  /** Control instructions after which execution continues in a new segment (or may land there). */
  private static final Set<OpCode> SEGMENT_ENDS =
      EnumSet.of(
          OpCode.BLOCK,
          OpCode.LOOP,
          OpCode.IF,
          OpCode.ELSE,
          OpCode.END,
          OpCode.TRY_TABLE,
          OpCode.BR,
          OpCode.BR_IF,
          OpCode.BR_TABLE,
          OpCode.BR_ON_NULL,
          OpCode.BR_ON_NON_NULL,
          OpCode.BR_ON_CAST,
          OpCode.BR_ON_CAST_FAIL,
          OpCode.RETURN,
          OpCode.UNREACHABLE,
          OpCode.THROW,
          OpCode.THROW_REF,
          OpCode.RETURN_CALL,
          OpCode.RETURN_CALL_INDIRECT,
          OpCode.RETURN_CALL_REF);

  /** Control instructions that never fall through: what follows them is unreachable. */
  private static final Set<OpCode> NO_FALL_THROUGH =
      EnumSet.of(
          OpCode.BR,
          OpCode.BR_TABLE,
          OpCode.RETURN,
          OpCode.UNREACHABLE,
          OpCode.THROW,
          OpCode.THROW_REF,
          OpCode.RETURN_CALL,
          OpCode.RETURN_CALL_INDIRECT,
          OpCode.RETURN_CALL_REF);

  /**
   * Instructions that can neither trap, call out nor leave the function, so a segment made only of
   * them (and of branches that stay within the function) need not store the count to the global.
   */
  private static final Set<OpCode> CONTAINED = containedInstructions();

  /**
   * Bulk instructions, charged one more fuel per byte or table entry; each takes its length, an
   * {@code i32}, on top of the operand stack.
   */
  static final Set<OpCode> SIZED =
      EnumSet.of(
          OpCode.MEMORY_FILL,
          OpCode.MEMORY_COPY,
          OpCode.MEMORY_INIT,
          OpCode.TABLE_FILL,
          OpCode.TABLE_COPY,
          OpCode.TABLE_INIT);

  /** Calls that return to the caller: the callee charged the global, so the local is reloaded. */
  private static final Set<OpCode> CALLS =
      EnumSet.of(OpCode.CALL, OpCode.CALL_INDIRECT, OpCode.CALL_REF);

  private static final int LOCAL_GET = 0x20;
  private static final int LOCAL_SET = 0x21;
  private static final int LOCAL_TEE = 0x22;
  private static final int GLOBAL_GET = 0x23;
  private static final int GLOBAL_SET = 0x24;
  private static final int I64_CONST = 0x42;
  private static final int I64_SUB = 0x7D;
  private static final int I64_LT_S = 0x53;
  private static final int I64_EXTEND_I32_U = 0xAD;
  private static final int I32_TYPE = 0x7F;
  private static final int IF = 0x04;
  private static final int EMPTY_BLOCK_TYPE = 0x40;
  private static final int UNREACHABLE = 0x00;
  private static final int END = 0x0B;
  private static final int I64_TYPE = 0x7E;
  private static final int MUTABLE = 0x01;
  private static final int EXPORT_GLOBAL = 0x03;

  private FuelInstrumenter() {}

  /**
   * A metered module.
   *
   * @param wasm the rewritten binary, without a start section
   * @param fuelGlobal the index of the fuel-left global in the rewritten module
   * @param startFunction the original module's start function, which the caller runs once the
   *     budget is set, or -1 if it has none
   */
  public record Metered(byte[] wasm, int fuelGlobal, int startFunction) {}

  /**
   * Rewrites {@code wasm}, which must already have been parsed and validated as {@code module}.
   *
   * @throws IllegalArgumentException if the binary does not match the parsed module
   */
  public static Metered instrument(byte[] wasm, WasmModule module) {
    int importedGlobals = 0;
    for (int i = 0; i < module.importSection().importCount(); i++) {
      if (module.importSection().getImport(i).importType() == ExternalType.GLOBAL) {
        importedGlobals++;
      }
    }
    int fuelGlobal = importedGlobals + module.globalSection().globalCount();
    int startFunction = module.startSection().map(start -> (int) start.startIndex()).orElse(-1);

    ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + wasm.length / 4 + 64);
    out.write(wasm, 0, 8); // magic and version
    WasmBytes.Reader in = new WasmBytes.Reader(wasm, 8);
    boolean globalsWritten = false;
    boolean exportWritten = false;
    while (in.position < wasm.length) {
      int id = in.readByte();
      int size = (int) in.readUnsigned();
      int start = in.position;
      int end = start + size;
      if (!globalsWritten && AFTER_GLOBALS.contains(id)) {
        writeSection(out, SECTION_GLOBAL, appendFuelGlobal(null));
        globalsWritten = true;
      }
      switch (id) {
        case SECTION_GLOBAL -> {
          writeSection(out, id, appendFuelGlobal(new WasmBytes.Reader(wasm, start, end)));
          globalsWritten = true;
        }
        case SECTION_EXPORT -> {
          writeSection(
              out, id, appendFuelExport(new WasmBytes.Reader(wasm, start, end), fuelGlobal));
          exportWritten = true;
        }
        case SECTION_CODE ->
            writeSection(
                out, id, meterBodies(new WasmBytes.Reader(wasm, start, end), module, fuelGlobal));
        case SECTION_START -> {} // run by the sandbox once the budget is set

        default -> {
          out.write(id);
          writeUnsigned(out, size);
          out.write(wasm, start, size);
        }
      }
      in.position = end;
    }
    if (!globalsWritten) {
      writeSection(out, SECTION_GLOBAL, appendFuelGlobal(null));
    }
    if (!exportWritten) {
      // Modules under the ABI always export; this keeps the rewrite total for any module.
      writeSection(out, SECTION_EXPORT, appendFuelExport(null, fuelGlobal));
    }
    return new Metered(out.toByteArray(), fuelGlobal, startFunction);
  }

  /** The global section's content with the fuel global added at its end. */
  private static byte[] appendFuelGlobal(WasmBytes.Reader section) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    long count = section == null ? 0 : section.readUnsigned();
    writeUnsigned(content, count + 1);
    if (section != null) {
      content.write(section.bytes, section.position, section.limit - section.position);
    }
    // mut i64, initialised to 0: the sandbox sets the budget before each call.
    content.write(I64_TYPE);
    content.write(MUTABLE);
    content.write(I64_CONST);
    writeSigned(content, 0);
    content.write(END);
    return content.toByteArray();
  }

  private static byte[] appendFuelExport(WasmBytes.Reader section, int fuelGlobal) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    long count = section == null ? 0 : section.readUnsigned();
    writeUnsigned(content, count + 1);
    if (section != null) {
      content.write(section.bytes, section.position, section.limit - section.position);
    }
    byte[] name = FUEL_EXPORT.getBytes(StandardCharsets.UTF_8);
    writeUnsigned(content, name.length);
    content.write(name, 0, name.length);
    content.write(EXPORT_GLOBAL);
    writeUnsigned(content, fuelGlobal);
    return content.toByteArray();
  }

  private static byte[] meterBodies(WasmBytes.Reader section, WasmModule module, int fuelGlobal) {
    int count = (int) section.readUnsigned();
    if (count != module.codeSection().functionBodyCount()) {
      throw new IllegalArgumentException("code section does not match the parsed module");
    }
    ByteArrayOutputStream content = new ByteArrayOutputStream(section.limit - section.position);
    writeUnsigned(content, count);
    for (int f = 0; f < count; f++) {
      int bodySize = (int) section.readUnsigned();
      int bodyStart = section.position;
      int bodyEnd = bodyStart + bodySize;
      FunctionBody function = module.codeSection().getFunctionBody(f);
      List<? extends Instruction> code = function.instructions();
      int params =
          module.typeSection().getType(module.functionSection().getFunctionType(f)).params().size();
      // The first index after the parameters and the declared locals.
      int firstNewLocal = params + function.localTypes().size();
      boolean sized = code.stream().anyMatch(i -> SIZED.contains(i.opcode()));
      byte[] body;
      if (code.stream().anyMatch(i -> i.opcode() == OpCode.TRY_TABLE)) {
        body =
            meterBodyInGlobal(
                section.bytes, bodyStart, bodyEnd, code, fuelGlobal, sized ? firstNewLocal : -1);
      } else {
        body =
            meterBodyInLocal(
                section.bytes,
                bodyStart,
                bodyEnd,
                code,
                fuelGlobal,
                firstNewLocal,
                sized ? firstNewLocal + 1 : -1);
      }
      writeUnsigned(content, body.length);
      content.write(body, 0, body.length);
      section.position = bodyEnd;
    }
    return content.toByteArray();
  }

  /**
   * One function body charging the global directly: its local declarations unchanged (but for the
   * scratch local {@code length}, when it is not -1), its code with charges inserted.
   */
  private static byte[] meterBodyInGlobal(
      byte[] wasm,
      int bodyStart,
      int bodyEnd,
      List<? extends Instruction> code,
      int fuelGlobal,
      int length) {
    int codeStart = code.get(0).address();
    if (codeStart <= bodyStart || codeStart >= bodyEnd) {
      throw new IllegalArgumentException("instruction addresses do not match the binary");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream((bodyEnd - bodyStart) * 2);
    if (length < 0) {
      body.write(wasm, bodyStart, codeStart - bodyStart); // local declarations
    } else {
      WasmBytes.Reader locals = new WasmBytes.Reader(wasm, bodyStart, codeStart);
      long groups = locals.readUnsigned();
      writeUnsigned(body, groups + 1);
      body.write(wasm, locals.position, codeStart - locals.position);
      writeUnsigned(body, 1);
      body.write(I32_TYPE);
    }
    int last = code.size() - 1;
    int segmentStart = 0;
    boolean reachable = true;
    boolean check = true; // function entry
    for (int i = 0; i <= last; i++) {
      OpCode op = code.get(i).opcode();
      if (i == segmentStart && reachable) {
        writeCharge(body, fuelGlobal, segmentLength(code, i), check);
      }
      if (SIZED.contains(op) && reachable) {
        writeGlobalSizeCharge(body, fuelGlobal, length);
      }
      int from = code.get(i).address();
      int to = i < last ? code.get(i + 1).address() : bodyEnd;
      body.write(wasm, from, to - from);
      if (SEGMENT_ENDS.contains(op)) {
        segmentStart = i + 1;
        // After a branch that always jumps, code is dead until the next else or end.
        reachable = !NO_FALL_THROUGH.contains(op);
        check = op == OpCode.LOOP;
        if (op == OpCode.END || op == OpCode.ELSE) {
          reachable = true;
        }
      }
    }
    return body.toByteArray();
  }

  /**
   * One function body counting in a new {@code i64} local, {@code counter}, which is declared after
   * the existing locals (followed by the scratch {@code i32} local {@code length} when it is not
   * -1); see the class comment for when the global is loaded and stored.
   */
  private static byte[] meterBodyInLocal(
      byte[] wasm,
      int bodyStart,
      int bodyEnd,
      List<? extends Instruction> code,
      int fuelGlobal,
      int counter,
      int length) {
    int codeStart = code.get(0).address();
    if (codeStart <= bodyStart || codeStart >= bodyEnd) {
      throw new IllegalArgumentException("instruction addresses do not match the binary");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream((bodyEnd - bodyStart) * 2);
    // The local declarations: one or two more groups (an i64, then maybe an i32) after the rest.
    WasmBytes.Reader locals = new WasmBytes.Reader(wasm, bodyStart, codeStart);
    long groups = locals.readUnsigned();
    writeUnsigned(body, groups + (length < 0 ? 1 : 2));
    body.write(wasm, locals.position, codeStart - locals.position);
    writeUnsigned(body, 1);
    body.write(I64_TYPE);
    if (length >= 0) {
      writeUnsigned(body, 1);
      body.write(I32_TYPE);
    }

    // counter = fuel left, on entry.
    body.write(GLOBAL_GET);
    writeUnsigned(body, fuelGlobal);
    body.write(LOCAL_SET);
    writeUnsigned(body, counter);

    int last = code.size() - 1;
    // In a body whose blocks do not nest, leaving a block may leave the function: store always.
    boolean nested = nestsProperly(code);
    int segmentStart = 0;
    int depth = 0; // blocks open inside the function body
    boolean reachable = true;
    boolean check = true; // function entry
    for (int i = 0; i <= last; i++) {
      Instruction instruction = code.get(i);
      OpCode op = instruction.opcode();
      if (i == segmentStart && reachable) {
        int end = segmentEnd(code, i);
        boolean store = !nested || !staysInside(code, i, end, depth);
        writeLocalCharge(body, fuelGlobal, counter, end - i + 1L, store, check);
      }
      if (SIZED.contains(op) && reachable) {
        writeLocalSizeCharge(body, fuelGlobal, counter, length);
      }
      int from = instruction.address();
      int to = i < last ? code.get(i + 1).address() : bodyEnd;
      body.write(wasm, from, to - from);
      if (CALLS.contains(op)) {
        body.write(GLOBAL_GET);
        writeUnsigned(body, fuelGlobal);
        body.write(LOCAL_SET);
        writeUnsigned(body, counter);
      }
      switch (op) {
        case BLOCK, LOOP, IF -> depth++;
        case END -> depth--;
        default -> {}
      }
      if (SEGMENT_ENDS.contains(op)) {
        segmentStart = i + 1;
        // After a branch that always jumps, code is dead until the next else or end.
        reachable = !NO_FALL_THROUGH.contains(op);
        check = op == OpCode.LOOP;
        if (op == OpCode.END || op == OpCode.ELSE) {
          reachable = true;
        }
      }
    }
    return body.toByteArray();
  }

  /** The index of the last instruction of the segment that starts at {@code from}. */
  private static int segmentEnd(List<? extends Instruction> code, int from) {
    int i = from;
    while (i < code.size() - 1 && !SEGMENT_ENDS.contains(code.get(i).opcode())) {
      i++;
    }
    return i;
  }

  /**
   * Whether the body's blocks nest as the binary format requires: every {@code end} but the last
   * closes a block opened in the body, and the last one closes the function. Chicory's parser and
   * validator also accept a body whose last {@code end} closes an {@code if} or a block, the
   * function's own {@code end} missing, and run it: a branch out of that block, or an {@code if}
   * whose condition is false, then leaves the function, which {@link #staysInside} would take for a
   * branch that stays in it (the count would never reach the global).
   */
  private static boolean nestsProperly(List<? extends Instruction> code) {
    int depth = 0;
    for (int i = 0; i < code.size() - 1; i++) {
      switch (code.get(i).opcode()) {
        case BLOCK, LOOP, IF, TRY_TABLE -> depth++;
        case END -> {
          if (--depth < 0) {
            return false;
          }
        }
        default -> {}
      }
    }
    return depth == 0 && code.get(code.size() - 1).opcode() == OpCode.END;
  }

  /**
   * Whether instructions {@code from..to}, entered with {@code depth} blocks open, can neither
   * trap, call out nor leave the function (the function's final {@code end}, a {@code return}, or a
   * branch to the function's own label).
   */
  private static boolean staysInside(
      List<? extends Instruction> code, int from, int to, int depth) {
    for (int i = from; i <= to; i++) {
      Instruction instruction = code.get(i);
      OpCode op = instruction.opcode();
      if (op == OpCode.BR || op == OpCode.BR_IF) {
        if (instruction.operand(0) >= depth) {
          return false;
        }
      } else if (op == OpCode.END) {
        if (i == code.size() - 1) {
          return false;
        }
        depth--;
      } else if (op == OpCode.BLOCK || op == OpCode.LOOP || op == OpCode.IF) {
        depth++;
      } else if (!CONTAINED.contains(op)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Charges a bulk instruction's length, the {@code i32} on top of the operand stack, which it
   * leaves there: {@code counter -= length; fuel = counter; if (counter < 0) unreachable}. The
   * segment the instruction is in already stored the counter (a bulk instruction may trap), so the
   * global is exact again after this.
   */
  private static void writeLocalSizeCharge(
      ByteArrayOutputStream out, int fuelGlobal, int counter, int length) {
    out.write(LOCAL_TEE);
    writeUnsigned(out, length);
    out.write(LOCAL_GET);
    writeUnsigned(out, counter);
    out.write(LOCAL_GET);
    writeUnsigned(out, length);
    out.write(I64_EXTEND_I32_U);
    out.write(I64_SUB);
    out.write(LOCAL_TEE);
    writeUnsigned(out, counter);
    out.write(GLOBAL_SET);
    writeUnsigned(out, fuelGlobal);
    writeTrapIfNegative(out, LOCAL_GET, counter);
  }

  /** As {@link #writeLocalSizeCharge}, charging the global directly. */
  private static void writeGlobalSizeCharge(ByteArrayOutputStream out, int fuelGlobal, int length) {
    out.write(LOCAL_TEE);
    writeUnsigned(out, length);
    out.write(GLOBAL_GET);
    writeUnsigned(out, fuelGlobal);
    out.write(LOCAL_GET);
    writeUnsigned(out, length);
    out.write(I64_EXTEND_I32_U);
    out.write(I64_SUB);
    out.write(GLOBAL_SET);
    writeUnsigned(out, fuelGlobal);
    writeTrapIfNegative(out, GLOBAL_GET, fuelGlobal);
  }

  /** {@code if (x < 0) unreachable}, where {@code x} is read by {@code get} of {@code index}. */
  private static void writeTrapIfNegative(ByteArrayOutputStream out, int get, int index) {
    out.write(get);
    writeUnsigned(out, index);
    out.write(I64_CONST);
    writeSigned(out, 0);
    out.write(I64_LT_S);
    out.write(IF);
    out.write(EMPTY_BLOCK_TYPE);
    out.write(UNREACHABLE);
    out.write(END);
  }

  /**
   * {@code counter -= cost}; when {@code store}, {@code fuel = counter}; when {@code check}: {@code
   * if (counter < 0) { fuel = counter; unreachable }}. Leaves the operand stack as it found it.
   */
  private static void writeLocalCharge(
      ByteArrayOutputStream out,
      int fuelGlobal,
      int counter,
      long cost,
      boolean store,
      boolean check) {
    out.write(LOCAL_GET);
    writeUnsigned(out, counter);
    out.write(I64_CONST);
    writeSigned(out, cost);
    out.write(I64_SUB);
    if (store) {
      out.write(LOCAL_TEE);
      writeUnsigned(out, counter);
      out.write(GLOBAL_SET);
      writeUnsigned(out, fuelGlobal);
    } else {
      out.write(LOCAL_SET);
      writeUnsigned(out, counter);
    }
    if (check) {
      out.write(LOCAL_GET);
      writeUnsigned(out, counter);
      out.write(I64_CONST);
      writeSigned(out, 0);
      out.write(I64_LT_S);
      out.write(IF);
      out.write(EMPTY_BLOCK_TYPE);
      if (!store) {
        out.write(LOCAL_GET);
        writeUnsigned(out, counter);
        out.write(GLOBAL_SET);
        writeUnsigned(out, fuelGlobal);
      }
      out.write(UNREACHABLE);
      out.write(END);
    }
  }

  private static Set<OpCode> containedInstructions() {
    Set<OpCode> contained =
        EnumSet.of(
            OpCode.NOP,
            OpCode.DROP,
            OpCode.SELECT,
            OpCode.SELECT_T,
            OpCode.LOCAL_GET,
            OpCode.LOCAL_SET,
            OpCode.LOCAL_TEE,
            OpCode.GLOBAL_GET,
            OpCode.GLOBAL_SET,
            OpCode.MEMORY_SIZE,
            OpCode.REF_NULL,
            OpCode.REF_IS_NULL,
            OpCode.REF_FUNC,
            OpCode.ELSE);
    // Scalar arithmetic, comparisons and conversions, less those that trap: integer division and
    // remainder and the float-to-integer truncations that are not saturating.
    for (OpCode op : OpCode.values()) {
      String name = op.name();
      boolean scalar =
          name.startsWith("I32_")
              || name.startsWith("I64_")
              || name.startsWith("F32_")
              || name.startsWith("F64_");
      boolean traps =
          name.contains("LOAD")
              || name.contains("STORE")
              || name.contains("ATOMIC")
              || name.contains("_DIV_")
              || name.contains("_REM_")
              || (name.contains("_TRUNC_F") && !name.contains("_TRUNC_SAT_"));
      if (scalar && !traps) {
        contained.add(op);
      }
    }
    return contained;
  }

  /** Instructions from {@code from} up to and including the next segment end. */
  private static long segmentLength(List<? extends Instruction> code, int from) {
    int i = from;
    while (i < code.size() - 1 && !SEGMENT_ENDS.contains(code.get(i).opcode())) {
      i++;
    }
    return i - from + 1L;
  }

  /**
   * {@code fuel -= cost}, and when {@code check}: {@code if (fuel < 0) unreachable}. The sequence
   * leaves the operand stack as it found it, so it is valid wherever it is inserted.
   */
  private static void writeCharge(
      ByteArrayOutputStream out, int fuelGlobal, long cost, boolean check) {
    out.write(GLOBAL_GET);
    writeUnsigned(out, fuelGlobal);
    out.write(I64_CONST);
    writeSigned(out, cost);
    out.write(I64_SUB);
    out.write(GLOBAL_SET);
    writeUnsigned(out, fuelGlobal);
    if (check) {
      out.write(GLOBAL_GET);
      writeUnsigned(out, fuelGlobal);
      out.write(I64_CONST);
      writeSigned(out, 0);
      out.write(I64_LT_S);
      out.write(IF);
      out.write(EMPTY_BLOCK_TYPE);
      out.write(UNREACHABLE);
      out.write(END);
    }
  }
}
