package io.meshwork.executor.work;

import io.meshwork.runtime.errors.MeshException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Results delivered as commitments (redundant verification), kept until the assigning orchestrator
 * asks for the bytes. Bounded by count and by bytes, oldest out first: an orchestrator reveals
 * within seconds of the last replica committing, or runs the chunk again.
 */
final class Commitments {
  private record Kept(String orchestratorDid, byte[] bytes) {}

  private final int maxEntries;
  private final long maxBytes;
  private final Map<String, Kept> kept = new LinkedHashMap<>();
  private long bytes;

  Commitments(int maxEntries, long maxBytes) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  synchronized void keep(String assignmentId, String orchestratorDid, byte[] result) {
    Kept old = kept.put(assignmentId, new Kept(orchestratorDid, result));
    if (old != null) {
      bytes -= old.bytes.length;
    }
    bytes += result.length;
    Iterator<Kept> oldest = kept.values().iterator();
    while ((kept.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
      bytes -= oldest.next().bytes.length;
      oldest.remove();
    }
  }

  /** The bytes, once: a revealed result is forgotten. */
  synchronized byte[] reveal(String assignmentId, String callerDid) {
    Kept k = kept.get(assignmentId);
    if (k == null) {
      throw MeshException.notFound(
              "NO_COMMITMENT",
              "no committed result is kept here for assignment '" + assignmentId + "'")
          .with("assignment_id", assignmentId);
    }
    if (!k.orchestratorDid.equals(callerDid)) {
      throw notTheAssigner(assignmentId, "read its result");
    }
    kept.remove(assignmentId);
    bytes -= k.bytes.length;
    return k.bytes;
  }

  /** The refusal of another orchestrator's request about an assignment it did not make. */
  static MeshException notTheAssigner(String assignmentId, String what) {
    return new MeshException(
            MeshException.Kind.PERMISSION_DENIED,
            "NOT_THE_ASSIGNER",
            "only the orchestrator that assigned " + assignmentId + " may " + what)
        .with("assignment_id", assignmentId);
  }
}
