package io.meshwork.wasm.abi;

import java.util.OptionalLong;
import java.util.Set;

/**
 * What validation learned about an accepted job module: which optional exports it has and how much
 * memory it declares.
 *
 * @param hasSplit the module exports {@code split}, so the {@code wasm} split strategy can use it
 * @param hasMerge the module exports {@code merge}, so chunk results are merged through it
 * @param declaredMinMemoryBytes the initial size of its memory, which every instance allocates
 * @param declaredMaxMemoryBytes the maximum it declares for its memory, if it declares one
 * @param sizeBytes the size of the binary
 * @param hostImports the sandbox host functions it imports, as {@code module.name}
 */
public record ModuleInfo(
    boolean hasSplit,
    boolean hasMerge,
    long declaredMinMemoryBytes,
    OptionalLong declaredMaxMemoryBytes,
    long sizeBytes,
    Set<String> hostImports) {

  /** Copies the import set so the record stays immutable. */
  public ModuleInfo {
    hostImports = Set.copyOf(hostImports);
  }
}
