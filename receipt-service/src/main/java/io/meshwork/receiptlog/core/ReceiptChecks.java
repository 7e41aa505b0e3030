package io.meshwork.receiptlog.core;

import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.JobStatement;
import io.meshwork.receipt.format.ReceiptException;
import io.meshwork.receipt.format.ReceiptVerifier;
import io.meshwork.runtime.errors.MeshException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Decides whether the log takes a call's receipts, before they reach the appender: each must carry
 * a valid signature of its executor, and that executor must be one the log takes receipts from
 * ({@link ExecutorMembership}).
 *
 * <p>Checks run on the caller's thread (a large call also on the common fork-join pool), so
 * signature checks run in parallel on every core while the appender only appends; each executor's
 * key is validated once, not per receipt, and each receipt is encoded once.
 */
final class ReceiptChecks {
  /**
   * Executors whose validated keys the log remembers; a mesh has far fewer, so in practice every
   * key is validated once.
   */
  private static final int REMEMBERED_EXECUTOR_KEYS = 4096;

  /** Calls with at least this many receipts have their signatures checked on several threads. */
  private static final int PARALLEL_CHECK_MIN_RECEIPTS = 64;

  private final ExecutorMembership membership;
  private final ReceiptVerifier verifier =
      ReceiptVerifier.rememberingKeys(REMEMBERED_EXECUTOR_KEYS);

  ReceiptChecks(ExecutorMembership membership) {
    this.membership = membership;
  }

  /**
   * Checks every receipt of a call that {@code orchestratorDid} anchors; the first refused one, in
   * the call's order, fails the call.
   *
   * <p>Concurrent calls already verify on as many threads as there are calls. A large call is also
   * split across the common fork-join pool, with the caller's thread taking part, so that a single
   * client sending big batches still has every core checking its signatures.
   *
   * @throws MeshException INVALID_ARGUMENT {@code RECEIPT_INVALID}; FAILED_PRECONDITION {@code
   *     UNKNOWN_EXECUTOR}
   */
  List<Entry> checkAll(String orchestratorDid, List<ExecutionReceipt> receipts) {
    int n = receipts.size();
    if (n < PARALLEL_CHECK_MIN_RECEIPTS) {
      List<Entry> entries = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        entries.add(check(orchestratorDid, i, receipts.get(i)));
      }
      return entries;
    }
    Object[] results = new Object[n];
    IntStream.range(0, n)
        .parallel()
        .forEach(
            i -> {
              try {
                results[i] = check(orchestratorDid, i, receipts.get(i));
              } catch (MeshException e) {
                results[i] = e;
              }
            });
    List<Entry> entries = new ArrayList<>(n);
    for (Object result : results) {
      if (result instanceof MeshException refused) {
        throw refused;
      }
      entries.add((Entry) result);
    }
    return entries;
  }

  /**
   * Checks one receipt. It is encoded once: its leaf bytes carry the signed bytes the signature was
   * checked against, and name its CID and leaf hash.
   */
  private Entry check(String orchestratorDid, int position, ExecutionReceipt receipt) {
    byte[] leaf;
    try {
      leaf = verifier.verifiedLeaf(receipt);
    } catch (ReceiptException e) {
      throw MeshException.invalidArgument(
              "RECEIPT_INVALID",
              "receipts[" + position + "] is not a valid signed receipt: " + e.getMessage())
          .with("index", position)
          .with("check", e.check());
    }
    String executor = receipt.getExecutorDid();
    long finishedAt = receipt.getFinishedAt();
    if (!membership.accepts(orchestratorDid, executor, finishedAt)) {
      throw MeshException.failedPrecondition(
              "UNKNOWN_EXECUTOR",
              "receipts["
                  + position
                  + "] is signed by "
                  + executor
                  + ", which is not in the log's auth.executors and was not a member of the"
                  + " anchoring orchestrator's mesh at "
                  + finishedAtText(finishedAt)
                  + " (its finished_at)")
          .with("index", position)
          .with("executor_did", executor)
          .with("finished_at", Long.toUnsignedString(finishedAt));
    }
    return new Entry(receipt, Cid.of(leaf), leaf, MerkleHash.leaf(leaf));
  }

  private static String finishedAtText(long finishedAt) {
    return finishedAt < 0
        ? Long.toUnsignedString(finishedAt) + " ms"
        : Instant.ofEpochMilli(finishedAt).toString();
  }

  /**
   * Checks a job statement that {@code orchestratorDid} anchors: it must decode strictly, name the
   * calling orchestrator as its signer, and carry that orchestrator's valid signature. An
   * orchestrator vouches for its own jobs only.
   *
   * @throws MeshException INVALID_ARGUMENT {@code STATEMENT_INVALID} with the failed {@code check}
   *     ({@code encoding} or {@code signature}); PERMISSION_DENIED {@code STATEMENT_NOT_CALLERS}
   */
  Entry checkStatement(String orchestratorDid, byte[] leaf) {
    JobStatement statement;
    try {
      statement = JobStatement.fromLeafBytes(leaf);
    } catch (IllegalArgumentException e) {
      throw MeshException.invalidArgument(
              "STATEMENT_INVALID",
              "the statement is not a canonical job statement: " + e.getMessage())
          .with("check", "encoding");
    }
    if (!statement.orchestratorDid().equals(orchestratorDid)) {
      throw MeshException.permissionDenied(
              "STATEMENT_NOT_CALLERS",
              "the statement is signed for "
                  + statement.orchestratorDid()
                  + "; an orchestrator anchors only its own statements")
          .with("orchestrator_did", statement.orchestratorDid());
    }
    if (!statement.signatureValid()) {
      throw MeshException.invalidArgument(
              "STATEMENT_INVALID",
              "the statement's signature does not verify under its orchestrator_did")
          .with("check", "signature");
    }
    return new Entry(
        null, Cid.of(leaf), leaf, MerkleHash.leaf(leaf), statement.jobId(), "", orchestratorDid);
  }

  /**
   * A checked leaf with what the appender needs: a receipt, or a job statement (then {@code
   * receipt} is null, {@code taskId} empty and {@code signerDid} the orchestrator's).
   */
  record Entry(
      ExecutionReceipt receipt,
      String cid,
      byte[] leaf,
      byte[] leafHash,
      String jobId,
      String taskId,
      String signerDid) {
    /** A checked receipt. */
    Entry(ExecutionReceipt receipt, String cid, byte[] leaf, byte[] leafHash) {
      this(
          receipt,
          cid,
          leaf,
          leafHash,
          receipt.getJobId(),
          receipt.getTaskId(),
          receipt.getExecutorDid());
    }
  }
}
