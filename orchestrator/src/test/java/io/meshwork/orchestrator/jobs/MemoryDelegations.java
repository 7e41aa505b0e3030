package io.meshwork.orchestrator.jobs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The delegation journal in memory; like {@link MemoryJournal}, it outlives its coordinator. */
final class MemoryDelegations implements DelegationJournal {
  private final Map<String, Accepted> open = new LinkedHashMap<>();
  private final Map<String, Map<String, SettledPart>> parts = new LinkedHashMap<>();
  private final Map<String, List<Long>> cuts = new LinkedHashMap<>();

  @Override
  public synchronized void accepted(Accepted d) {
    open.putIfAbsent(d.requestId(), d);
  }

  @Override
  public synchronized void settled(String requestId, SettledPart part) {
    parts.computeIfAbsent(requestId, k -> new LinkedHashMap<>()).putIfAbsent(part.taskId(), part);
  }

  @Override
  public synchronized Map<String, SettledPart> settledParts(String requestId) {
    return Map.copyOf(parts.getOrDefault(requestId, Map.of()));
  }

  @Override
  public synchronized List<Long> fixCut(String requestId, List<Long> boundaries) {
    if (!open.containsKey(requestId)) {
      return boundaries;
    }
    return cuts.computeIfAbsent(requestId, k -> List.copyOf(boundaries));
  }

  @Override
  public synchronized List<Accepted> open() {
    List<Accepted> all = new ArrayList<>(open.values());
    all.sort(Comparator.comparingLong(Accepted::acceptedAt));
    return all;
  }

  @Override
  public synchronized void finished(String requestId) {
    open.remove(requestId);
    parts.remove(requestId);
    cuts.remove(requestId);
  }
}
