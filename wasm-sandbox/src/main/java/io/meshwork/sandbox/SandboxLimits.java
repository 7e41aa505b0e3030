package io.meshwork.sandbox;

/**
 * The resources one call into a module may use; reaching any of them fails the call with the
 * matching {@link FailureKind}.
 *
 * @param fuel deterministic CPU budget, in WebAssembly instructions executed plus the bytes and
 *     table entries bulk instructions write (docs/WASM.md)
 * @param memoryBytes cap on linear memory, in bytes (rounded down to whole 64 KiB pages)
 * @param wallTimeMillis time the call may take, instantiation included
 * @param stackBytes size of the thread stack the guest runs on, which bounds call depth
 * @param maxOutputBytes largest result the call may return
 * @param maxInputBytes largest input the call accepts
 */
public record SandboxLimits(
    long fuel,
    long memoryBytes,
    long wallTimeMillis,
    long stackBytes,
    long maxOutputBytes,
    long maxInputBytes) {

  private static final SandboxLimits DEFAULTS =
      new SandboxLimits(1_000_000_000L, 256L << 20, 30_000, 1L << 20, 64L << 20, 64L << 20);

  /** Checks that every limit is positive. */
  public SandboxLimits {
    requirePositive("fuel", fuel);
    requirePositive("memoryBytes", memoryBytes);
    requirePositive("wallTimeMillis", wallTimeMillis);
    requirePositive("stackBytes", stackBytes);
    requirePositive("maxOutputBytes", maxOutputBytes);
    requirePositive("maxInputBytes", maxInputBytes);
  }

  /**
   * The WASM-ABI defaults: 10^9 fuel, 256 MiB of memory, 30 s, a 1 MiB stack, 64 MiB of output and
   * 64 MiB of input.
   */
  public static SandboxLimits defaults() {
    return DEFAULTS;
  }

  /** These limits with a different wall-time limit. */
  public SandboxLimits withWallTimeMillis(long millis) {
    return new SandboxLimits(fuel, memoryBytes, millis, stackBytes, maxOutputBytes, maxInputBytes);
  }

  /** These limits with a different memory cap. */
  public SandboxLimits withMemoryBytes(long bytes) {
    return new SandboxLimits(
        fuel, bytes, wallTimeMillis, stackBytes, maxOutputBytes, maxInputBytes);
  }

  /** These limits with a different output cap. */
  public SandboxLimits withMaxOutputBytes(long bytes) {
    return new SandboxLimits(fuel, memoryBytes, wallTimeMillis, stackBytes, bytes, maxInputBytes);
  }

  /** These limits with a different input cap. */
  public SandboxLimits withMaxInputBytes(long bytes) {
    return new SandboxLimits(fuel, memoryBytes, wallTimeMillis, stackBytes, maxOutputBytes, bytes);
  }

  private static void requirePositive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
