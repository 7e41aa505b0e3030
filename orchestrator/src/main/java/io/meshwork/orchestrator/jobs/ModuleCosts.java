package io.meshwork.orchestrator.jobs;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each module was measured to cost here: fuel used per input byte, from the receipts of its
 * settled chunks. Chunk planning weighs a job by it when the manifest gives no hint.
 */
final class ModuleCosts {
  // Fuel used and input bytes seen, per module CID.
  private final Map<String, double[]> fuelAndBytes = new ConcurrentHashMap<>();

  /** Adds one settled chunk's fuel and input size. */
  void record(String moduleCid, long fuel, long inputBytes) {
    if (inputBytes == 0) {
      return;
    }
    fuelAndBytes.merge(
        moduleCid,
        new double[] {fuel, inputBytes},
        (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
  }

  /** The module's fuel per input byte so far, if any chunk of it was settled here. */
  OptionalDouble fuelPerByte(String moduleCid) {
    double[] measured = fuelAndBytes.get(moduleCid);
    return measured == null || measured[1] == 0
        ? OptionalDouble.empty()
        : OptionalDouble.of(measured[0] / measured[1]);
  }
}
