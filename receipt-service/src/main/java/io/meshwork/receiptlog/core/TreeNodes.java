package io.meshwork.receiptlog.core;

import io.meshwork.receiptlog.store.NodeId;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads complete-subtree hashes in batches: from the store, or from memory for the nodes an append
 * has just computed. Missing nodes are absent from the result.
 */
@FunctionalInterface
interface TreeNodes {
  Map<NodeId, byte[]> read(Collection<NodeId> ids);

  /** Nodes found in {@code memory}, the rest from {@code fallback} in one read. */
  static TreeNodes layered(Map<NodeId, byte[]> memory, TreeNodes fallback) {
    return ids -> {
      Map<NodeId, byte[]> out = new HashMap<>();
      java.util.List<NodeId> missing = new java.util.ArrayList<>();
      for (NodeId id : ids) {
        byte[] h = memory.get(id);
        if (h != null) {
          out.put(id, h);
        } else {
          missing.add(id);
        }
      }
      if (!missing.isEmpty()) {
        out.putAll(fallback.read(missing));
      }
      return out;
    };
  }
}
