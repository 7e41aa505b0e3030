package io.meshwork.sandbox;

/**
 * Runs job modules in a sandbox: compile a module once, then call its exports, each call in a fresh
 * instance under {@link SandboxLimits}.
 */
public interface WasmEngine {

  /**
   * Validates a module against the job ABI and compiles it.
   *
   * @throws SandboxException of kind {@link FailureKind#INVALID_MODULE} when the module breaks the
   *     ABI (the cause is then an {@link io.meshwork.wasm.abi.InvalidModuleException} carrying the
   *     reason code) or cannot be compiled
   */
  CompiledModule compile(byte[] wasm) throws SandboxException;

  /**
   * Calls one of the module's ABI exports ({@code execute}, {@code split} or {@code merge}) on
   * {@code input} in a fresh instance and returns what it produced.
   *
   * @param module a module this engine compiled
   * @throws SandboxException naming the export and what went wrong
   * @throws IllegalArgumentException if {@code export} is not one of the three entry points, or
   *     {@code module} comes from another engine
   */
  CallOutcome call(CompiledModule module, String export, byte[] input, SandboxLimits limits)
      throws SandboxException;

  /** The engine's name as recorded in execution receipts. */
  String engineName();

  /** The engine's version as recorded in execution receipts. */
  String engineVersion();
}
