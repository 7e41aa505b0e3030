package io.meshwork.wasm.abi;

/**
 * Reports that a module breaks the job ABI, so it is refused before anything runs it.
 *
 * <p>{@link #reason()} is a stable UPPER_SNAKE_CASE code for machines (it becomes the {@code
 * ErrorInfo} reason of an {@code INVALID_ARGUMENT}); the message names the offending export, import
 * or size for people.
 */
public final class InvalidModuleException extends Exception {

  private static final long serialVersionUID = 1L;

  /** The binary does not parse or does not pass WebAssembly validation. */
  public static final String MALFORMED_MODULE = "MALFORMED_MODULE";

  /** The binary is larger than the module size limit. */
  public static final String MODULE_TOO_LARGE = "MODULE_TOO_LARGE";

  /** A required export ({@code memory}, {@code alloc} or {@code execute}) is absent. */
  public static final String MISSING_EXPORT = "MISSING_EXPORT";

  /** An ABI export has the wrong kind or function type. */
  public static final String WRONG_EXPORT_TYPE = "WRONG_EXPORT_TYPE";

  /** The module imports something the sandbox does not provide. */
  public static final String FORBIDDEN_IMPORT = "FORBIDDEN_IMPORT";

  /** The module imports a host function the sandbox provides, but with another type. */
  public static final String WRONG_IMPORT_TYPE = "WRONG_IMPORT_TYPE";

  /** The declared initial memory is above the memory limit. */
  public static final String MEMORY_TOO_LARGE = "MEMORY_TOO_LARGE";

  /** The module has several memories or a shared one, which the sandbox cannot cap. */
  public static final String UNSUPPORTED_MEMORY = "UNSUPPORTED_MEMORY";

  /**
   * The module uses a WebAssembly proposal the sandbox does not accept: garbage collection, typed
   * function references, exception handling, threads (atomics), SIMD, tail calls, or {@code
   * table.grow}.
   */
  public static final String UNSUPPORTED_FEATURE = "UNSUPPORTED_FEATURE";

  /** The module defines more than one table. */
  public static final String UNSUPPORTED_TABLE = "UNSUPPORTED_TABLE";

  /** A table starts with more entries than the limit. */
  public static final String TABLE_TOO_LARGE = "TABLE_TOO_LARGE";

  /** The element segments together carry more entries than the limit. */
  public static final String TOO_MANY_ELEMENTS = "TOO_MANY_ELEMENTS";

  /** A function declares more locals than the limit. */
  public static final String TOO_MANY_LOCALS = "TOO_MANY_LOCALS";

  private final String reason;

  /** Creates the exception with its machine-readable reason and a message for people. */
  public InvalidModuleException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Creates the exception keeping the parser's failure as the cause. */
  public InvalidModuleException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** The stable UPPER_SNAKE_CASE code of the rule the module breaks. */
  public String reason() {
    return reason;
  }
}
