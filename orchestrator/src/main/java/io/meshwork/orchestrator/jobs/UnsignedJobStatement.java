package io.meshwork.orchestrator.jobs;

import java.util.List;

/**
 * What this orchestrator states about a completed job before it signs it: the job statement of
 * docs/RECEIPTS.md ("Job statements") field for field, without the signature. The receipt log port
 * signs it with the orchestrator's key, encodes it and anchors it ({@link
 * ReceiptLog#anchorStatement}).
 *
 * @param chunkRoot RFC 9162 root over the chunk result CIDs in chunk order ({@code ResultTree})
 * @param levels the delegation levels, the job's own first
 * @param receiptCids every receipt behind the result: chunks, split and merges
 */
public record UnsignedJobStatement(
    String jobId,
    String orchestratorDid,
    String moduleCid,
    String inputCid,
    String resultCid,
    long chunkCount,
    byte[] chunkRoot,
    List<Level> levels,
    List<String> receiptCids) {

  /** Copies the lists. */
  public UnsignedJobStatement {
    chunkRoot = chunkRoot.clone();
    levels = List.copyOf(levels);
    receiptCids = List.copyOf(receiptCids);
  }

  @Override
  public byte[] chunkRoot() {
    return chunkRoot.clone();
  }

  /**
   * One level of the delegation tree (docs/RECEIPTS.md): the orchestrator that ran a range of the
   * job's chunks and combined its children's results.
   *
   * @param path {@code ""} for the job's own level, {@code "2"}, {@code "2.0"} below it
   * @param childrenRoot RFC 9162 root over the children's result CIDs
   * @param combine {@code merge} or {@code concatenate}
   */
  public record Level(
      String path,
      String orchestratorDid,
      long firstChunk,
      long chunkCount,
      long childCount,
      byte[] childrenRoot,
      String combine,
      String resultCid) {
    /** Copies the root. */
    public Level {
      childrenRoot = childrenRoot.clone();
    }

    @Override
    public byte[] childrenRoot() {
      return childrenRoot.clone();
    }
  }
}
