package io.meshwork.wasm.abi;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a binary is an acceptable job module under WASM-ABI version 1, before anyone
 * compiles or runs it.
 *
 * <p>The checks, in order: size; a walk of the binary that refuses, before anything is decoded,
 * counts that do not fit the bytes behind them, more element entries or locals than the limits,
 * more than one table or a table above the limit, and the types and sections of proposals a job
 * module has no use for ({@link BinaryPrecheck}); parsing and WebAssembly validation; every
 * instruction against the set the sandbox runs (WebAssembly 2.0 without SIMD and {@code
 * table.grow}); imports (only {@code meshwork.log} and {@code env.abort}, with their exact types);
 * one unshared memory whose declared initial size is within the limit; and the exports {@code
 * memory}, {@code alloc}, {@code execute} and, when present, {@code split} and {@code merge} with
 * their exact types.
 */
public final class ModuleValidator {

  /**
   * The most locals one function may declare. Chicory's parser allows this many per group of one
   * type, and keeps a list entry per local; per function is what bounds it.
   */
  public static final long MAX_LOCALS = 50_000;

  /**
   * The caps a module is checked against.
   *
   * @param maxModuleBytes the largest binary accepted
   * @param maxMemoryBytes the largest declared initial memory accepted
   * @param maxTableElements the most entries the module's table may start with, and the most
   *     entries its element segments may carry together
   */
  public record Limits(long maxModuleBytes, long maxMemoryBytes, long maxTableElements) {
    /** Checks the values. */
    public Limits {
      if (maxModuleBytes < 1 || maxMemoryBytes < 0 || maxTableElements < 0) {
        throw new IllegalArgumentException(
            "module limits must be positive: "
                + maxModuleBytes
                + ", "
                + maxMemoryBytes
                + ", "
                + maxTableElements);
      }
    }

    /** The given size and memory caps, and the ABI's default cap on tables. */
    public static Limits of(long maxModuleBytes, long maxMemoryBytes) {
      return new Limits(maxModuleBytes, maxMemoryBytes, JobAbi.DEFAULT_MAX_TABLE_ELEMENTS);
    }
  }

  private static final FunctionType ALLOC_TYPE =
      FunctionType.of(List.of(ValType.I32), List.of(ValType.I32));
  private static final FunctionType CALL_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I64));
  private static final FunctionType LOG_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
  private static final FunctionType ABORT_TYPE =
      FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());

  /** The host functions the sandbox provides, keyed by {@code module.name}. */
  private static final Map<String, FunctionType> HOST_FUNCTIONS =
      Map.of(
          JobAbi.LOG_MODULE + "." + JobAbi.LOG_NAME, LOG_TYPE,
          JobAbi.ABORT_MODULE + "." + JobAbi.ABORT_NAME, ABORT_TYPE);

  private ModuleValidator() {}

  /**
   * Checks {@code wasm} against the ABI and the given limits.
   *
   * @param maxModuleBytes the largest binary accepted
   * @param maxMemoryBytes the largest declared initial memory accepted
   * @return what the module offers, for scheduling and for the sandbox
   * @throws InvalidModuleException naming the first rule the module breaks
   */
  public static ModuleInfo validate(byte[] wasm, long maxModuleBytes, long maxMemoryBytes)
      throws InvalidModuleException {
    return validate(wasm, Limits.of(maxModuleBytes, maxMemoryBytes));
  }

  /**
   * Checks {@code wasm} against the ABI and {@code limits}.
   *
   * @return what the module offers, for scheduling and for the sandbox
   * @throws InvalidModuleException naming the first rule the module breaks
   */
  public static ModuleInfo validate(byte[] wasm, Limits limits) throws InvalidModuleException {
    if (wasm.length > limits.maxModuleBytes()) {
      throw new InvalidModuleException(
          InvalidModuleException.MODULE_TOO_LARGE,
          "module is "
              + wasm.length
              + " bytes; the limit is "
              + limits.maxModuleBytes()
              + " bytes");
    }
    BinaryPrecheck.check(wasm, limits.maxTableElements());
    WasmModule module = parse(wasm);
    try {
      return check(wasm, module, limits);
    } catch (ChicoryException e) {
      // Chicory's parser leaves some references unchecked and its accessors throw when they
      // follow one; the checks above handle those found so far, this catches any other.
      throw new InvalidModuleException(
          InvalidModuleException.MALFORMED_MODULE,
          "not a valid WebAssembly module: " + describe(e),
          e);
    }
  }

  private static ModuleInfo check(byte[] wasm, WasmModule module, Limits limits)
      throws InvalidModuleException {
    checkInstructions(module);
    Set<String> hostImports = checkImports(module);
    MemoryLimits memory = checkMemory(module, limits.maxMemoryBytes());
    Map<String, Export> exports = exportsByName(module);
    checkMemoryExport(exports.get(JobAbi.MEMORY));
    checkFunctionExport(module, exports, JobAbi.ALLOC, ALLOC_TYPE, true);
    checkFunctionExport(module, exports, JobAbi.EXECUTE, CALL_TYPE, true);
    boolean hasSplit = checkFunctionExport(module, exports, JobAbi.SPLIT, CALL_TYPE, false);
    boolean hasMerge = checkFunctionExport(module, exports, JobAbi.MERGE, CALL_TYPE, false);
    OptionalLong declaredMax =
        memory.maximumPages() >= MemoryLimits.MAX_PAGES
            ? OptionalLong.empty()
            : OptionalLong.of(memory.maximumPages() * JobAbi.PAGE_BYTES);
    return new ModuleInfo(
        hasSplit,
        hasMerge,
        memory.initialPages() * JobAbi.PAGE_BYTES,
        declaredMax,
        wasm.length,
        hostImports);
  }

  private static WasmModule parse(byte[] wasm) throws InvalidModuleException {
    try {
      return Parser.parse(wasm);
    } catch (RuntimeException | AssertionError e) {
      // Chicory reports bad binaries as MalformedException or InvalidException, but hostile
      // input can also trip plain runtime exceptions inside the parser, and on a JVM run with -ea
      // its internal assertions (found by fuzzing: an else without its if); all mean "not a
      // module".
      throw new InvalidModuleException(
          InvalidModuleException.MALFORMED_MODULE,
          "not a valid WebAssembly module: " + describe(e),
          e);
    }
  }

  /**
   * Refuses an instruction outside what the sandbox runs: WebAssembly 2.0 (the MVP, sign extension,
   * saturating conversions, bulk memory, multiple values, reference types) without SIMD, and
   * without {@code table.grow}. Chicory's parser also accepts exception handling, tail calls, typed
   * function references, garbage collection and atomics; the compiler cannot translate some of them
   * (the module would be accepted here only to fail on every executor), garbage-collected objects
   * and caught exceptions live on the JVM heap outside the memory limit, and a grown table is
   * memory outside it too (Chicory even records the growth in the parsed module, so the next
   * instance would start larger: state that outlives the call).
   */
  private static void checkInstructions(WasmModule module) throws InvalidModuleException {
    int imported = module.importSection().count(ExternalType.FUNCTION);
    CodeSection code = module.codeSection();
    for (int f = 0; f < code.functionBodyCount(); f++) {
      for (Instruction instruction : code.getFunctionBody(f).instructions()) {
        String feature = unsupportedFeature(instruction.opcode());
        if (feature != null) {
          throw new InvalidModuleException(
              InvalidModuleException.UNSUPPORTED_FEATURE,
              "function "
                  + (imported + f)
                  + " uses "
                  + textName(instruction.opcode())
                  + " ("
                  + feature
                  + "), which the sandbox does not run");
        }
      }
    }
  }

  /**
   * An instruction's name roughly as the text format spells it: {@code table.grow}, {@code
   * return_call}.
   */
  private static String textName(OpCode op) {
    String name = op.name().toLowerCase(Locale.ROOT);
    boolean oneWord =
        name.startsWith("return_call")
            || name.startsWith("call_")
            || name.startsWith("br_")
            || name.startsWith("try_")
            || name.startsWith("throw_")
            || name.startsWith("ref_as");
    return oneWord ? name : name.replace('_', '.');
  }

  /** The proposal an instruction belongs to when the sandbox does not run it; null otherwise. */
  private static String unsupportedFeature(OpCode op) {
    int code = op.opcode();
    return switch (op) {
      case THROW, THROW_REF, TRY_TABLE -> "exception handling";
      case RETURN_CALL, RETURN_CALL_INDIRECT, RETURN_CALL_REF -> "tail calls";
      case CALL_REF, REF_AS_NON_NULL, BR_ON_NULL, BR_ON_NON_NULL -> "typed function references";
      case REF_EQ -> "garbage collection";
      case TABLE_GROW -> "tables keep the size they declare";
      default -> {
        if (code >= 0xFB00 && code <= 0xFBFF) {
          yield "garbage collection";
        }
        if (code >= 0xFD00 && code <= 0xFDFF) {
          yield "SIMD";
        }
        if (code >= 0xFE00 && code <= 0xFEFF) {
          yield "threads";
        }
        // Anything else in the one-byte space past sign extension and the reference
        // instructions, or in a prefix page the sandbox does not know, is refused too.
        if (code > 0xFC11 || (code > 0xD2 && code < 0xFC00)) {
          yield "a proposal the sandbox does not know";
        }
        yield null;
      }
    };
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static Set<String> checkImports(WasmModule module) throws InvalidModuleException {
    ImportSection imports = module.importSection();
    Set<String> used = new LinkedHashSet<>();
    for (int i = 0; i < imports.importCount(); i++) {
      Import imported = imports.getImport(i);
      String key = imported.module() + "." + imported.name();
      FunctionType provided = HOST_FUNCTIONS.get(key);
      if (provided == null || imported.importType() != ExternalType.FUNCTION) {
        throw new InvalidModuleException(
            InvalidModuleException.FORBIDDEN_IMPORT,
            "module imports "
                + kind(imported.importType())
                + " \""
                + key
                + "\"; the sandbox provides only the functions "
                + HOST_FUNCTIONS.keySet().stream().sorted().collect(Collectors.joining(", ")));
      }
      int typeIndex = ((FunctionImport) imported).typeIndex();
      int types = module.typeSection().typeCount();
      if (typeIndex < 0 || typeIndex >= types) {
        // Chicory's parser does not check an import's type index (found by fuzzing).
        throw new InvalidModuleException(
            InvalidModuleException.MALFORMED_MODULE,
            "module imports \""
                + key
                + "\" with type "
                + Integer.toUnsignedLong(typeIndex)
                + ", but the module declares "
                + types
                + " types");
      }
      FunctionType declared = module.typeSection().getType(typeIndex);
      if (!provided.equals(declared)) {
        throw new InvalidModuleException(
            InvalidModuleException.WRONG_IMPORT_TYPE,
            "module imports \""
                + key
                + "\" as "
                + signature(declared)
                + "; the sandbox provides "
                + signature(provided));
      }
      used.add(key);
    }
    return used;
  }

  private static String kind(ExternalType type) {
    return switch (type) {
      case FUNCTION -> "function";
      case TABLE -> "table";
      case MEMORY -> "memory";
      case GLOBAL -> "global";
      case TAG -> "tag";
    };
  }

  private static MemoryLimits checkMemory(WasmModule module, long maxMemoryBytes)
      throws InvalidModuleException {
    int count = module.memorySection().map(MemorySection::memoryCount).orElse(0);
    if (count == 0) {
      throw new InvalidModuleException(
          InvalidModuleException.MISSING_EXPORT,
          "module defines no memory; it must define one and export it as \"memory\"");
    }
    if (count > 1) {
      throw new InvalidModuleException(
          InvalidModuleException.UNSUPPORTED_MEMORY,
          "module defines " + count + " memories; a job module has exactly one");
    }
    MemoryLimits limits = module.memorySection().get().getMemory(0).limits();
    if (limits.shared()) {
      throw new InvalidModuleException(
          InvalidModuleException.UNSUPPORTED_MEMORY,
          "module declares a shared memory; job modules run single-threaded with unshared memory");
    }
    long initialBytes = limits.initialPages() * JobAbi.PAGE_BYTES;
    if (initialBytes > maxMemoryBytes) {
      throw new InvalidModuleException(
          InvalidModuleException.MEMORY_TOO_LARGE,
          "module declares an initial memory of "
              + initialBytes
              + " bytes ("
              + limits.initialPages()
              + " pages); the limit is "
              + maxMemoryBytes
              + " bytes");
    }
    return limits;
  }

  /**
   * The exports by name, each checked to name something that exists, and no name twice. Chicory's
   * parser checks neither (found by fuzzing: an {@code execute} export of function 16 in a module
   * of two functions passed it), and WebAssembly validation requires both.
   */
  private static Map<String, Export> exportsByName(WasmModule module)
      throws InvalidModuleException {
    var section = module.exportSection();
    ImportSection imports = module.importSection();
    Map<String, Export> byName = new HashMap<>();
    for (int i = 0; i < section.exportCount(); i++) {
      Export export = section.getExport(i);
      long defined =
          switch (export.exportType()) {
            case FUNCTION -> module.functionSection().functionCount();
            case TABLE -> module.tableSection().tableCount();
            case MEMORY -> module.memorySection().map(m -> m.memoryCount()).orElse(0);
            case GLOBAL -> module.globalSection().globalCount();
            case TAG -> module.tagSection().map(t -> t.tagCount()).orElse(0);
          };
      long available = imports.count(export.exportType()) + defined;
      if (export.index() < 0 || export.index() >= available) {
        throw new InvalidModuleException(
            InvalidModuleException.MALFORMED_MODULE,
            "export \""
                + export.name()
                + "\" names "
                + kind(export.exportType())
                + " "
                + Integer.toUnsignedLong(export.index())
                + ", but the module has "
                + available);
      }
      if (byName.put(export.name(), export) != null) {
        throw new InvalidModuleException(
            InvalidModuleException.MALFORMED_MODULE,
            "the module exports \"" + export.name() + "\" twice");
      }
    }
    return byName;
  }

  private static void checkMemoryExport(Export export) throws InvalidModuleException {
    if (export == null) {
      throw new InvalidModuleException(
          InvalidModuleException.MISSING_EXPORT,
          "module does not export its memory as \"" + JobAbi.MEMORY + "\"");
    }
    if (export.exportType() != ExternalType.MEMORY) {
      throw new InvalidModuleException(
          InvalidModuleException.WRONG_EXPORT_TYPE,
          "export \""
              + JobAbi.MEMORY
              + "\" is a "
              + kind(export.exportType())
              + "; it must be the module's memory");
    }
  }

  /** Returns whether the export exists, after checking it is a function of the ABI's type. */
  private static boolean checkFunctionExport(
      WasmModule module,
      Map<String, Export> exports,
      String name,
      FunctionType expected,
      boolean required)
      throws InvalidModuleException {
    Export export = exports.get(name);
    if (export == null) {
      if (required) {
        throw new InvalidModuleException(
            InvalidModuleException.MISSING_EXPORT,
            "module does not export \"" + name + "\" " + signature(expected));
      }
      return false;
    }
    if (export.exportType() != ExternalType.FUNCTION) {
      throw new InvalidModuleException(
          InvalidModuleException.WRONG_EXPORT_TYPE,
          "export \""
              + name
              + "\" is a "
              + kind(export.exportType())
              + "; it must be a function "
              + signature(expected));
    }
    FunctionType actual = functionType(module, export.index());
    if (!expected.equals(actual)) {
      throw new InvalidModuleException(
          InvalidModuleException.WRONG_EXPORT_TYPE,
          "export \""
              + name
              + "\" has type "
              + signature(actual)
              + "; the ABI requires "
              + signature(expected));
    }
    return true;
  }

  /** Finds a function's type; imported functions come first in the function index space. */
  private static FunctionType functionType(WasmModule module, int functionIndex) {
    ImportSection imports = module.importSection();
    int imported = imports.count(ExternalType.FUNCTION);
    if (functionIndex >= imported) {
      int typeIndex = module.functionSection().getFunctionType(functionIndex - imported);
      return module.typeSection().getType(typeIndex);
    }
    int seen = 0;
    for (int i = 0; i < imports.importCount(); i++) {
      Import candidate = imports.getImport(i);
      if (candidate.importType() == ExternalType.FUNCTION && seen++ == functionIndex) {
        return module.typeSection().getType(((FunctionImport) candidate).typeIndex());
      }
    }
    return null;
  }

  /** Spells a value type as the WebAssembly text format does ({@code i32}, not {@code I32}). */
  private static String typeName(ValType type) {
    return type.toString().toLowerCase(Locale.ROOT);
  }

  private static String signature(FunctionType type) {
    if (type == null) {
      return "(not a plain function type)";
    }
    return "("
        + type.params().stream().map(ModuleValidator::typeName).collect(Collectors.joining(", "))
        + ") -> ("
        + type.returns().stream().map(ModuleValidator::typeName).collect(Collectors.joining(", "))
        + ")";
  }
}
