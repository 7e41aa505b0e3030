package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.content.MerkleHash;
import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ProofException;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.ProofBundle;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receiptlog.store.MemberPeriod;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receipt log over a real SQLite file, with receipts signed by real executor keys. */
class ReceiptLogTest {
  /** Anchors the receipts; the executor is configured, so only the membership test cares who. */
  private static final String ORCHESTRATOR = Identity.generate().did();

  private static final String ORIGIN = "test.meshwork/receipts";

  @TempDir Path dir;

  private final Identity logKey = Identity.generate();
  private final Identity executor = Identity.generate();
  private final Identity stranger = Identity.generate();
  private SqliteLogStore store;
  private ReceiptLog log;

  @BeforeEach
  void open() {
    reopen();
  }

  @AfterEach
  void close() {
    log.close();
    store.close();
  }

  private void reopen() {
    if (log != null) {
      log.close();
      store.close();
    }
    store = SqliteLogStore.open(dir.resolve("receipts.db"));
    log =
        ReceiptLog.open(
            store,
            logKey,
            ORIGIN,
            did -> did.equals(executor.did()),
            Clock.systemUTC(),
            ServiceMetrics.none());
  }

  private ExecutionReceipt receipt(String job, String task) {
    return TestReceipts.signed(executor, job, task);
  }

  @Test
  void startsWithASignedEmptyCheckpoint() throws Exception {
    SignedCheckpoint empty = log.latestCheckpoint();
    assertEquals(0, empty.treeSize());
    assertArrayEquals(MerkleHash.root(List.of()), empty.rootHash());
    assertCheckpointVerifies(empty.note(), 0, empty.rootHash());
  }

  @Test
  void anchorsOneReceiptWithAProofThatVerifies() throws Exception {
    ExecutionReceipt r = receipt("job-1", "task-1");

    ExecutionReceiptAvailableV1 a = log.anchor(ORCHESTRATOR, List.of(r)).get(0);

    assertEquals("task-1", a.getJobId());
    assertEquals(executor.did(), a.getExecutorDid());
    assertEquals(ReceiptCodec.cid(r), a.getReceiptCid());
    assertEquals(0, a.getLogIndex());
    assertEquals(1, a.getTreeSize());
    assertTrue(a.getTimestamp() > 0);
    assertAnnouncementVerifies(r, a);
  }

  @Test
  void anchorsABatchInOneCommit() throws Exception {
    List<ExecutionReceipt> batch =
        IntStream.range(0, 7).mapToObj(i -> receipt("job-b", "task-" + i)).toList();

    List<ExecutionReceiptAvailableV1> out = log.anchor(ORCHESTRATOR, batch);

    assertEquals(7, out.size());
    for (int i = 0; i < 7; i++) {
      assertEquals(i, out.get(i).getLogIndex());
      assertEquals(7, out.get(i).getTreeSize());
      assertAnnouncementVerifies(batch.get(i), out.get(i));
    }
    // One checkpoint for the whole batch (besides the empty one): one append, one commit.
    assertEquals(
        List.of(0L, 7L), log.checkpoints().stream().map(SignedCheckpoint::treeSize).toList());
  }

  @Test
  void anchoringAgainReturnsTheSameCidAndIndex() throws Exception {
    ExecutionReceipt first = receipt("job-1", "task-1");
    ExecutionReceipt second = receipt("job-1", "task-2");
    ExecutionReceiptAvailableV1 a = log.anchor(ORCHESTRATOR, List.of(first)).get(0);
    log.anchor(ORCHESTRATOR, List.of(second));

    List<ExecutionReceiptAvailableV1> again =
        log.anchor(ORCHESTRATOR, List.of(first, first, second));

    assertEquals(a.getReceiptCid(), again.get(0).getReceiptCid());
    assertEquals(0, again.get(0).getLogIndex());
    assertEquals(0, again.get(1).getLogIndex());
    assertEquals(1, again.get(2).getLogIndex());
    assertEquals(a.getTimestamp(), again.get(0).getTimestamp());
    assertEquals(2, log.treeSize());
    assertAnnouncementVerifies(first, again.get(0));
    // Re-anchoring appends nothing, so the log signs no new checkpoint.
    assertEquals(3, log.checkpoints().size());
  }

  @Test
  void aDuplicateInsideOneBatchGetsOneIndex() {
    ExecutionReceipt r = receipt("job-1", "task-1");

    List<ExecutionReceiptAvailableV1> out = log.anchor(ORCHESTRATOR, List.of(r, r));

    assertEquals(out.get(0).getLogIndex(), out.get(1).getLogIndex());
    assertEquals(1, log.treeSize());
  }

  @Test
  void refusesATamperedSignatureNamingTheCheck() {
    ExecutionReceipt good = receipt("job-1", "task-1");
    byte[] sig = good.getSignature().toByteArray();
    sig[3] ^= 0x01;
    ExecutionReceipt tampered = good.toBuilder().setSignature(ByteString.copyFrom(sig)).build();

    MeshException e =
        assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, List.of(good, tampered)));

    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("RECEIPT_INVALID", e.reason());
    assertEquals("1", e.metadata().get("index"));
    assertFalse(e.metadata().get("check").isEmpty());
    // All or nothing: the good receipt of the refused call was not appended either.
    assertEquals(0, log.treeSize());
  }

  @Test
  void takesAVouchedExecutorsReceiptsOnlyFromTheOrchestratorThatVouchesAndAfterAReopen() {
    String other = Identity.generate().did();
    ExecutionReceipt r = TestReceipts.signed(stranger, "job-v", "task-1");
    log.membership()
        .sync(
            ORCHESTRATOR,
            1,
            List.of(new MemberPeriod(stranger.did(), TestReceipts.FINISHED_AT - 1_000, 0)));

    MeshException e = assertThrows(MeshException.class, () -> log.anchor(other, List.of(r)));
    assertEquals("UNKNOWN_EXECUTOR", e.reason());
    assertEquals(String.valueOf(TestReceipts.FINISHED_AT), e.metadata().get("finished_at"));

    reopen();
    assertEquals(0, log.anchor(ORCHESTRATOR, List.of(r)).get(0).getLogIndex());
  }

  @Test
  void aLargeCallIsCheckedInParallelAndRefusesItsFirstBadReceipt() throws Exception {
    // Enough receipts that the call's signatures are checked on several threads.
    List<ExecutionReceipt> batch =
        new ArrayList<>(
            IntStream.range(0, 300).mapToObj(i -> receipt("job-p", "task-" + i)).toList());
    List<ExecutionReceipt> refused = new ArrayList<>(batch);
    refused.set(250, batch.get(250).toBuilder().setFuelUsed(1).build());
    // An unknown executor's receipt, before a tampered field and a missing signature.
    refused.set(170, TestReceipts.signed(stranger, "job-p", "task-170"));
    refused.set(190, batch.get(190).toBuilder().setSignature(ByteString.EMPTY).build());

    MeshException e = assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, refused));

    assertEquals("UNKNOWN_EXECUTOR", e.reason());
    assertEquals("170", e.metadata().get("index"));
    assertEquals(0, log.treeSize());

    List<ExecutionReceiptAvailableV1> out = log.anchor(ORCHESTRATOR, batch);
    for (int i = 0; i < batch.size(); i += 37) {
      assertEquals(i, out.get(i).getLogIndex());
      assertAnnouncementVerifies(batch.get(i), out.get(i));
    }
  }

  @Test
  void refusesNonCanonicalSignaturesAndSmallOrderKeysEvenForAKnownKey() {
    ExecutionReceipt good = receipt("job-1", "task-1");
    log.anchor(ORCHESTRATOR, List.of(good)); // the executor's key is now validated and remembered
    // S + L, the group order added to the signature's scalar, verifies for a lax verifier.
    byte[] sig = good.getSignature().toByteArray();
    BigInteger order =
        BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));
    byte[] s = new byte[32];
    for (int i = 0; i < 32; i++) {
      s[i] = sig[63 - i];
    }
    byte[] sPlusL = new BigInteger(1, s).add(order).toByteArray();
    Arrays.fill(sig, 32, 64, (byte) 0);
    for (int i = 0; i < sPlusL.length; i++) {
      sig[32 + i] = sPlusL[sPlusL.length - 1 - i];
    }
    ExecutionReceipt malleated = good.toBuilder().setSignature(ByteString.copyFrom(sig)).build();
    MeshException e =
        assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, List.of(malleated)));
    assertEquals("signature", e.metadata().get("check"));

    // The neutral point as key, R = the neutral point and S = 0: [S]B = R + [k]A for any message.
    byte[] neutral = new byte[32];
    neutral[0] = 1;
    byte[] forgedSignature = new byte[64];
    forgedSignature[0] = 1;
    String smallOrderDid = DidKey.fromPublicKey(neutral);
    ExecutionReceipt forged =
        receipt("job-1", "task-3").toBuilder()
            .setExecutorDid(smallOrderDid)
            .setSignature(ByteString.copyFrom(forgedSignature))
            .build();
    e = assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, List.of(forged)));
    assertEquals("signature", e.metadata().get("check"));
    assertEquals(1, log.treeSize());
  }

  @Test
  void refusesATamperedField() {
    ExecutionReceipt tampered = receipt("job-1", "task-1").toBuilder().setFuelUsed(1).build();

    MeshException e =
        assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, List.of(tampered)));

    assertEquals("RECEIPT_INVALID", e.reason());
  }

  @Test
  void refusesAnUnknownExecutor() {
    ExecutionReceipt r = TestReceipts.signed(stranger, "job-1", "task-1");

    MeshException e = assertThrows(MeshException.class, () -> log.anchor(ORCHESTRATOR, List.of(r)));

    assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind());
    assertEquals("UNKNOWN_EXECUTOR", e.reason());
    assertEquals(stranger.did(), e.metadata().get("executor_did"));
    assertEquals(0, log.treeSize());
  }

  @Test
  void provesInclusionAtAnOlderPublishedSizeAndAsABundle() throws Exception {
    ExecutionReceipt r = receipt("job-1", "task-1");
    String cid = log.anchor(ORCHESTRATOR, List.of(r)).get(0).getReceiptCid();
    log.anchor(ORCHESTRATOR, List.of(receipt("job-1", "task-2"), receipt("job-1", "task-3")));

    InclusionProof old = log.inclusionProof(cid, 1);
    InclusionProof latest = log.inclusionProof(cid, 0);

    assertEquals(1, old.treeSize());
    assertEquals(3, latest.treeSize());
    for (InclusionProof p : List.of(old, latest)) {
      Checkpoint cp = assertCheckpointVerifies(p.checkpoint().note(), p.treeSize(), null);
      MerkleProofs.verifyInclusion(p.index(), p.treeSize(), leafHash(r), p.path(), cp.rootHash());
      ProofBundle bundle = ProofBundle.parse(p.bundle());
      assertEquals(p.index(), bundle.index());
      assertEquals(p.checkpoint().note(), bundle.checkpoint());
      MerkleProofs.verifyInclusion(
          bundle.index(), p.treeSize(), leafHash(r), bundle.path(), cp.rootHash());
    }
  }

  @Test
  void inclusionProofErrors() {
    String cid = log.anchor(ORCHESTRATOR, List.of(receipt("j", "t1"))).get(0).getReceiptCid();
    String later = log.anchor(ORCHESTRATOR, List.of(receipt("j", "t2"))).get(0).getReceiptCid();

    assertEquals(
        "RECEIPT_NOT_FOUND",
        assertThrows(MeshException.class, () -> log.inclusionProof("bafkunknown", 0)).reason());
    assertEquals(
        "TREE_SIZE_BEYOND_LOG",
        assertThrows(MeshException.class, () -> log.inclusionProof(cid, 9)).reason());
    assertEquals(
        "RECEIPT_NOT_IN_TREE",
        assertThrows(MeshException.class, () -> log.inclusionProof(later, 1)).reason());
  }

  @Test
  void everyPairOfCheckpointsIsConsistent() throws Exception {
    for (int round = 0; round < 6; round++) {
      List<ExecutionReceipt> batch = new ArrayList<>();
      for (int i = 0; i <= round; i++) {
        batch.add(receipt("job-c", "task-" + round + "-" + i));
      }
      log.anchor(ORCHESTRATOR, batch);
    }
    List<SignedCheckpoint> checkpoints = log.checkpoints();
    assertEquals(7, checkpoints.size());

    for (SignedCheckpoint older : checkpoints) {
      for (SignedCheckpoint newer : checkpoints) {
        if (older.treeSize() < 1 || older.treeSize() > newer.treeSize()) {
          continue;
        }
        ConsistencyProof p = log.consistencyProof(older.treeSize(), newer.treeSize());
        Checkpoint a = assertCheckpointVerifies(older.note(), older.treeSize(), null);
        Checkpoint b = assertCheckpointVerifies(newer.note(), newer.treeSize(), null);
        MerkleProofs.verifyConsistency(
            a.treeSize(), b.treeSize(), a.rootHash(), b.rootHash(), p.path());
      }
    }
    assertEquals(
        "TREE_SIZES_INVALID",
        assertThrows(MeshException.class, () -> log.consistencyProof(0, 3)).reason());
    assertEquals(
        "TREE_SIZES_INVALID",
        assertThrows(MeshException.class, () -> log.consistencyProof(5, 3)).reason());
    assertEquals(21, log.consistencyProof(3, 0).toSize());
  }

  @Test
  void aRestartKeepsIndicesAndRoot() {
    List<ExecutionReceipt> batch =
        IntStream.range(0, 5).mapToObj(i -> receipt("job-r", "task-" + i)).toList();
    List<ExecutionReceiptAvailableV1> before = log.anchor(ORCHESTRATOR, batch);
    SignedCheckpoint checkpoint = log.latestCheckpoint();

    reopen();

    assertEquals(checkpoint.treeSize(), log.latestCheckpoint().treeSize());
    assertArrayEquals(checkpoint.rootHash(), log.latestCheckpoint().rootHash());
    assertEquals(checkpoint.note(), log.latestCheckpoint().note());
    List<ExecutionReceiptAvailableV1> after = log.anchor(ORCHESTRATOR, batch);
    for (int i = 0; i < 5; i++) {
      assertEquals(before.get(i).getLogIndex(), after.get(i).getLogIndex());
      assertEquals(before.get(i).getReceiptCid(), after.get(i).getReceiptCid());
    }
    assertEquals(
        5, log.anchor(ORCHESTRATOR, List.of(receipt("job-r", "task-5"))).get(0).getLogIndex());
  }

  @Test
  void concurrentAnchoringYieldsDistinctDenseIndices() throws Exception {
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<List<ExecutionReceiptAvailableV1>>> calls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        calls.add(
            () -> {
              List<ExecutionReceiptAvailableV1> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                ExecutionReceipt r = receipt("job-" + thread, "task-" + thread + "-" + i);
                ExecutionReceiptAvailableV1 a = log.anchor(ORCHESTRATOR, List.of(r)).get(0);
                assertAnnouncementVerifies(r, a);
                mine.add(a);
              }
              return mine;
            });
      }
      Set<Long> indices = new HashSet<>();
      for (Future<List<ExecutionReceiptAvailableV1>> f : pool.invokeAll(calls)) {
        for (ExecutionReceiptAvailableV1 a : f.get()) {
          assertTrue(indices.add(a.getLogIndex()), "index " + a.getLogIndex() + " given twice");
        }
      }
      int total = threads * perThread;
      assertEquals(total, indices.size());
      assertEquals(total - 1, indices.stream().mapToLong(Long::longValue).max().orElseThrow());
      assertEquals(total, log.treeSize());
      // Callers that arrived together shared a commit, so there are fewer checkpoints than calls.
      assertTrue(log.checkpoints().size() <= total + 1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void getsAReceiptByCid() {
    ExecutionReceipt r = receipt("job-1", "task-1");
    String cid = log.anchor(ORCHESTRATOR, List.of(r)).get(0).getReceiptCid();

    StoredReceipt stored = log.getReceipt(cid);

    assertEquals(r, stored.receipt());
    assertEquals(0, stored.index());
    assertArrayEquals(ReceiptCodec.leafBytes(r), stored.leaf());
    MeshException e = assertThrows(MeshException.class, () -> log.getReceipt("bafkunknown"));
    assertEquals(MeshException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void listsAJobsReceiptsPageByPage() {
    List<ExecutionReceipt> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(receipt("job-list", "task-" + i));
      log.anchor(ORCHESTRATOR, List.of(mine.get(i), receipt("other-job", "other-" + i)));
    }

    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ReceiptPage page = log.listByJob("job-list", 2, token);
      page.receipts().forEach(s -> seen.add(s.receipt().getTaskId()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertEquals(List.of("task-0", "task-1", "task-2", "task-3", "task-4"), seen);
    assertEquals(3, pages);
    assertEquals(
        "PAGE_TOKEN_INVALID",
        assertThrows(MeshException.class, () -> log.listByJob("job-list", 2, "garbage!")).reason());
  }

  private static byte[] leafHash(ExecutionReceipt r) {
    return MerkleHash.leaf(ReceiptCodec.leafBytes(r));
  }

  /** Checks an announcement the way a third party would: note signature, then the path. */
  private void assertAnnouncementVerifies(ExecutionReceipt r, ExecutionReceiptAvailableV1 a)
      throws Exception {
    Checkpoint cp = assertCheckpointVerifies(a.getCheckpoint(), a.getTreeSize(), null);
    List<byte[]> path = a.getInclusionPathList().stream().map(ByteString::toByteArray).toList();
    MerkleProofs.verifyInclusion(
        a.getLogIndex(), a.getTreeSize(), leafHash(r), path, cp.rootHash());
  }

  private Checkpoint assertCheckpointVerifies(String note, long treeSize, byte[] root)
      throws Exception {
    Checkpoint cp = Checkpoint.parse(SignedNote.verify(note, ORIGIN, logKey.publicKey()));
    assertEquals(ORIGIN, cp.origin());
    assertEquals(treeSize, cp.treeSize());
    if (root != null) {
      assertArrayEquals(root, cp.rootHash());
    }
    return cp;
  }

  @Test
  void aForgedCheckpointDoesNotVerify() {
    log.anchor(ORCHESTRATOR, List.of(receipt("job-1", "task-1")));
    String note = log.latestCheckpoint().note();
    String forged = note.replaceFirst("\n1\n", "\n2\n");

    assertThrows(Exception.class, () -> SignedNote.verify(forged, ORIGIN, logKey.publicKey()));
    assertThrows(
        Exception.class, () -> SignedNote.verify(note, ORIGIN, Identity.generate().publicKey()));
  }

  @Test
  void aWrongLeafDoesNotVerify() {
    ExecutionReceipt r = receipt("job-1", "task-1");
    ExecutionReceiptAvailableV1 a =
        log.anchor(ORCHESTRATOR, List.of(r, receipt("job-1", "task-2"))).get(0);
    List<byte[]> path = a.getInclusionPathList().stream().map(ByteString::toByteArray).toList();

    assertThrows(
        ProofException.class,
        () ->
            MerkleProofs.verifyInclusion(
                0,
                2,
                leafHash(receipt("job-1", "task-2")),
                path,
                log.latestCheckpoint().rootHash()));
  }
}
