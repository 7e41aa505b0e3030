package io.meshwork.benchmarks;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.internal.FuelInstrumenter;
import java.util.List;
import java.util.function.Function;

/**
 * A module run by Chicory directly, without the executor's sandbox: no fuel metering, no thread per
 * call, no memory cap. Set against the executor's engine ({@link
 * io.meshwork.sandbox.WasmEngine#chicory()}) it shows what the sandbox costs; set against V8 it
 * shows what Chicory itself costs.
 *
 * <p>Memory is Chicory's own {@link ByteArrayMemory} (its faster option on a recent JDK), so these
 * rows measure Chicory as it ships. The executor runs on its own {@code SandboxMemory} instead (one
 * array rather than Chicory's 64 KiB pages, with the cap built in), which is part of what the
 * executor row measures.
 */
final class BareChicory {

  /**
   * Renew a reused instance once its memory passes this. Nothing is ever freed (each call's output
   * is a new allocation), and a memory that keeps growing would measure the growing rather than the
   * module; run-wasm.mjs renews V8's instance at the same size.
   */
  private static final long RENEW_AT_BYTES = 16L << 20;

  private static final FunctionType LOG_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
  private static final FunctionType ABORT_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());

  private final WasmModule module;
  // Null for the interpreter: Chicory interprets when an instance has no machine factory.
  private final Function<Instance, Machine> machines;
  // The fuel-left global of a metered module, or -1.
  private final int fuelGlobal;
  private final ImportValues imports = hostFunctions();

  private BareChicory(WasmModule module, Function<Instance, Machine> machines, int fuelGlobal) {
    this.module = module;
    this.machines = machines;
    this.fuelGlobal = fuelGlobal;
  }

  /**
   * Parses and compiles a module to JVM bytecode, refusing to fall back to the interpreter for any
   * function (as the executor does), so the figures are the compiler's alone.
   */
  static BareChicory compiled(byte[] wasm) {
    return compile(Parser.parse(wasm), -1);
  }

  /**
   * Meters the module with the sandbox's {@link FuelInstrumenter} and compiles that: the executor's
   * code without the rest of its sandbox, so metering's cost can be told apart from the thread and
   * the memory cap. Every instance starts with the default fuel budget. This is the one place the
   * benchmarks reach into the sandbox's internals; the instrumenter says so too.
   */
  static BareChicory meteredCompiled(byte[] wasm) {
    FuelInstrumenter.Metered metered = FuelInstrumenter.instrument(wasm, Parser.parse(wasm));
    return compile(Parser.parse(metered.wasm()), metered.fuelGlobal());
  }

  private static BareChicory compile(WasmModule module, int fuelGlobal) {
    return new BareChicory(
        module,
        MachineFactoryCompiler.builder(module)
            .withInterpreterFallback(InterpreterFallback.FAIL)
            .compile(),
        fuelGlobal);
  }

  /** Parses a module for Chicory's interpreter. */
  static BareChicory interpreted(byte[] wasm) {
    return new BareChicory(Parser.parse(wasm), null, -1);
  }

  /** A fresh instance of the module, its start function not run (the job ABI has none). */
  Instance instantiate() {
    Instance.Builder builder =
        Instance.builder(module)
            .withImportValues(imports)
            .withMemoryFactory(ByteArrayMemory::new)
            .withStart(false);
    if (machines != null) {
      builder.withMachineFactory(machines);
    }
    Instance instance = builder.build();
    if (fuelGlobal >= 0) {
      instance.global(fuelGlobal).setValue(SandboxLimits.defaults().fuel());
    }
    return instance;
  }

  /** One ABI call in a fresh instance: alloc, write the input, execute, read the output. */
  byte[] callFresh(byte[] input) {
    Instance instance = instantiate();
    return execute(instance, allocate(instance, input.length), input);
  }

  /**
   * A call loop that keeps one instance and one input buffer: every call writes the input, runs
   * execute and reads the output. This is how a long-lived host would run a module, and the
   * baseline for what a fresh instance per call costs.
   */
  ThroughputMeter.CallLoop reusedInstance(byte[] input) {
    return new ThroughputMeter.CallLoop() {
      private Instance instance;
      private int address;

      @Override
      public byte[] call() {
        if (instance == null || (long) instance.memory().pages() * 65536 > RENEW_AT_BYTES) {
          instance = instantiate();
          address = allocate(instance, input.length);
        }
        return execute(instance, address, input);
      }
    };
  }

  private static int allocate(Instance instance, int length) {
    return (int) instance.export("alloc").apply(length)[0];
  }

  private static byte[] execute(Instance instance, int address, byte[] input) {
    Memory memory = instance.memory();
    memory.write(address, input);
    long packed = instance.export("execute").apply(address, input.length)[0];
    return memory.readBytes((int) (packed >>> 32), (int) packed);
  }

  /**
   * The two imports the sandbox offers: the log line is dropped (the benchmark modules do not log)
   * and abort traps, as in the executor.
   */
  private static ImportValues hostFunctions() {
    HostFunction log = new HostFunction("meshwork", "log", LOG_TYPE, (instance, args) -> null);
    HostFunction abort =
        new HostFunction(
            "env",
            "abort",
            ABORT_TYPE,
            (instance, args) -> {
              throw new IllegalStateException("the module called abort");
            });
    return ImportValues.builder().addFunction(log, abort).build();
  }
}
