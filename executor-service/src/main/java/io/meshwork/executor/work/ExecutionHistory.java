package io.meshwork.executor.work;

import io.meshwork.sandbox.CallOutcome;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What each module's {@code execute} cost here lately: fuel per input byte, which is the same on
 * every executor since fuel is deterministic, and fuel per millisecond, which is this machine's
 * speed. Bids use them to state the fuel a task should need and how long it should take.
 *
 * <p>Bounded to the most recently used modules; figures are moving averages, since chunks of one
 * job differ somewhat in how much work each byte takes.
 */
final class ExecutionHistory {
  private static final int MODULES = 256;
  private static final double WEIGHT_OF_NEWEST = 0.25;

  private record Costs(double fuelPerByte, double fuelPerMilli) {}

  private final Map<String, Costs> byModule =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Costs> eldest) {
          return size() > MODULES;
        }
      };

  synchronized void record(String moduleCid, long inputBytes, CallOutcome outcome) {
    double perByte = (double) outcome.fuelUsed() / inputBytes;
    double millis = Math.max(0.001, outcome.elapsed().toNanos() / 1e6);
    double perMilli = outcome.fuelUsed() / millis;
    Costs old = byModule.get(moduleCid);
    byModule.put(
        moduleCid,
        old == null
            ? new Costs(perByte, perMilli)
            : new Costs(blend(old.fuelPerByte, perByte), blend(old.fuelPerMilli, perMilli)));
  }

  synchronized OptionalLong fuelEstimate(String moduleCid, long inputBytes) {
    Costs costs = byModule.get(moduleCid);
    return costs == null
        ? OptionalLong.empty()
        : OptionalLong.of((long) Math.ceil(costs.fuelPerByte * inputBytes));
  }

  synchronized OptionalLong timeEstimateMillis(String moduleCid, long inputBytes) {
    Costs costs = byModule.get(moduleCid);
    if (costs == null || costs.fuelPerMilli <= 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(
        Math.max(1, (long) Math.ceil(costs.fuelPerByte * inputBytes / costs.fuelPerMilli)));
  }

  private static double blend(double old, double newest) {
    return old + WEIGHT_OF_NEWEST * (newest - old);
  }
}
