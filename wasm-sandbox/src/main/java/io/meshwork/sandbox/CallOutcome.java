package io.meshwork.sandbox;

import java.time.Duration;
import java.util.List;

/**
 * The result of one successful call into a module.
 *
 * @param output the bytes the export returned
 * @param log debug lines the guest wrote through {@code meshwork.log}, bounded in number and size
 * @param fuelUsed fuel the call consumed, start function included: one per WebAssembly instruction
 *     executed, plus one per byte or table entry a bulk instruction writes (docs/WASM.md)
 * @param elapsed wall time the call took, instantiation included; informational only, since it
 *     differs from one run to the next
 */
public record CallOutcome(byte[] output, List<String> log, long fuelUsed, Duration elapsed) {

  /** Copies the log so the record stays immutable. */
  public CallOutcome {
    log = List.copyOf(log);
  }
}
