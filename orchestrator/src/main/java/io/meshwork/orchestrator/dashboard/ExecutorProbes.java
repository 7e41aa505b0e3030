package io.meshwork.orchestrator.dashboard;

import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the executors of {@code orchestrator.executors} say of themselves when asked: their DID and
 * load. Membership lists such an executor by its endpoint alone, since it never joins or
 * heartbeats; the dashboard asks it through the orchestrator's own handle, at most every two
 * seconds however many pages poll.
 */
final class ExecutorProbes {
  private static final long FRESH_MILLIS = 2_000;
  private static final Duration WAIT = Duration.ofSeconds(2);

  private final Supplier<List<ExecutorHandle>> handles;
  private final Clock clock;
  private final Map<String, Probe> last = new HashMap<>();

  private record Probe(Optional<ExecutorCapacity> capacity, long at) {}

  ExecutorProbes(Supplier<List<ExecutorHandle>> handles, Clock clock) {
    this.handles = handles;
    this.clock = clock;
  }

  /** The executor at {@code endpoint} as it reports itself; empty when it does not answer. */
  synchronized Optional<ExecutorCapacity> capacity(String endpoint) {
    long now = clock.millis();
    Probe p = last.get(endpoint);
    if (p != null && now - p.at() < FRESH_MILLIS) {
      return p.capacity();
    }
    Optional<ExecutorCapacity> answer = Optional.empty();
    for (ExecutorHandle h : handles.get()) {
      if (h.endpoint().equals(endpoint)) {
        try {
          answer = Optional.of(h.capacity(WAIT));
        } catch (RuntimeException e) {
          // Shown as not answering; the orchestrator's own probes decide what that means.
        }
        break;
      }
    }
    last.put(endpoint, new Probe(answer, now));
    return answer;
  }
}
