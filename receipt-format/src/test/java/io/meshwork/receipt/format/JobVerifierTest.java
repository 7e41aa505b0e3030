package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ResultTree;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline check of a job's result: a bundle built the way the mesh builds one (executor
 * receipts for three chunks and a merge, the orchestrator's signed statement, all anchored in one
 * log) verifies, on disk too, and each kind of tampering fails with the check it concerns.
 */
class JobVerifierTest {
  private static final String ORIGIN = "test.meshwork/receipts";
  private static final Identity LOG = Identity.fromSeed(Receipts.sequence(64));
  private static final Identity ORCHESTRATOR = Receipts.ORCHESTRATOR;
  private static final ParsedVerifierKey KEY =
      SignedNote.parseVerifierKey(SignedNote.verifierKey(ORIGIN, LOG.publicKey()));
  private static final String MODULE = Cid.of(Receipts.ascii("module"));
  private static final String INPUT = Cid.of(Receipts.ascii("input"));

  private final List<byte[]> chunkResults =
      List.of(utf8("the 2\n"), utf8("cat 1\n"), utf8("sat 1\nthe 1\n"));
  private final byte[] merged = utf8("cat 1\nsat 1\nthe 3\n");

  /** The log: an unrelated receipt first, then the job's receipts, then its statement. */
  private final List<byte[]> logLeaves = new ArrayList<>();

  private final Map<String, Integer> indexByCid = new HashMap<>();

  @Test
  void aBundleVerifiesAndSurvivesTheDisk(@TempDir Path dir) throws Exception {
    JobBundle bundle = build(s -> s);
    JobVerifier.VerifiedJob v = JobVerifier.verify(bundle, KEY);
    assertEquals("job-42", v.statement().jobId());
    assertEquals(4, v.receipts().size());
    assertEquals(logLeaves.size() - 1, v.logIndex());
    assertEquals(4, v.resultsChecked());

    bundle.write(dir);
    JobBundle read =
        JobBundle.read(dir, JobVerifier.listedReceipts(JobBundle.readStatementProof(dir)));
    assertEquals(v.statementCid(), JobVerifier.verify(read, KEY).statementCid());

    // Without any result bytes, the CIDs alone still check the trees and the receipts.
    JobBundle cidsOnly =
        new JobBundle(
            bundle.statementProof(), bundle.chunks(), bundle.receiptProofs(), Map.of(), "");
    assertEquals(0, JobVerifier.verify(cidsOnly, KEY).resultsChecked());
  }

  @Test
  void aChangedChunkResultFailsChunkResult() throws Exception {
    JobBundle bundle = build(s -> s);
    Map<String, byte[]> results = new HashMap<>(bundle.results());
    String cid = Cid.of(chunkResults.get(1));
    results.put(cid, utf8("cat 2\n"));
    assertCheck("chunk-result", with(bundle, results));
  }

  @Test
  void aChangedProofStepFailsTheProofItBelongsTo() throws Exception {
    JobBundle bundle = build(s -> s);
    List<JobBundle.Chunk> chunks = new ArrayList<>(bundle.chunks());
    JobBundle.Chunk c = chunks.get(2);
    List<byte[]> path = new ArrayList<>(c.path());
    byte[] step = path.get(0).clone();
    step[5] ^= 0x01;
    path.set(0, step);
    chunks.set(2, new JobBundle.Chunk(2, c.resultCid(), path));
    assertCheck(
        "chunk-proof",
        new JobBundle(
            bundle.statementProof(), chunks, bundle.receiptProofs(), bundle.results(), ""));

    // A step of the statement's own log proof.
    ProofBundle p = ProofBundle.parse(bundle.statementProof());
    List<byte[]> logPath = new ArrayList<>(p.path());
    byte[] logStep = logPath.get(1).clone();
    logStep[0] ^= 0x01;
    logPath.set(1, logStep);
    assertCheck(
        "statement-inclusion",
        new JobBundle(
            new ProofBundle(p.extra(), p.index(), logPath, p.checkpoint()).text(),
            bundle.chunks(),
            bundle.receiptProofs(),
            bundle.results(),
            ""));
  }

  @Test
  void aChangedStatementFailsItsSignatureOrEncoding() throws Exception {
    JobBundle bundle = build(s -> s);
    ProofBundle p = ProofBundle.parse(bundle.statementProof());
    byte[] leaf = p.extra().orElseThrow();
    int jobId = new String(leaf, StandardCharsets.ISO_8859_1).indexOf("job-42");
    byte[] changed = leaf.clone();
    changed[jobId + 5] = '3';
    assertCheck("statement-signature", withStatement(bundle, p, changed));
    // Every single flipped byte is refused, by one check or another, and never accepted.
    for (int i = 0; i < leaf.length; i++) {
      byte[] flipped = leaf.clone();
      flipped[i] ^= 0x01;
      String check = failedCheck(withStatement(bundle, p, flipped));
      assertTrue(
          check.equals("statement-encoding") || check.equals("statement-signature"),
          "byte " + i + " failed " + check);
    }
  }

  @Test
  void aChangedCheckpointFailsCheckpointSignature() throws Exception {
    JobBundle bundle = build(s -> s);
    ProofBundle p = ProofBundle.parse(bundle.statementProof());
    String note = p.checkpoint().replace("\n" + logLeaves.size() + "\n", "\n" + 99 + "\n");
    assertCheck(
        "checkpoint-signature",
        new JobBundle(
            new ProofBundle(p.extra(), p.index(), p.path(), note).text(),
            bundle.chunks(),
            bundle.receiptProofs(),
            bundle.results(),
            ""));
    // And a receipt's.
    String cid = bundle.receiptProofs().keySet().iterator().next();
    Map<String, String> receipts = new HashMap<>(bundle.receiptProofs());
    ProofBundle r = ProofBundle.parse(receipts.get(cid));
    receipts.put(
        cid,
        new ProofBundle(
                r.extra(),
                r.index(),
                r.path(),
                r.checkpoint().replace(ORIGIN + "\n", "other.log/receipts\n"))
            .text());
    VerificationException e =
        assertThrows(
            VerificationException.class,
            () ->
                JobVerifier.verify(
                    new JobBundle(
                        bundle.statementProof(), bundle.chunks(), receipts, bundle.results(), ""),
                    KEY));
    assertEquals("checkpoint-signature", e.check());
    assertTrue(e.getMessage().contains("receipt " + cid), e.getMessage());
  }

  @Test
  void aStatementThatLeavesOutTheMergeReceiptFailsMergeReceipt() throws Exception {
    assertCheck(
        "merge-receipt",
        build(
            s ->
                new JobStatement(
                    s.jobId(),
                    s.orchestratorDid(),
                    s.moduleCid(),
                    s.inputCid(),
                    s.resultCid(),
                    s.chunkCount(),
                    s.chunkRoot(),
                    s.levels(),
                    s.receiptCids().subList(0, 3),
                    new byte[0])));
  }

  @Test
  void aStatementThatLeavesOutAChunkReceiptFailsChunkReceipt() throws Exception {
    assertCheck(
        "chunk-receipt",
        build(
            s ->
                new JobStatement(
                    s.jobId(),
                    s.orchestratorDid(),
                    s.moduleCid(),
                    s.inputCid(),
                    s.resultCid(),
                    s.chunkCount(),
                    s.chunkRoot(),
                    s.levels(),
                    List.of(s.receiptCids().get(0), s.receiptCids().get(2), s.receiptCids().get(3)),
                    new byte[0])));
  }

  @Test
  void aStatementWhoseLevelDoesNotCoverTheChunksIsMalformed() throws Exception {
    assertCheck(
        "statement-structure",
        build(
            s -> {
              JobStatement.Level l = s.levels().get(0);
              JobStatement.Level shorter =
                  new JobStatement.Level(
                      l.path(),
                      l.orchestratorDid(),
                      0,
                      l.chunkCount(),
                      l.childCount() - 1,
                      l.childrenRoot(),
                      l.combine(),
                      l.resultCid());
              return new JobStatement(
                  s.jobId(),
                  s.orchestratorDid(),
                  s.moduleCid(),
                  s.inputCid(),
                  s.resultCid(),
                  s.chunkCount(),
                  s.chunkRoot(),
                  List.of(shorter),
                  s.receiptCids(),
                  new byte[0]);
            }));
  }

  @Test
  void aTwoLevelTreeVerifies() throws Exception {
    // The job's level has two children: chunk 0, and a lower level over chunks 1 and 2 that a
    // peer merged; the job's merge combines chunk 0 with that level's result.
    byte[] lowerResult = utf8("cat 1\nsat 1\nthe 1\n");
    JobBundle bundle = build(s -> s, lowerResult);
    JobVerifier.VerifiedJob v = JobVerifier.verify(bundle, KEY);
    assertEquals(2, v.statement().levels().size());
    assertEquals("1", v.statement().levels().get(1).path());
  }

  @Test
  void theCodecRoundTripsAndRefusesTrailingBytes() {
    JobStatement s =
        statement(List.of(Cid.of(utf8("r"))), List.of(), null, null).signedBy(ORCHESTRATOR);
    assertEquals(s, JobStatement.fromLeafBytes(s.leafBytes()));
    assertTrue(s.signatureValid());
    assertTrue(JobStatement.isStatement(s.leafBytes()));
    byte[] longer = java.util.Arrays.copyOf(s.leafBytes(), s.leafBytes().length + 1);
    assertThrows(IllegalArgumentException.class, () -> JobStatement.fromLeafBytes(longer));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobStatement.fromLeafBytes(ReceiptCodec.leafBytes(Receipts.signed())));
  }

  @Test
  void theResultTreeLeafIsTheBinaryCid() {
    String cid = Cid.of(utf8("x"));
    byte[] leaf = ResultTree.leaf(cid);
    assertEquals(36, leaf.length);
    assertEquals(0x01, leaf[0]);
    assertEquals(0x55, leaf[1]);
    assertEquals(0x12, leaf[2]);
    assertEquals(0x20, leaf[3]);
    assertTrue(
        java.util.Arrays.equals(
            io.meshwork.content.Multihash.sha256Digest(utf8("x")),
            java.util.Arrays.copyOfRange(leaf, 4, 36)));
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertCheck(String check, JobBundle bundle) {
    VerificationException e =
        assertThrows(VerificationException.class, () -> JobVerifier.verify(bundle, KEY));
    assertEquals(check, e.check(), e.getMessage());
    assertTrue(e.getMessage().startsWith(check + ": "), e.getMessage());
  }

  private static String failedCheck(JobBundle bundle) {
    try {
      JobVerifier.verify(bundle, KEY);
      return "(accepted)";
    } catch (VerificationException e) {
      return e.check();
    }
  }

  private static JobBundle with(JobBundle b, Map<String, byte[]> results) {
    return new JobBundle(b.statementProof(), b.chunks(), b.receiptProofs(), results, "");
  }

  private static JobBundle withStatement(JobBundle b, ProofBundle p, byte[] leaf) {
    return new JobBundle(
        new ProofBundle(Optional.of(leaf), p.index(), p.path(), p.checkpoint()).text(),
        b.chunks(),
        b.receiptProofs(),
        b.results(),
        "");
  }

  private JobBundle build(UnaryOperator<JobStatement> edit) {
    return build(edit, null);
  }

  /**
   * The job, its log and its bundle. With {@code lowerResult}, chunks 1 and 2 form a lower level
   * (path "1") whose merge produced {@code lowerResult}.
   */
  private JobBundle build(UnaryOperator<JobStatement> edit, byte[] lowerResult) {
    logLeaves.clear();
    indexByCid.clear();
    logLeaves.add(ReceiptCodec.leafBytes(Receipts.signed()));
    List<String> chunkCids = new ArrayList<>();
    List<String> receiptCids = new ArrayList<>();
    Map<String, byte[]> results = new LinkedHashMap<>();
    for (int i = 0; i < chunkResults.size(); i++) {
      String cid = Cid.of(chunkResults.get(i));
      chunkCids.add(cid);
      results.put(cid, chunkResults.get(i));
      receiptCids.add(anchor(receipt("job-42:" + i, i, "execute", INPUT, cid)));
    }
    List<JobStatement.Level> lower = new ArrayList<>();
    List<String> topChildren = chunkCids;
    if (lowerResult != null) {
      String lowerCid = Cid.of(lowerResult);
      results.put(lowerCid, lowerResult);
      List<String> lowerChildren = chunkCids.subList(1, 3);
      receiptCids.add(
          anchor(
              receipt(
                  "job-42:1:merge",
                  1,
                  "merge",
                  Cid.of(frames(List.of(chunkResults.get(1), chunkResults.get(2)))),
                  lowerCid)));
      lower.add(
          new JobStatement.Level(
              "1",
              Identity.fromSeed(Receipts.sequence(96)).did(),
              1,
              2,
              2,
              ResultTree.root(lowerChildren),
              JobStatement.Level.MERGE,
              lowerCid));
      topChildren = List.of(chunkCids.get(0), lowerCid);
      byte[] input = frames(List.of(chunkResults.get(0), lowerResult));
      receiptCids.add(anchor(receipt("job-42:merge", 3, "merge", Cid.of(input), Cid.of(merged))));
    } else {
      receiptCids.add(
          anchor(
              receipt("job-42:merge", 3, "merge", Cid.of(frames(chunkResults)), Cid.of(merged))));
    }
    results.put(Cid.of(merged), merged);
    JobStatement statement =
        edit.apply(statement(chunkCids, receiptCids, topChildren, lower)).signedBy(ORCHESTRATOR);
    byte[] statementLeaf = statement.leafBytes();
    int statementIndex = logLeaves.size();
    logLeaves.add(statementLeaf);

    List<byte[]> hashes = logLeaves.stream().map(MerkleHash::leaf).toList();
    String note =
        SignedNote.sign(
            new Checkpoint(ORIGIN, hashes.size(), MerkleHash.root(hashes)).body(), ORIGIN, LOG);
    Map<String, String> receiptProofs = new LinkedHashMap<>();
    indexByCid.forEach(
        (cid, index) ->
            receiptProofs.put(
                cid,
                new ProofBundle(
                        Optional.of(logLeaves.get(index)),
                        index,
                        MerkleProofs.inclusionProof(hashes, index, hashes.size()),
                        note)
                    .text()));
    List<JobBundle.Chunk> chunks = new ArrayList<>();
    for (int i = 0; i < chunkCids.size(); i++) {
      chunks.add(new JobBundle.Chunk(i, chunkCids.get(i), ResultTree.inclusionPath(chunkCids, i)));
    }
    String statementProof =
        new ProofBundle(
                Optional.of(statementLeaf),
                statementIndex,
                MerkleProofs.inclusionProof(hashes, statementIndex, hashes.size()),
                note)
            .text();
    return new JobBundle(statementProof, chunks, receiptProofs, results, "");
  }

  private JobStatement statement(
      List<String> chunkCids,
      List<String> receiptCids,
      List<String> topChildren,
      List<JobStatement.Level> lower) {
    List<String> children = topChildren == null ? chunkCids : topChildren;
    List<JobStatement.Level> levels = new ArrayList<>();
    levels.add(
        new JobStatement.Level(
            "",
            ORCHESTRATOR.did(),
            0,
            chunkCids.size(),
            children.size(),
            ResultTree.root(children),
            JobStatement.Level.MERGE,
            Cid.of(merged)));
    if (lower != null) {
      levels.addAll(lower);
    }
    return new JobStatement(
        "job-42",
        ORCHESTRATOR.did(),
        MODULE,
        INPUT,
        Cid.of(merged),
        chunkCids.size(),
        ResultTree.root(chunkCids),
        levels,
        receiptCids,
        new byte[0]);
  }

  private String anchor(ExecutionReceipt r) {
    byte[] leaf = ReceiptCodec.leafBytes(r);
    String cid = Cid.of(leaf);
    indexByCid.put(cid, logLeaves.size());
    logLeaves.add(leaf);
    return cid;
  }

  private static ExecutionReceipt receipt(
      String taskId, int chunk, String export, String input, String output) {
    return ReceiptSigner.sign(
        Receipts.unsigned().toBuilder()
            .setTaskId(taskId)
            .setJobId("job-42")
            .setChunkIndex(chunk)
            .setExportName(export)
            .setModuleCid(MODULE)
            .setInputCid(input)
            .setOutputCid(output)
            .build(),
        Receipts.EXECUTOR);
  }

  private static byte[] frames(List<byte[]> results) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] r : results) {
      int n = r.length;
      out.write(n);
      out.write(n >>> 8);
      out.write(n >>> 16);
      out.write(n >>> 24);
      out.writeBytes(r);
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
