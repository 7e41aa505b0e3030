package io.meshwork.wasm.abi;

/** The names and sizes fixed by WASM-ABI version 1, shared by the validator and the sandbox. */
public final class JobAbi {

  /** The exported linear memory the host reads and writes. */
  public static final String MEMORY = "memory";

  /** {@code (len: i32) -> i32}: where the host may write the input. */
  public static final String ALLOC = "alloc";

  /** {@code (ptr: i32, len: i32) -> i64}: processes one chunk. */
  public static final String EXECUTE = "execute";

  /** {@code (ptr: i32, len: i32) -> i64}: optional, cuts the input into a frame list. */
  public static final String SPLIT = "split";

  /** {@code (ptr: i32, len: i32) -> i64}: optional, combines a frame list of results. */
  public static final String MERGE = "merge";

  /** Module name of the debug-log host function. */
  public static final String LOG_MODULE = "meshwork";

  /** Field name of the debug-log host function, {@code (ptr: i32, len: i32) -> ()}. */
  public static final String LOG_NAME = "log";

  /** Module name of AssemblyScript's abort host function. */
  public static final String ABORT_MODULE = "env";

  /** Field name of AssemblyScript's abort, {@code (msg, file, line, col: i32) -> ()}. */
  public static final String ABORT_NAME = "abort";

  /** Size of a WebAssembly memory page. */
  public static final long PAGE_BYTES = 65_536;

  /** Default cap on a module's binary size. */
  public static final long DEFAULT_MAX_MODULE_BYTES = 16L << 20;

  /** Default cap on a module's linear memory. */
  public static final long DEFAULT_MAX_MEMORY_BYTES = 256L << 20;

  /**
   * Default cap on the entries a module's table may start with, and on the entries its element
   * segments may carry together. Chicory gives every instance its own copy of the table, about 12
   * bytes an entry, outside the linear memory the memory limit caps.
   */
  public static final long DEFAULT_MAX_TABLE_ELEMENTS = 100_000;

  private JobAbi() {}
}
