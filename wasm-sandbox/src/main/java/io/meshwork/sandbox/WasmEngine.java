package io.meshwork.sandbox;

import io.meshwork.sandbox.internal.ChicoryEngine;
import io.meshwork.wasm.abi.JobAbi;
import io.meshwork.wasm.abi.ModuleValidator;

/**
 * Runs job modules in a sandbox: compile a module once, then call its exports, each call in a fresh
 * instance under {@link SandboxLimits}.
 *
 * <p>Get the engine the executor runs from {@link #chicory()}; tests may implement this interface
 * to wrap or replace it.
 */
public interface WasmEngine {

  /**
   * The engine built on Chicory's runtime compiler, accepting modules within the ABI's default caps
   * on module size and declared memory ({@link JobAbi#DEFAULT_MAX_MODULE_BYTES}, {@link
   * JobAbi#DEFAULT_MAX_MEMORY_BYTES}).
   */
  static WasmEngine chicory() {
    return new ChicoryEngine();
  }

  /**
   * The engine built on Chicory's runtime compiler, with the operator's caps on the modules it
   * compiles. Each call's own limits come with the call, in {@link SandboxLimits}.
   *
   * @param maxModuleBytes the largest module binary {@link #compile} accepts
   * @param maxMemoryBytes the largest declared initial memory {@link #compile} accepts
   */
  static WasmEngine chicory(long maxModuleBytes, long maxMemoryBytes) {
    return new ChicoryEngine(maxModuleBytes, maxMemoryBytes);
  }

  /**
   * The engine built on Chicory's runtime compiler, with the operator's caps on the modules it
   * compiles, tables and element segments included.
   */
  static WasmEngine chicory(ModuleValidator.Limits moduleLimits) {
    return new ChicoryEngine(moduleLimits);
  }

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
