package io.meshwork.receiptlog.store;

import java.util.List;
import java.util.Optional;

/**
 * Where the receipt log keeps its leaves and the checkpoints it published.
 *
 * <p>The store holds no tree logic: it appends leaves with dense indices and returns them. The log
 * has a single writer (its appender), so {@link #append} is called by one thread at a time; the
 * reading methods may be called from any thread. Failures surface as {@link LogStoreException}.
 */
public interface LogStore extends AutoCloseable {
  /** The number of leaves in the log. */
  long size();

  /** Every leaf hash in index order; used to rebuild the in-memory tree on start. */
  List<byte[]> leafHashes();

  /** The leaf of the receipt with this CID, if it was anchored. */
  Optional<LeafRecord> findByCid(String cid);

  /** Up to {@code limit} leaves of one job with an index above {@code afterIndex}, in log order. */
  List<LeafRecord> listByJob(String jobId, long afterIndex, int limit);

  /**
   * Appends leaves and the checkpoint that covers them in one transaction (one durable commit).
   *
   * <p>The leaves must continue the log: the first index equals {@link #size()} and the rest follow
   * densely. {@code leaves} may be empty to publish a checkpoint alone.
   *
   * @throws LogStoreException if the write fails or the leaves do not continue the log; nothing is
   *     then written
   */
  void append(List<LeafRecord> leaves, CheckpointRecord checkpoint);

  /** The checkpoint published for exactly {@code treeSize} leaves, if any. */
  Optional<CheckpointRecord> checkpoint(long treeSize);

  /** The checkpoint with the largest tree size, if any was published. */
  Optional<CheckpointRecord> latestCheckpoint();

  /** Every published checkpoint, by tree size ascending (for audits; the list may be long). */
  List<CheckpointRecord> checkpoints();

  /** Releases the connections. */
  @Override
  void close();
}
