package io.meshwork.receipt.format;

import io.meshwork.content.Cid;
import io.meshwork.content.ResultTree;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.identity.Identity;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An orchestrator's signed statement of a job's result: which module ran on which input, the
 * result, the RFC 9162 root over the chunk results in chunk order ({@link ResultTree}), the tree of
 * delegation levels that produced it, and every receipt behind it. The receipt log anchors it like
 * a receipt, so that a third party can check a job's result offline ({@link JobVerifier}).
 *
 * <p>docs/RECEIPTS.md ("Job statements") specifies the byte encoding ({@link JobStatementCodec}).
 * The statement holds no time of its own, so the same job yields the same bytes whenever it is
 * issued (Ed25519 signatures are deterministic): an orchestrator that issues it again after a
 * restart anchors the same leaf, which the log keeps once.
 *
 * @param jobId the job
 * @param orchestratorDid the orchestrator that ran the job and signs the statement
 * @param moduleCid CID of the job's module
 * @param inputCid CID of the job's input
 * @param resultCid CID of the job's result
 * @param chunkCount chunks in the job: the leaves of the tree named by {@code chunkRoot}
 * @param chunkRoot RFC 9162 root over the chunk result CIDs in chunk order
 * @param levels the delegation levels, the job's own first ({@link Level})
 * @param receiptCids the CID of every receipt behind the result: chunks and merges, every level
 * @param signature Ed25519 over {@link #signedBytes()} by the key of {@code orchestratorDid}; empty
 *     before signing
 */
public record JobStatement(
    String jobId,
    String orchestratorDid,
    String moduleCid,
    String inputCid,
    String resultCid,
    long chunkCount,
    byte[] chunkRoot,
    List<Level> levels,
    List<String> receiptCids,
    byte[] signature) {

  /** The encoding version this code reads and writes. */
  public static final int VERSION = 1;

  /**
   * One node of the delegation tree: the orchestrator that ran a contiguous range of the job's
   * chunks and combined its children's results into one. A child is either a chunk (a leaf of the
   * job's chunk tree) or a lower level, whose path is this level's path followed by {@code .} and
   * the child's position. A job run by one orchestrator has one level, whose children are all its
   * chunks.
   *
   * @param path where the level sits: {@code ""} for the job's own level, {@code "2"} for the job's
   *     third child, {@code "2.0"} for that level's first child
   * @param orchestratorDid the orchestrator that ran this level
   * @param firstChunk the job-wide index of the first chunk under this level
   * @param chunkCount the chunks under this level, at every depth
   * @param childCount the level's children
   * @param childrenRoot RFC 9162 root ({@link ResultTree}) over the children's result CIDs in order
   * @param combine how the children's results became {@code resultCid}: {@code merge} (the module's
   *     merge export, run over the frame list of the children's results, with a receipt of its own)
   *     or {@code concatenate} (the results end to end, for a module without merge)
   * @param resultCid CID of this level's result
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
    /** {@code combine} of a level whose result is the module's merge. */
    public static final String MERGE = "merge";

    /** {@code combine} of a level whose result is its children's results end to end. */
    public static final String CONCATENATE = "concatenate";

    /** Copies the root so the record stays immutable. */
    public Level {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(orchestratorDid, "orchestratorDid");
      Objects.requireNonNull(combine, "combine");
      Objects.requireNonNull(resultCid, "resultCid");
      childrenRoot = childrenRoot.clone();
    }

    @Override
    public byte[] childrenRoot() {
      return childrenRoot.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Level l
          && path.equals(l.path)
          && orchestratorDid.equals(l.orchestratorDid)
          && firstChunk == l.firstChunk
          && chunkCount == l.chunkCount
          && childCount == l.childCount
          && Arrays.equals(childrenRoot, l.childrenRoot)
          && combine.equals(l.combine)
          && resultCid.equals(l.resultCid);
    }

    @Override
    public int hashCode() {
      return Objects.hash(path, firstChunk, chunkCount, resultCid);
    }
  }

  /** Copies the arrays and lists so the record stays immutable. */
  public JobStatement {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(orchestratorDid, "orchestratorDid");
    Objects.requireNonNull(moduleCid, "moduleCid");
    Objects.requireNonNull(inputCid, "inputCid");
    Objects.requireNonNull(resultCid, "resultCid");
    chunkRoot = chunkRoot.clone();
    levels = List.copyOf(levels);
    receiptCids = List.copyOf(receiptCids);
    signature = signature.clone();
  }

  @Override
  public byte[] chunkRoot() {
    return chunkRoot.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The bytes the orchestrator signs: the canonical encoding of every field but the signature. */
  public byte[] signedBytes() {
    return JobStatementCodec.signedBytes(this);
  }

  /**
   * The statement's log leaf: {@link #signedBytes()} followed by the 64-byte signature.
   *
   * @throws IllegalArgumentException if the statement is not signed
   */
  public byte[] leafBytes() {
    if (signature.length != Ed25519.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("the statement is not signed");
    }
    byte[] signed = signedBytes();
    byte[] leaf = Arrays.copyOf(signed, signed.length + signature.length);
    System.arraycopy(signature, 0, leaf, signed.length, signature.length);
    return leaf;
  }

  /** The statement's CID: the CID of its leaf bytes, as for a receipt. */
  public String cid() {
    return Cid.of(leafBytes());
  }

  /**
   * This statement signed by {@code orchestrator}, whose DID must be {@link #orchestratorDid()}.
   */
  public JobStatement signedBy(Identity orchestrator) {
    if (!orchestrator.did().equals(orchestratorDid)) {
      throw new IllegalArgumentException(
          "the statement names " + orchestratorDid + ", not the signer " + orchestrator.did());
    }
    return withSignature(orchestrator.sign(signedBytes()));
  }

  /** This statement with {@code signature} in place of its own. */
  public JobStatement withSignature(byte[] signature) {
    return new JobStatement(
        jobId,
        orchestratorDid,
        moduleCid,
        inputCid,
        resultCid,
        chunkCount,
        chunkRoot,
        levels,
        receiptCids,
        signature);
  }

  /**
   * Whether the signature verifies, strictly, under the key inside {@link #orchestratorDid()};
   * false too when that is not an Ed25519 {@code did:key}.
   */
  public boolean signatureValid() {
    byte[] key;
    try {
      key = DidKey.publicKey(orchestratorDid);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return Ed25519.verify(key, signedBytes(), signature);
  }

  /**
   * Decodes a statement's log leaf, strictly.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static JobStatement fromLeafBytes(byte[] leaf) {
    return JobStatementCodec.decode(leaf);
  }

  /** Whether {@code leaf} starts as a job statement does (its magic line), not as a receipt. */
  public static boolean isStatement(byte[] leaf) {
    return JobStatementCodec.hasMagic(leaf);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobStatement s
        && jobId.equals(s.jobId)
        && orchestratorDid.equals(s.orchestratorDid)
        && moduleCid.equals(s.moduleCid)
        && inputCid.equals(s.inputCid)
        && resultCid.equals(s.resultCid)
        && chunkCount == s.chunkCount
        && Arrays.equals(chunkRoot, s.chunkRoot)
        && levels.equals(s.levels)
        && receiptCids.equals(s.receiptCids)
        && Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jobId, resultCid, Arrays.hashCode(chunkRoot));
  }

  @Override
  public String toString() {
    return "JobStatement[job "
        + jobId
        + ", result "
        + resultCid
        + ", "
        + chunkCount
        + " chunks, "
        + levels.size()
        + " levels, "
        + receiptCids.size()
        + " receipts]";
  }
}
