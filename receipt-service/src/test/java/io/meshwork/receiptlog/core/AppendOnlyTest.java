package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.format.VerificationException;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceMetrics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log is append-only: after a randomized run of concurrent appends every pair of published
 * checkpoints is proven consistent, and the offline verifier refuses a forged checkpoint and a
 * rewritten history.
 */
class AppendOnlyTest {
  /** Anchors every receipt; the executors are in the configured list, so any DID would do. */
  private static final String ORCHESTRATOR = Identity.generate().did();

  private static final String ORIGIN = "test.meshwork/receipts";

  @TempDir Path dir;

  private final Identity logKey = Identity.generate();
  private final Identity executor = Identity.generate();
  private final ParsedVerifierKey vkey =
      SignedNote.parseVerifierKey(SignedNote.verifierKey(ORIGIN, logKey.publicKey()));

  private ReceiptLog open(SqliteLogStore store) {
    return ReceiptLog.open(
        store,
        logKey,
        ORIGIN,
        did -> did.equals(executor.did()),
        Clock.systemUTC(),
        ServiceMetrics.none());
  }

  @Test
  void everyPairOfPublishedCheckpointsIsConsistent() throws Exception {
    Random random = new Random(20260501);
    List<ExecutionReceipt> sent = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      sent.add(TestReceipts.signed(executor, "job-" + random.nextInt(5), "task-" + i));
    }
    try (SqliteLogStore store = SqliteLogStore.open(dir.resolve("a.db"));
        ReceiptLog log = open(store);
        ExecutorService callers = Executors.newFixedThreadPool(4)) {
      List<Future<List<ExecutionReceiptAvailableV1>>> calls = new ArrayList<>();
      int next = 0;
      while (next < sent.size()) {
        int size = 1 + random.nextInt(12);
        List<ExecutionReceipt> batch =
            new ArrayList<>(sent.subList(next, Math.min(sent.size(), next + size)));
        // Now and then a receipt sent before comes again: it must keep its place.
        if (next > 0 && random.nextInt(4) == 0) {
          batch.add(sent.get(random.nextInt(next)));
        }
        next += size;
        calls.add(callers.submit(() -> log.anchor(ORCHESTRATOR, batch)));
        if (random.nextInt(3) == 0) {
          calls.get(calls.size() - 1).get();
        }
      }
      for (Future<List<ExecutionReceiptAvailableV1>> call : calls) {
        for (ExecutionReceiptAvailableV1 a : call.get()) {
          // Each caller's own proof verifies offline against the checkpoint it was given.
          OfflineVerifier.verify(
              log.inclusionProof(a.getReceiptCid(), a.getTreeSize()).bundle(),
              vkey,
              Optional.empty(),
              Optional.of(a.getReceiptCid()));
        }
      }
      assertEquals(sent.size(), log.treeSize());

      List<SignedCheckpoint> published = log.checkpoints();
      assertTrue(published.size() > 10, "the run published " + published.size() + " checkpoints");
      int pairs = 0;
      for (int i = 1; i < published.size(); i++) {
        for (int j = i; j < published.size(); j++) {
          SignedCheckpoint older = published.get(i);
          SignedCheckpoint newer = published.get(j);
          ConsistencyProof proof = log.consistencyProof(older.treeSize(), newer.treeSize());
          Checkpoint verified =
              OfflineVerifier.verifyConsistency(older.note(), newer.note(), proof.path(), vkey);
          assertEquals(newer.treeSize(), verified.treeSize());
          pairs++;
        }
      }
      assertTrue(pairs > 50);
    }
  }

  @Test
  void theOfflineVerifierRefusesAForgedCheckpointAndARewrittenHistory() throws Exception {
    List<ExecutionReceipt> honest = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      honest.add(TestReceipts.signed(executor, "job", "task-" + i));
    }
    String keptNote;
    String bundleOfThird;
    try (SqliteLogStore store = SqliteLogStore.open(dir.resolve("honest.db"));
        ReceiptLog log = open(store)) {
      log.anchor(ORCHESTRATOR, honest.subList(0, 5));
      keptNote = log.latestCheckpoint().note();
      bundleOfThird =
          log.inclusionProof(
                  log.anchor(ORCHESTRATOR, List.of(honest.get(2))).get(0).getReceiptCid(), 5)
              .bundle();
      log.anchor(ORCHESTRATOR, honest.subList(5, 10));
    }

    // A forged checkpoint: right format and origin, signed by another key.
    Identity forger = Identity.generate();
    String forged =
        SignedNote.sign(
            new Checkpoint(ORIGIN, 5, OfflineVerifier.checkpoint(keptNote, vkey).rootHash()).body(),
            ORIGIN,
            forger);
    VerificationException e =
        assertThrows(
            VerificationException.class,
            () ->
                OfflineVerifier.verify(
                    bundleOfThird.replace(keptNote, forged),
                    vkey,
                    Optional.empty(),
                    Optional.empty()));
    assertEquals("checkpoint-signature", e.check());

    // A rewritten history: the same key and origin sign a log whose third receipt was replaced.
    List<ExecutionReceipt> rewritten = new ArrayList<>(honest);
    rewritten.set(2, TestReceipts.signed(executor, "job", "task-replaced"));
    try (SqliteLogStore store = SqliteLogStore.open(dir.resolve("rewritten.db"));
        ReceiptLog log = open(store)) {
      log.anchor(ORCHESTRATOR, rewritten);
      SignedCheckpoint latest = log.latestCheckpoint();
      // Whatever proof the rewritten log offers, it cannot extend the checkpoint kept earlier.
      ConsistencyProof proof = log.consistencyProof(5, 10);
      e =
          assertThrows(
              VerificationException.class,
              () -> OfflineVerifier.verifyConsistency(keptNote, latest.note(), proof.path(), vkey));
      assertEquals("consistency", e.check());
      // And the honest receipt's proof does not lead to the rewritten log's root.
      String swapped =
          bundleOfThird.replace(
              keptNote,
              log.checkpoints().stream()
                  .filter(c -> c.treeSize() == 10)
                  .findFirst()
                  .orElseThrow()
                  .note());
      e =
          assertThrows(
              VerificationException.class,
              () -> OfflineVerifier.verify(swapped, vkey, Optional.empty(), Optional.empty()));
      assertEquals("inclusion", e.check());
    }
  }

  @Test
  void refusesToOpenAStoreWhoseSubtreesWereAltered() throws Exception {
    Path file = dir.resolve("altered.db");
    try (SqliteLogStore store = SqliteLogStore.open(file);
        ReceiptLog log = open(store)) {
      for (int i = 0; i < 6; i++) {
        log.anchor(ORCHESTRATOR, List.of(TestReceipts.signed(executor, "job", "task-" + i)));
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      // Size 6 is the subtrees [0, 4) and [4, 6); change the first.
      assertEquals(1, s.executeUpdate("UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 2"));
    }
    try (SqliteLogStore store = SqliteLogStore.open(file)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> open(store));
      assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }
  }

  @Test
  void fillsInSubtreesForAStoreWrittenBeforeTheyWereKept() throws Exception {
    Path file = dir.resolve("old.db");
    try (SqliteLogStore store = SqliteLogStore.open(file);
        ReceiptLog log = open(store)) {
      for (int i = 0; i < 11; i++) {
        log.anchor(ORCHESTRATOR, List.of(TestReceipts.signed(executor, "job", "task-" + i)));
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM tree_nodes");
    }
    try (SqliteLogStore store = SqliteLogStore.open(file);
        ReceiptLog log = open(store)) {
      assertEquals(11, log.treeSize());
      String third = io.meshwork.content.Cid.of(log.leaves(2, 1, 11).get(0));
      OfflineVerifier.verify(
          log.inclusionProof(third, 0).bundle(), vkey, Optional.empty(), Optional.empty());
      OfflineVerifier.verifyConsistency(
          log.checkpoints().get(3).note(),
          log.latestCheckpoint().note(),
          log.consistencyProof(3, 11).path(),
          vkey);
    }
  }
}
