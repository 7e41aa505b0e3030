package io.meshwork.benchmarks;

import io.meshwork.sandbox.WasmEngine;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Times the first compile of a module in a JVM that has compiled nothing yet: what an executor pays
 * for a module it has not seen, right after it starts. The harness runs this in a child JVM per
 * measurement, because in its own JVM every compile after the first finds Chicory's compiler
 * already warmed up.
 */
final class FirstCompile {

  private FirstCompile() {}

  /** Compiles the module at {@code args[0]} on a fresh engine and prints the nanoseconds taken. */
  public static void main(String[] args) throws Exception {
    byte[] wasm = Files.readAllBytes(Path.of(args[0]));
    long start = System.nanoTime();
    WasmEngine.chicory().compile(wasm);
    long elapsed = System.nanoTime() - start;
    System.out.println(elapsed);
  }
}
