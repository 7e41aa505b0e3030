package io.meshwork.receipt.format;

import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ProofException;
import io.meshwork.content.ResultTree;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks a job's result offline from its {@link JobBundle} and the receipt log's verifier key: that
 * the orchestrator signed the job statement, that the log anchored it, and that every chunk result
 * and every level's merge is covered by an anchored executor receipt the statement lists. Nothing
 * in the bundle is trusted; no node of the mesh is asked anything.
 *
 * <p>A refusal is a {@link VerificationException} whose {@code check()} names the failed check
 * (docs/RECEIPTS.md, "Verifying a job" lists them): {@code bundle}, {@code statement-encoding},
 * {@code statement-signature}, {@code checkpoint-signature} / {@code checkpoint-format} / {@code
 * checkpoint-origin} (of the statement's or of a receipt's checkpoint), {@code
 * statement-inclusion}, {@code statement-structure}, {@code chunk-count}, {@code chunk-result},
 * {@code chunk-proof}, {@code chunk-root}, the receipt checks of {@link OfflineVerifier} ({@code
 * receipt-signature}, {@code inclusion}, ...), {@code receipt-job}, {@code chunk-receipt}, {@code
 * level-root}, {@code merge-receipt}, {@code level-result} and {@code result}.
 */
public final class JobVerifier {
  private JobVerifier() {}

  /**
   * What a verified bundle proves.
   *
   * @param statement the job statement
   * @param statementCid its CID
   * @param logIndex its index in the log
   * @param checkpoint the signed checkpoint its inclusion was proven against
   * @param receipts the receipts behind the result, each proven in the log
   * @param resultsChecked result bytes that were present and matched their CIDs
   */
  public record VerifiedJob(
      JobStatement statement,
      String statementCid,
      long logIndex,
      Checkpoint checkpoint,
      List<ExecutionReceipt> receipts,
      int resultsChecked) {}

  /**
   * Verifies {@code bundle} under the log key {@code logKey}.
   *
   * @throws VerificationException naming the failed check
   */
  public static VerifiedJob verify(JobBundle bundle, ParsedVerifierKey logKey)
      throws VerificationException {
    Objects.requireNonNull(logKey, "logKey");
    ProofBundle proof = parseProof(bundle.statementProof(), "the statement's proof");
    byte[] leaf =
        proof
            .extra()
            .orElseThrow(
                () ->
                    new VerificationException(
                        "bundle",
                        "statement.tlog-proof carries no statement (no extra line)",
                        null));
    JobStatement statement;
    try {
      statement = JobStatement.fromLeafBytes(leaf);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(
          "statement-encoding",
          "the statement is not a canonical job statement: " + e.getMessage(),
          e);
    }
    if (!statement.signatureValid()) {
      throw new VerificationException(
          "statement-signature",
          "the statement's signature does not verify under its orchestrator_did "
              + statement.orchestratorDid(),
          null);
    }
    Checkpoint checkpoint = checkpoint(proof.checkpoint(), logKey, "the statement's checkpoint");
    try {
      MerkleProofs.verifyInclusion(
          proof.index(),
          checkpoint.treeSize(),
          MerkleHash.leaf(leaf),
          proof.path(),
          checkpoint.rootHash());
    } catch (ProofException e) {
      throw new VerificationException(
          "statement-inclusion",
          "the statement is not leaf "
              + proof.index()
              + " of the log's "
              + checkpoint.treeSize()
              + "-leaf tree: "
              + e.getMessage(),
          e);
    }
    Map<String, JobStatement.Level> levels = checkStructure(statement);
    List<String> chunkCids = checkChunks(statement, bundle);
    int[] resultsChecked = {0};
    for (String cid : chunkCids) {
      if (bundle.results().containsKey(cid)) {
        resultsChecked[0]++;
      }
    }
    List<ExecutionReceipt> receipts = checkReceipts(statement, bundle, logKey);
    for (int i = 0; i < chunkCids.size(); i++) {
      String cid = chunkCids.get(i);
      if (!covered(receipts, statement, "execute", cid)) {
        throw new VerificationException(
            "chunk-receipt",
            "no receipt the statement lists is an executor's run of chunk "
                + i
                + " with result "
                + cid,
            null);
      }
    }
    for (JobStatement.Level level : statement.levels()) {
      checkLevel(statement, level, levels, chunkCids, receipts, bundle);
    }
    Optional<byte[]> result = bundle.result(statement.resultCid());
    if (result.isPresent()) {
      requireBytes(result.get(), statement.resultCid(), "result", "the job's result");
      resultsChecked[0]++;
    }
    return new VerifiedJob(
        statement, Cid.of(leaf), proof.index(), checkpoint, receipts, resultsChecked[0]);
  }

  /**
   * Checks that the levels form a tree over the chunks: the job's own level first, covering every
   * chunk, each lower level's chunks inside its parent's.
   */
  private static Map<String, JobStatement.Level> checkStructure(JobStatement s)
      throws VerificationException {
    if (s.levels().isEmpty()) {
      throw structure("the statement has no levels");
    }
    JobStatement.Level top = s.levels().get(0);
    if (!top.path().isEmpty()
        || top.firstChunk() != 0
        || top.chunkCount() != s.chunkCount()
        || !top.resultCid().equals(s.resultCid())
        || !top.orchestratorDid().equals(s.orchestratorDid())) {
      throw structure(
          "its first level must be the job's own: path \"\", chunks 0 to "
              + s.chunkCount()
              + ", the job's result and orchestrator");
    }
    if (s.chunkCount() < 1) {
      throw structure("a job has at least one chunk");
    }
    Map<String, JobStatement.Level> byPath = new HashMap<>();
    for (JobStatement.Level l : s.levels()) {
      if (!JobStatement.Level.MERGE.equals(l.combine())
          && !JobStatement.Level.CONCATENATE.equals(l.combine())) {
        throw structure("level '" + l.path() + "' combines by '" + l.combine() + "'");
      }
      if (byPath.put(l.path(), l) != null) {
        throw structure("two levels have the path '" + l.path() + "'");
      }
    }
    for (JobStatement.Level l : s.levels()) {
      long next = l.firstChunk();
      for (long c = 0; c < l.childCount(); c++) {
        JobStatement.Level sub = byPath.get(childPath(l, c));
        if (sub == null) {
          next++;
        } else if (sub.firstChunk() != next) {
          throw structure(
              "level '" + sub.path() + "' does not start where its parent's child does");
        } else {
          next += sub.chunkCount();
        }
      }
      if (l.childCount() < 1 || next != l.firstChunk() + l.chunkCount()) {
        throw structure("the children of level '" + l.path() + "' do not cover its chunks");
      }
      if (!l.path().isEmpty()) {
        int dot = l.path().lastIndexOf('.');
        String parent = dot < 0 ? "" : l.path().substring(0, dot);
        if (!byPath.containsKey(parent)) {
          throw structure("level '" + l.path() + "' has no parent level");
        }
      }
    }
    if (new HashSet<>(s.receiptCids()).size() != s.receiptCids().size()) {
      throw structure("a receipt is listed twice");
    }
    return byPath;
  }

  /** Checks each chunk's result bytes (when present) and inclusion path; returns the CIDs. */
  private static List<String> checkChunks(JobStatement s, JobBundle bundle)
      throws VerificationException {
    if (bundle.chunks().size() != s.chunkCount()) {
      throw new VerificationException(
          "chunk-count",
          "the bundle lists " + bundle.chunks().size() + " chunks; the statement " + s.chunkCount(),
          null);
    }
    List<String> cids = new ArrayList<>();
    for (int i = 0; i < bundle.chunks().size(); i++) {
      JobBundle.Chunk c = bundle.chunks().get(i);
      if (c.index() != i) {
        throw new VerificationException(
            "bundle",
            "chunks.txt lists chunk " + c.index() + " where chunk " + i + " belongs",
            null);
      }
      Optional<byte[]> bytes = bundle.result(c.resultCid());
      if (bytes.isPresent()) {
        requireBytes(bytes.get(), c.resultCid(), "chunk-result", "chunk " + i + "'s result");
      }
      try {
        ResultTree.verifyInclusion(c.resultCid(), i, s.chunkCount(), c.path(), s.chunkRoot());
      } catch (ProofException e) {
        throw new VerificationException(
            "chunk-proof",
            "chunk "
                + i
                + "'s result does not lead to the statement's chunk root: "
                + e.getMessage(),
            e);
      }
      cids.add(c.resultCid());
    }
    if (!MessageDigest.isEqual(ResultTree.root(cids), s.chunkRoot())) {
      throw new VerificationException(
          "chunk-root", "the root over the chunk results is not the statement's chunk root", null);
    }
    return cids;
  }

  /** Proves every receipt the statement lists in the log, and that each is of this job. */
  private static List<ExecutionReceipt> checkReceipts(
      JobStatement s, JobBundle bundle, ParsedVerifierKey logKey) throws VerificationException {
    List<ExecutionReceipt> receipts = new ArrayList<>();
    for (String cid : s.receiptCids()) {
      String text = bundle.receiptProofs().get(cid);
      if (text == null) {
        throw new VerificationException(
            "bundle",
            "the bundle has no proof of receipt " + cid + ", which the statement lists",
            null);
      }
      OfflineVerifier.VerifiedReceipt r;
      try {
        r = OfflineVerifier.verify(text, logKey, Optional.empty(), Optional.of(cid));
      } catch (VerificationException e) {
        throw new VerificationException(
            e.check(),
            "receipt " + cid + ": " + e.getMessage().substring(e.check().length() + 2),
            e);
      }
      if (!r.receipt().getJobId().equals(s.jobId())) {
        throw new VerificationException(
            "receipt-job", "receipt " + cid + " is for job " + r.receipt().getJobId(), null);
      }
      receipts.add(r.receipt());
    }
    return receipts;
  }

  private static void checkLevel(
      JobStatement s,
      JobStatement.Level level,
      Map<String, JobStatement.Level> levels,
      List<String> chunkCids,
      List<ExecutionReceipt> receipts,
      JobBundle bundle)
      throws VerificationException {
    List<String> children = new ArrayList<>();
    long next = level.firstChunk();
    for (long c = 0; c < level.childCount(); c++) {
      JobStatement.Level sub = levels.get(childPath(level, c));
      if (sub == null) {
        children.add(chunkCids.get((int) next));
        next++;
      } else {
        children.add(sub.resultCid());
        next += sub.chunkCount();
      }
    }
    String name = level.path().isEmpty() ? "the job's level" : "level '" + level.path() + "'";
    if (!MessageDigest.isEqual(ResultTree.root(children), level.childrenRoot())) {
      throw new VerificationException(
          "level-root",
          "the root over the results of " + name + "'s children is not its own",
          null);
    }
    Optional<byte[]> combined = combine(level.combine(), children, bundle);
    if (JobStatement.Level.MERGE.equals(level.combine())) {
      String input = combined.map(Cid::of).orElse(null);
      boolean merged =
          receipts.stream()
              .anyMatch(
                  r ->
                      "merge".equals(r.getExportName())
                          && r.getModuleCid().equals(s.moduleCid())
                          && r.getOutputCid().equals(level.resultCid())
                          && (input == null || r.getInputCid().equals(input)));
      if (!merged) {
        throw new VerificationException(
            "merge-receipt",
            "no receipt the statement lists is a merge of "
                + name
                + "'s children"
                + (input == null ? "" : " (input " + input + ")")
                + " into "
                + level.resultCid(),
            null);
      }
    } else if (combined.isPresent() && !Cid.of(combined.get()).equals(level.resultCid())) {
      throw new VerificationException(
          "level-result",
          name + "'s result is not its children's results end to end: " + level.resultCid(),
          null);
    } else if (combined.isEmpty()
        && children.size() == 1
        && !children.get(0).equals(level.resultCid())) {
      throw new VerificationException(
          "level-result", name + "'s result is not its one child's result", null);
    }
  }

  /**
   * The bytes the children's results combine into before {@code combine} (the merge's frame list
   * input, or the concatenation), when the bundle holds every child's result; else empty.
   */
  private static Optional<byte[]> combine(String combine, List<String> children, JobBundle bundle) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String cid : children) {
      byte[] bytes = bundle.results().get(cid);
      if (bytes == null) {
        return Optional.empty();
      }
      if (JobStatement.Level.MERGE.equals(combine)) {
        // The merge export's input: each result as a frame, a u32 little-endian length first.
        int n = bytes.length;
        out.write(n);
        out.write(n >>> 8);
        out.write(n >>> 16);
        out.write(n >>> 24);
      }
      out.writeBytes(bytes);
    }
    return Optional.of(out.toByteArray());
  }

  private static boolean covered(
      List<ExecutionReceipt> receipts, JobStatement s, String export, String output) {
    for (ExecutionReceipt r : receipts) {
      if (export.equals(r.getExportName())
          && r.getModuleCid().equals(s.moduleCid())
          && r.getOutputCid().equals(output)) {
        return true;
      }
    }
    return false;
  }

  private static String childPath(JobStatement.Level level, long child) {
    return level.path().isEmpty() ? Long.toString(child) : level.path() + "." + child;
  }

  private static void requireBytes(byte[] bytes, String cid, String check, String what)
      throws VerificationException {
    if (!Cid.matches(cid, bytes)) {
      throw new VerificationException(
          check, what + " is not the bytes named " + cid + " (CID " + Cid.of(bytes) + ")", null);
    }
  }

  private static ProofBundle parseProof(String text, String what) throws VerificationException {
    try {
      return ProofBundle.parse(text);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(
          "bundle", what + " is not a tlog-proof bundle: " + e.getMessage(), e);
    }
  }

  private static Checkpoint checkpoint(String note, ParsedVerifierKey key, String what)
      throws VerificationException {
    try {
      return OfflineVerifier.checkpoint(note, key);
    } catch (VerificationException e) {
      throw new VerificationException(
          e.check(), what + ": " + e.getMessage().substring(e.check().length() + 2), e);
    }
  }

  private static VerificationException structure(String message) {
    return new VerificationException("statement-structure", message, null);
  }

  /** The receipts' CIDs a bundle must hold proofs of: the statement's list, read from its proof. */
  public static List<String> listedReceipts(String statementProof) {
    try {
      ProofBundle proof = ProofBundle.parse(statementProof);
      return proof
          .extra()
          .map(JobStatement::fromLeafBytes)
          .map(JobStatement::receiptCids)
          .orElse(List.of());
    } catch (IllegalArgumentException e) {
      return List.of();
    }
  }
}
