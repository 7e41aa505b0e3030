package io.meshwork.sandbox;

import io.meshwork.wasm.abi.ModuleInfo;

/**
 * A validated module, ready to be called any number of times by the {@link WasmEngine} that
 * compiled it; safe to share between threads.
 */
public interface CompiledModule {

  /** What validation learned about the module: optional exports and declared memory. */
  ModuleInfo info();
}
