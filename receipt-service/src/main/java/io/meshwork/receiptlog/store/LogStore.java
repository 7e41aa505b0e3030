package io.meshwork.receiptlog.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the receipt log keeps its leaves, the hashes of its complete subtrees, the checkpoints it
 * published and the member lists orchestrators sent it.
 *
 * <p>The store holds no tree logic: the log computes the subtree hashes and the store keeps them,
 * so that a proof reads O(log n) hashes instead of rebuilding the tree. The log has a single writer
 * (its appender), so {@link #append} is called by one thread at a time; the reading methods may be
 * called from any thread. Failures surface as {@link LogStoreException}.
 */
public interface LogStore extends AutoCloseable {
  /** The number of leaves in the log. */
  long size();

  /** Every leaf hash in index order; used to fill in subtree hashes a store lacks. */
  List<byte[]> leafHashes();

  /** Up to {@code limit} leaves from index {@code fromIndex} on, in log order. */
  List<LeafRecord> leaves(long fromIndex, int limit);

  /** The leaf of the receipt with this CID, if it was anchored. */
  Optional<LeafRecord> findByCid(String cid);

  /**
   * The leaves of those receipts among {@code cids} that were anchored, by CID, in as few reads as
   * the database allows: the appender looks a whole group up at once.
   */
  Map<String, LeafRecord> findByCids(Collection<String> cids);

  /** Up to {@code limit} leaves of one job with an index above {@code afterIndex}, in log order. */
  List<LeafRecord> listByJob(String jobId, long afterIndex, int limit);

  /**
   * The hashes of these complete subtrees, in one read; level 0 are the leaf hashes. Subtrees the
   * store does not hold are absent from the result.
   */
  Map<NodeId, byte[]> nodes(Collection<NodeId> ids);

  /**
   * Appends leaves, the subtree hashes they complete and the checkpoint that covers them in one
   * transaction (one durable commit).
   *
   * <p>The leaves must continue the log: the first index equals {@link #size()} and the rest follow
   * densely. {@code leaves} may be empty to publish a checkpoint alone. {@code nodes} holds levels
   * 1 and up (level 0 is the leaves' own hash).
   *
   * @throws LogStoreException if the write fails or the leaves do not continue the log; nothing is
   *     then written
   */
  void append(List<LeafRecord> leaves, Map<NodeId, byte[]> nodes, CheckpointRecord checkpoint);

  /**
   * Stores subtree hashes computed from leaves already in the log (for a store written before they
   * were kept); hashes already stored are left alone.
   */
  void putNodes(Map<NodeId, byte[]> nodes);

  /** The checkpoint published for exactly {@code treeSize} leaves, if any. */
  Optional<CheckpointRecord> checkpoint(long treeSize);

  /** The checkpoint with the largest tree size, if any was published. */
  Optional<CheckpointRecord> latestCheckpoint();

  /** Every published checkpoint, by tree size ascending (for audits; the list may be long). */
  List<CheckpointRecord> checkpoints();

  /**
   * Replaces the stored list of {@code list.orchestratorDid()} with {@code list}, in one
   * transaction, whatever version was stored: the log decides which version wins.
   *
   * @throws LogStoreException if the write fails; the previous list is then kept
   */
  void replaceMembers(MemberList list);

  /** Every orchestrator's stored member list, read once when the log opens. */
  List<MemberList> memberLists();

  /** Releases the connections. */
  @Override
  void close();
}
