package io.meshwork.sandbox.internal;

import com.dylibso.chicory.runtime.ExecutionListener;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import io.meshwork.wasm.abi.JobAbi;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a job module twice in Chicory's interpreter, as the sandbox would call it (the start
 * function, {@code alloc(len)}, then {@code execute(ptr, len)} on zero bytes): once unmetered,
 * counting what it executes with an execution listener under the fuel unit of docs/WASM.md, and
 * once rewritten by the {@link FuelInstrumenter}, reading what the fuel global says. The two counts
 * share no code: the first follows the interpreter's instruction by instruction, the second the
 * instrumenter's static charges.
 *
 * <p>The interpreter visits a block's {@code end} when a branch leaves the block (it lands there to
 * pop the block), where the unit does not count it; the listener therefore leaves out an {@code
 * end} reached straight from a taken branch, an {@code else} jump, or an {@code if} whose false
 * condition skips a body that has no {@code else}.
 */
final class FuelOracle {

  /** Memory may grow to this many pages, the same in both runs; past it, grow returns -1. */
  static final int MAX_PAGES = 16;

  /** The trap of a run whose entry point returned no value although its type has one. */
  static final String NO_RESULT = "returned no result";

  private FuelOracle() {}

  /**
   * What one run did: the fuel, or empty if it trapped (then {@code trap} says why); and the memory
   * afterwards.
   */
  record Run(Optional<Long> fuel, long result, byte[] memory, String trap) {}

  /** Thrown by the listener once a run has executed more than it was allowed. */
  static final class TooLong extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLong() {
      super("ran too long", null, false, false);
    }
  }

  /**
   * Runs the module unmetered, counting; stops with {@link TooLong} after {@code limit} fuel.
   *
   * @throws ChicoryException if the module cannot be instantiated
   */
  static Run counted(byte[] wasm, int inputLength, long limit) {
    WasmModule module = Parser.parse(wasm);
    Set<Integer> ifsWithElse = ifsWithElse(module);
    Counter counter = new Counter(ifsWithElse, limit);
    Instance instance;
    try {
      instance = builder(module).withUnsafeExecutionListener(counter).withInitialize(true).build();
    } catch (ChicoryException | StackOverflowError e) {
      return trapped(e); // in the start function, or the segments did not fit
    }
    return finish(instance, inputLength, () -> counter.fuel);
  }

  /**
   * Runs the module rewritten by the instrumenter with {@code budget} fuel, and reads its count.
   */
  static Run metered(byte[] wasm, int inputLength, long budget) {
    FuelInstrumenter.Metered metered = FuelInstrumenter.instrument(wasm, Parser.parse(wasm));
    WasmModule module = Parser.parse(metered.wasm());
    Instance instance;
    try {
      instance = builder(module).build();
    } catch (ChicoryException e) {
      return trapped(e); // the segments did not fit (the start function has not run yet)
    }
    instance.global(metered.fuelGlobal()).setValue(budget);
    java.util.function.LongSupplier used =
        () -> budget - instance.global(metered.fuelGlobal()).getValue();
    if (metered.startFunction() >= 0) {
      try {
        instance.getMachine().call(metered.startFunction(), new long[0]);
      } catch (ChicoryException | StackOverflowError e) {
        return trapped(e);
      }
    }
    return finish(instance, inputLength, used);
  }

  private static Run finish(
      Instance instance, int inputLength, java.util.function.LongSupplier fuel) {
    long result;
    try {
      long[] address = instance.export(JobAbi.ALLOC).apply(inputLength);
      long[] packed =
          address == null ? null : instance.export(JobAbi.EXECUTE).apply(address[0], inputLength);
      if (packed == null) {
        // Chicory's validator lets some type errors through (an implicit return without its
        // value); the interpreter then returns nothing, and the compiler refuses the module.
        return new Run(Optional.empty(), 0, new byte[0], NO_RESULT);
      }
      result = packed[0];
    } catch (ChicoryException | StackOverflowError e) {
      return trapped(e); // any trap: out of bounds, unreachable, call stack exhausted, abort
    }
    byte[] memory =
        instance.memory().readBytes(0, (int) (instance.memory().pages() * JobAbi.PAGE_BYTES));
    return new Run(Optional.of(fuel.getAsLong()), result, memory, null);
  }

  private static Run trapped(Throwable trap) {
    return new Run(Optional.empty(), 0, new byte[0], String.valueOf(trap.getMessage()));
  }

  private static Instance.Builder builder(WasmModule module) {
    FunctionType logType = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
    FunctionType abortType =
        FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());
    HostFunction log =
        new HostFunction(JobAbi.LOG_MODULE, JobAbi.LOG_NAME, logType, (inst, args) -> null);
    HostFunction abort =
        new HostFunction(
            JobAbi.ABORT_MODULE,
            JobAbi.ABORT_NAME,
            abortType,
            (inst, args) -> {
              throw new TrapException("abort");
            });
    int initial = module.memorySection().map(m -> m.getMemory(0).limits().initialPages()).orElse(0);
    return Instance.builder(module)
        .withImportValues(ImportValues.builder().addFunction(log, abort).build())
        .withMemoryLimits(new MemoryLimits(initial, Math.max(initial, MAX_PAGES)))
        .withStart(false);
  }

  /** The addresses of the {@code if} instructions that have an {@code else}. */
  private static Set<Integer> ifsWithElse(WasmModule module) {
    Set<Integer> withElse = new HashSet<>();
    for (int f = 0; f < module.codeSection().functionBodyCount(); f++) {
      Deque<Instruction> open = new ArrayDeque<>();
      for (Instruction instruction : module.codeSection().getFunctionBody(f).instructions()) {
        switch (instruction.opcode()) {
          case BLOCK, LOOP, IF, TRY_TABLE -> open.push(instruction);
          case ELSE -> withElse.add(open.peek().address());
          case END -> open.poll();
          default -> {}
        }
      }
    }
    return withElse;
  }

  /** Counts fuel as the interpreter executes; see the class comment. */
  private static final class Counter implements ExecutionListener {
    private static final Set<OpCode> SIZED = FuelInstrumenter.SIZED;
    private final Set<Integer> ifsWithElse;
    private final long limit;
    long fuel;
    private boolean skipEnd;

    Counter(Set<Integer> ifsWithElse, long limit) {
      this.ifsWithElse = ifsWithElse;
      this.limit = limit;
    }

    @Override
    public void onExecution(Instruction instruction, MStack stack) {
      OpCode op = instruction.opcode();
      if (!(skipEnd && op == OpCode.END)) {
        fuel++;
      }
      skipEnd = false;
      switch (op) {
        case BR, BR_TABLE, ELSE -> skipEnd = true;
        case BR_IF -> skipEnd = stack.peek() != 0;
        case IF -> skipEnd = stack.peek() == 0 && !ifsWithElse.contains(instruction.address());
        default -> {
          if (SIZED.contains(op)) {
            fuel += Integer.toUnsignedLong((int) stack.peek());
          }
        }
      }
      if (fuel > limit) {
        throw new TooLong();
      }
    }
  }

  static boolean sameMemory(Run a, Run b) {
    return Arrays.equals(a.memory(), b.memory());
  }
}
