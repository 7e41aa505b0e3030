package io.meshwork.sandbox.internal;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.InvalidModuleException;
import io.meshwork.wasm.abi.JobAbi;
import io.meshwork.wasm.abi.ModuleInfo;
import io.meshwork.wasm.abi.ModuleValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The {@link WasmEngine} built on Chicory's runtime compiler: each module is translated to JVM
 * bytecode once, and every call gets a fresh instance on a thread of its own.
 *
 * <p>How the limits are enforced:
 *
 * <ul>
 *   <li>Wall time: the call runs on a new platform thread, which the caller joins with the deadline
 *       and then interrupts. Chicory's generated code checks the interrupt flag on every function
 *       entry, call and backward branch, so even a tight {@code loop} stops promptly. A single bulk
 *       instruction ({@code memory.fill}/{@code copy}) finishes before the check.
 *   <li>Call stack: the thread is created with {@link SandboxLimits#stackBytes()} of stack, so the
 *       JVM's own {@link StackOverflowError} bounds the guest's call depth and fails only that
 *       call. The depth reached depends on JIT state, so it is a safety net, not a deterministic
 *       limit.
 *   <li>Memory: memory 0 is a {@link SandboxMemory}, one array under the cap, where a grow past the
 *       cap ends the call; a module whose declared initial memory is above the cap is refused
 *       before it is instantiated.
 *   <li>Fuel: the module is rewritten by {@link FuelInstrumenter} before it is compiled, so it
 *       counts the instructions it executes: each function counts in a local of its own and copies
 *       it to a global whenever the count can be observed, and the sandbox sets that global to the
 *       budget before each call (and before the module's start function, which it runs itself) and
 *       reads it afterwards. One fuel is one WebAssembly instruction, plus one per byte or table
 *       entry a bulk instruction writes.
 * </ul>
 *
 * <p>Not API: callers get it as a {@link WasmEngine} from {@link WasmEngine#chicory()}. It is
 * public for that factory, and for tests that watch its threads through {@link #runningCalls()},
 * {@link #idleSandboxThreads()} and {@link #sandboxThreadsStarted()} (the executor's burst test).
 */
public final class ChicoryEngine implements WasmEngine {

  private static final System.Logger LOG = System.getLogger(ChicoryEngine.class.getName());

  /** The engine name recorded in receipts. */
  public static final String ENGINE_NAME = "chicory-compiler";

  private static final String VERSION = readChicoryVersion();

  /** How long to wait for a guest to notice its interrupt before giving up on its thread. */
  private static final long STOP_GRACE_MILLIS = 2_000;

  /** Longest AssemblyScript string read back for an abort message, in bytes. */
  private static final int MAX_ABORT_STRING_BYTES = 2048;

  private static final FunctionType LOG_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
  private static final FunctionType ABORT_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());

  private final ModuleValidator.Limits moduleLimits;
  // Kept for a minute without calls; as many idle as a machine's cores could keep busy twice.
  private final SandboxThreads threads =
      new SandboxThreads(60_000, 2 * Runtime.getRuntime().availableProcessors());
  private final AtomicInteger runningCalls = new AtomicInteger();

  /** Creates an engine that accepts modules within the ABI's default size and memory limits. */
  public ChicoryEngine() {
    this(
        ModuleValidator.Limits.of(
            JobAbi.DEFAULT_MAX_MODULE_BYTES, JobAbi.DEFAULT_MAX_MEMORY_BYTES));
  }

  /**
   * Creates an engine with the operator's caps on modules.
   *
   * @param maxModuleBytes the largest module binary {@link #compile} accepts
   * @param maxMemoryBytes the largest declared initial memory {@link #compile} accepts
   */
  public ChicoryEngine(long maxModuleBytes, long maxMemoryBytes) {
    this(ModuleValidator.Limits.of(maxModuleBytes, maxMemoryBytes));
  }

  /**
   * Creates an engine with the operator's caps on modules: size, declared memory, and the entries
   * of the module's table and element segments (the one memory a module may use besides its linear
   * memory, since the validator refuses garbage collection, exceptions and growing tables).
   */
  public ChicoryEngine(ModuleValidator.Limits moduleLimits) {
    this.moduleLimits = moduleLimits;
  }

  /** A module as Chicory holds it: the parsed module and its compiled machine factory. */
  private record ChicoryModule(
      ModuleInfo info,
      WasmModule wasm,
      int fuelGlobal,
      int startFunction,
      Function<Instance, Machine> machines)
      implements CompiledModule {}

  @Override
  public CompiledModule compile(byte[] wasm) throws SandboxException {
    ModuleInfo info;
    try {
      info = ModuleValidator.validate(wasm, moduleLimits);
    } catch (InvalidModuleException e) {
      throw new SandboxException(FailureKind.INVALID_MODULE, e.getMessage(), e);
    }
    try {
      FuelInstrumenter.Metered metered = FuelInstrumenter.instrument(wasm, Parser.parse(wasm));
      WasmModule module = Parser.parse(metered.wasm());
      // FAIL rather than falling back to the interpreter: an interpreted function would run
      // far slower than its bid assumed, and should be refused up front instead.
      Function<Instance, Machine> machines =
          MachineFactoryCompiler.builder(module)
              .withInterpreterFallback(InterpreterFallback.FAIL)
              .compile();
      return new ChicoryModule(
          info, module, metered.fuelGlobal(), metered.startFunction(), machines);
    } catch (RuntimeException | StackOverflowError e) {
      throw new SandboxException(
          FailureKind.INVALID_MODULE,
          "module cannot be compiled to JVM bytecode: "
              + (e.getMessage() == null ? e.toString() : e.getMessage()),
          e);
    }
  }

  @Override
  public CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits limits)
      throws SandboxException {
    if (!(module instanceof ChicoryModule chicoryModule)) {
      throw new IllegalArgumentException("module was not compiled by a ChicoryEngine");
    }
    requireExported(chicoryModule.info(), export);
    if (input.length > limits.maxInputBytes()) {
      throw failure(
          FailureKind.INPUT_TOO_LARGE,
          export,
          "input of "
              + input.length
              + " bytes is larger than the limit of "
              + limits.maxInputBytes()
              + " bytes",
          List.of(),
          null);
    }
    long declared = chicoryModule.info().declaredMinMemoryBytes();
    if (declared > limits.memoryBytes()) {
      throw failure(
          FailureKind.MEMORY_LIMIT,
          export,
          "module declares "
              + declared
              + " bytes of initial memory; the memory limit is "
              + limits.memoryBytes()
              + " bytes",
          List.of(),
          null);
    }
    Call call = new Call(chicoryModule, export, input, limits);
    runningCalls.incrementAndGet();
    SandboxThreads.Run run;
    try {
      run = threads.start(call, limits.stackBytes());
    } catch (RuntimeException | OutOfMemoryError e) {
      runningCalls.decrementAndGet();
      throw failure(
          FailureKind.INTERNAL, export, "cannot start a sandbox thread: " + e, List.of(), e);
    }
    boolean ended;
    try {
      ended = run.await(limits.wallTimeMillis());
    } catch (InterruptedException e) {
      run.interrupt();
      Thread.currentThread().interrupt();
      throw new SandboxException(
          FailureKind.CANCELLED,
          export,
          call.fuelUsed(),
          export + " was cancelled by its caller",
          call.log.lines(),
          e);
    }
    if (!ended) {
      run.interrupt();
      awaitStop(run, export);
      throw new SandboxException(
          FailureKind.WALL_TIME,
          export,
          call.fuelUsed(),
          export
              + " ran past its wall-time limit of "
              + limits.wallTimeMillis()
              + " ms after using "
              + call.fuelUsed()
              + " fuel",
          call.log.lines(),
          null);
    }
    return call.result();
  }

  /** How many calls are running right now, counting guests still being stopped. */
  public int runningCalls() {
    return runningCalls.get();
  }

  @Override
  public String engineName() {
    return ENGINE_NAME;
  }

  @Override
  public String engineVersion() {
    return VERSION;
  }

  private static void requireExported(ModuleInfo info, String export) throws SandboxException {
    boolean present =
        switch (export) {
          case JobAbi.EXECUTE -> true;
          case JobAbi.SPLIT -> info.hasSplit();
          case JobAbi.MERGE -> info.hasMerge();
          default ->
              throw new IllegalArgumentException(
                  "\"" + export + "\" is not an ABI entry point (execute, split or merge)");
        };
    if (!present) {
      throw failure(
          FailureKind.INVALID_MODULE,
          export,
          "module does not export \"" + export + "\"",
          List.of(),
          null);
    }
  }

  /** Waits a little for an interrupted guest to unwind, so its memory is released promptly. */
  private static void awaitStop(SandboxThreads.Run run, String export) {
    try {
      if (run.await(STOP_GRACE_MILLIS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "a sandbox thread running {0} is still busy {1} ms after its interrupt",
        export,
        STOP_GRACE_MILLIS);
  }

  /** Sandbox threads waiting for a call now (kept from earlier calls). */
  public int idleSandboxThreads() {
    return threads.idleThreads();
  }

  /** Sandbox threads started so far. */
  public long sandboxThreadsStarted() {
    return threads.threadsStarted();
  }

  private static SandboxException failure(
      FailureKind kind, String export, String message, List<String> log, Throwable cause) {
    return new SandboxException(kind, export, 0, message, log, cause);
  }

  /** Thrown by a host function to end the call with a trap. */
  private static final class HostTrap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HostTrap(String message) {
      super(message, null, false, false);
    }
  }

  /** One call on a sandbox thread: instantiate, place the input, call the export, copy out. */
  private final class Call implements Runnable {
    private final ChicoryModule module;
    private final String export;
    private final byte[] input;
    private final SandboxLimits limits;
    private final GuestLog log = new GuestLog();
    // Written by the sandbox thread, read by the caller once Run.await says the call ended
    // (the Run's lock orders the two).
    private CallOutcome outcome;
    private SandboxException failure;
    // Set by the worker once the instance exists; read for the fuel figures.
    private volatile Instance instance;

    Call(ChicoryModule module, String export, byte[] input, SandboxLimits limits) {
      this.module = module;
      this.export = export;
      this.input = input;
      this.limits = limits;
    }

    CallOutcome result() throws SandboxException {
      if (failure != null) {
        throw failure;
      }
      if (outcome == null) {
        throw failed(
            FailureKind.INTERNAL, export, export + " ended without a result", log.lines(), null);
      }
      return outcome;
    }

    @Override
    public void run() {
      long started = System.nanoTime();
      try {
        byte[] output = invoke();
        if (fuelLeft() < 0) {
          throw fuelExhausted();
        }
        outcome =
            new CallOutcome(
                output, log.lines(), fuelUsed(), Duration.ofNanos(System.nanoTime() - started));
      } catch (SandboxException e) {
        failure = e;
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        failure = classify(e);
      } finally {
        runningCalls.decrementAndGet();
      }
    }

    private byte[] invoke() throws SandboxException {
      long capPages = Math.min(limits.memoryBytes() / JobAbi.PAGE_BYTES, Memory.RUNTIME_MAX_PAGES);
      long declaredMaxPages =
          module.info().declaredMaxMemoryBytes().orElse(MemoryLimits.MAX_PAGES * JobAbi.PAGE_BYTES)
              / JobAbi.PAGE_BYTES;
      int initialPages = (int) (module.info().declaredMinMemoryBytes() / JobAbi.PAGE_BYTES);
      Instance instance =
          Instance.builder(module.wasm())
              .withImportValues(hostFunctions())
              .withMemoryLimits(
                  new MemoryLimits(initialPages, (int) Math.min(declaredMaxPages, capPages)))
              // SandboxMemory takes the cap and the declared maximum itself rather than these
              // limits, so that a grow between the two ends the call instead of returning -1.
              .withMemoryFactory(
                  memoryLimits -> new SandboxMemory(initialPages, declaredMaxPages, capPages))
              .withMachineFactory(module.machines())
              // A "_start" export is not part of the job ABI and must not run on its own.
              .withStart(false)
              .build();
      // The fuel global starts at 0; the start function, alloc and the export all draw on this
      // one budget. The metered module has no start section: its start function runs here, once
      // there is fuel to run it, before anything exported, as instantiation would have run it.
      instance.global(module.fuelGlobal()).setValue(limits.fuel());
      this.instance = instance;
      if (module.startFunction() >= 0) {
        instance.getMachine().call(module.startFunction(), new long[0]);
      }
      Memory memory = instance.memory();

      int length = input.length;
      long inputAddress =
          Integer.toUnsignedLong((int) instance.export(JobAbi.ALLOC).apply(length)[0]);
      requireInMemory(JobAbi.ALLOC, "alloc(" + length + ") returned", inputAddress, length, memory);
      memory.write((int) inputAddress, input);

      long packed = instance.export(export).apply(inputAddress, length)[0];
      long outputAddress = packed >>> 32;
      long outputLength = packed & 0xFFFF_FFFFL;
      requireInMemory(export, export + " returned", outputAddress, outputLength, memory);
      if (outputLength > limits.maxOutputBytes()) {
        throw failed(
            FailureKind.OUTPUT_TOO_LARGE,
            export,
            export
                + " returned "
                + outputLength
                + " bytes; the output limit is "
                + limits.maxOutputBytes()
                + " bytes",
            log.lines(),
            null);
      }
      return memory.readBytes((int) outputAddress, (int) outputLength);
    }

    private void requireInMemory(String name, String what, long address, long length, Memory memory)
        throws SandboxException {
      long size = (long) memory.pages() * JobAbi.PAGE_BYTES;
      if (address + length > size) {
        throw failed(
            FailureKind.OUTPUT_OUT_OF_BOUNDS,
            name,
            what
                + " the range ["
                + address
                + ", "
                + (address + length)
                + ") but memory holds "
                + size
                + " bytes",
            log.lines(),
            null);
      }
    }

    private ImportValues hostFunctions() {
      HostFunction logLine =
          new HostFunction(
              JobAbi.LOG_MODULE,
              JobAbi.LOG_NAME,
              LOG_TYPE,
              (instance, args) -> {
                logLine(instance.memory(), args[0], args[1]);
                return null;
              });
      HostFunction abort =
          new HostFunction(
              JobAbi.ABORT_MODULE,
              JobAbi.ABORT_NAME,
              ABORT_TYPE,
              (instance, args) -> {
                throw new HostTrap(abortMessage(instance.memory(), args));
              });
      return ImportValues.builder().addFunction(logLine, abort).build();
    }

    private void logLine(Memory memory, long rawAddress, long rawLength) {
      if (!log.accepting()) {
        log.drop();
        return;
      }
      long address = rawAddress & 0xFFFF_FFFFL;
      long length = rawLength & 0xFFFF_FFFFL;
      long size = (long) memory.pages() * JobAbi.PAGE_BYTES;
      if (address + length > size) {
        throw new HostTrap(
            "meshwork.log was given the range ["
                + address
                + ", "
                + (address + length)
                + ") but memory holds "
                + size
                + " bytes");
      }
      int kept = (int) Math.min(length, GuestLog.MAX_LINE_BYTES);
      log.add(memory.readBytes((int) address, kept), kept < length);
    }

    /** Fuel left in the budget; below zero once the guest has run out. */
    long fuelLeft() {
      Instance current = instance;
      return current == null ? limits.fuel() : current.global(module.fuelGlobal()).getValue();
    }

    /** Fuel used so far (more than the budget when the guest ran out). */
    long fuelUsed() {
      return limits.fuel() - fuelLeft();
    }

    private SandboxException fuelExhausted() {
      return failed(
          FailureKind.FUEL_EXHAUSTED,
          export,
          export
              + " ran out of fuel: it needed more than its limit of "
              + limits.fuel()
              + " (stopped after "
              + fuelUsed()
              + " instructions)",
          log.lines(),
          null);
    }

    private SandboxException failed(
        FailureKind kind, String export, String message, List<String> lines, Throwable cause) {
      return new SandboxException(kind, export, fuelUsed(), message, lines, cause);
    }

    private SandboxException classify(Throwable thrown) {
      List<String> lines = log.lines();
      // The metering code traps only once the budget is gone; whatever else the guest did after
      // that point is a consequence, so running out is what gets reported.
      if (fuelLeft() < 0) {
        return fuelExhausted();
      }
      for (Throwable t = thrown; t != null; t = t.getCause()) {
        if (t instanceof SandboxMemory.LimitReached limit) {
          return failed(
              FailureKind.MEMORY_LIMIT,
              export,
              export
                  + " tried to grow memory to "
                  + limit.requestedPages * JobAbi.PAGE_BYTES
                  + " bytes; the memory limit is "
                  + limits.memoryBytes()
                  + " bytes",
              lines,
              null);
        }
        if (t instanceof HostTrap trap) {
          return failed(
              FailureKind.TRAP, export, export + " trapped: " + trap.getMessage(), lines, null);
        }
        if (t instanceof StackOverflowError) {
          return failed(
              FailureKind.STACK_OVERFLOW,
              export,
              export + " exhausted its call stack of " + limits.stackBytes() + " bytes",
              lines,
              null);
        }
        if (t instanceof ChicoryInterruptedException) {
          return failed(
              FailureKind.WALL_TIME,
              export,
              export
                  + " was interrupted at its wall-time limit of "
                  + limits.wallTimeMillis()
                  + " ms",
              lines,
              null);
        }
        if (t instanceof OutOfMemoryError) {
          return failed(
              FailureKind.MEMORY_LIMIT,
              export,
              export + " ran the executor out of heap: " + t.getMessage(),
              lines,
              null);
        }
      }
      if (thrown instanceof ChicoryException) {
        return failed(
            FailureKind.TRAP, export, export + " trapped: " + thrown.getMessage(), lines, thrown);
      }
      return failed(
          FailureKind.INTERNAL,
          export,
          export + " failed in the sandbox: " + thrown,
          lines,
          thrown);
    }
  }

  /**
   * Describes an AssemblyScript {@code abort(msg, file, line, col)}. The message and file are
   * AssemblyScript strings (UTF-16LE, byte length in the four bytes before the pointer); when they
   * cannot be read the addresses are reported instead.
   */
  private static String abortMessage(Memory memory, long[] args) {
    String message = assemblyScriptString(memory, args[0] & 0xFFFF_FFFFL);
    String file = assemblyScriptString(memory, args[1] & 0xFFFF_FFFFL);
    long line = args[2] & 0xFFFF_FFFFL;
    long column = args[3] & 0xFFFF_FFFFL;
    if (message != null && file != null) {
      return "abort: " + message + " at " + file + ":" + line + ":" + column;
    }
    return "abort: message at address "
        + (args[0] & 0xFFFF_FFFFL)
        + ", file at address "
        + (args[1] & 0xFFFF_FFFFL)
        + ", line "
        + line
        + ", column "
        + column;
  }

  private static String assemblyScriptString(Memory memory, long address) {
    long size = (long) memory.pages() * JobAbi.PAGE_BYTES;
    if (address < 4 || address > size) {
      return null;
    }
    long byteLength = Integer.toUnsignedLong(memory.readInt((int) address - 4));
    if (byteLength % 2 != 0 || byteLength > MAX_ABORT_STRING_BYTES || address + byteLength > size) {
      return null;
    }
    return new String(memory.readBytes((int) address, (int) byteLength), StandardCharsets.UTF_16LE);
  }

  /**
   * Reads Chicory's version from the runtime jar's Maven metadata, falling back to the version this
   * module was built against (filled in by Maven resource filtering).
   */
  private static String readChicoryVersion() {
    String fromJar =
        readProperty(
            Instance.class,
            "/META-INF/maven/com.dylibso.chicory/runtime/pom.properties",
            "version");
    if (fromJar != null) {
      return fromJar;
    }
    String fromBuild = readProperty(ChicoryEngine.class, "chicory.properties", "chicory.version");
    return fromBuild != null ? fromBuild : "unknown";
  }

  private static String readProperty(Class<?> anchor, String resource, String key) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        return null;
      }
      Properties properties = new Properties();
      properties.load(in);
      String value = properties.getProperty(key);
      return value == null || value.isBlank() || value.startsWith("${") ? null : value.trim();
    } catch (IOException e) {
      return null;
    }
  }
}
