package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receiptlog.store.CheckpointRecord;
import io.meshwork.receiptlog.store.LeafRecord;
import io.meshwork.receiptlog.store.LogStore;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calls that queue behind a commit share the next one, and a failed commit changes nothing. */
class GroupCommitTest {
  /** Anchors every receipt; the executors are in the configured list, so any DID would do. */
  private static final String ORCHESTRATOR = Identity.generate().did();

  @TempDir Path dir;

  private final Identity logKey = Identity.generate();
  private final Identity executor = Identity.generate();

  @Test
  void callsWaitingBehindACommitShareTheNextOne() throws Exception {
    try (GatedStore store = new GatedStore(SqliteLogStore.open(dir.resolve("r.db")));
        ReceiptLog log = open(store)) {
      store.gate = new CountDownLatch(1);
      CompletableFuture<ExecutionReceiptAvailableV1> first =
          CompletableFuture.supplyAsync(() -> anchor(log, "t0"));
      assertTrue(store.entered.await(10, TimeUnit.SECONDS));

      List<CompletableFuture<ExecutionReceiptAvailableV1>> waiting = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        String task = "t" + i;
        waiting.add(CompletableFuture.supplyAsync(() -> anchor(log, task)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.waitingCalls() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(5, log.waitingCalls());
      store.gate.countDown();

      assertEquals(1, first.get().getTreeSize());
      String sharedNote = waiting.get(0).get().getCheckpoint();
      for (CompletableFuture<ExecutionReceiptAvailableV1> f : waiting) {
        assertEquals(6, f.get().getTreeSize());
        assertEquals(sharedNote, f.get().getCheckpoint());
      }
      assertEquals(3, store.appends);
      assertEquals(
          List.of(0L, 1L, 6L), log.checkpoints().stream().map(SignedCheckpoint::treeSize).toList());
    }
  }

  @Test
  void aFailedCommitLeavesTheLogAsItWas() throws Exception {
    try (GatedStore store = new GatedStore(SqliteLogStore.open(dir.resolve("r.db")));
        ReceiptLog log = open(store)) {
      anchor(log, "t0");
      SignedCheckpoint before = log.latestCheckpoint();
      store.failNext.set(true);

      MeshException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              MeshException.class, () -> anchor(log, "t1"));

      assertEquals(MeshException.Kind.UNAVAILABLE, e.kind());
      assertEquals(before, log.latestCheckpoint());
      // The same receipt goes in at the next index once the store works again.
      ExecutionReceiptAvailableV1 retried = anchor(log, "t1");
      assertEquals(1, retried.getLogIndex());
      assertEquals(2, retried.getTreeSize());
    }
  }

  private ReceiptLog open(LogStore store) {
    return ReceiptLog.open(
        store,
        logKey,
        "test/receipts",
        did -> did.equals(executor.did()),
        Clock.systemUTC(),
        ServiceMetrics.none());
  }

  private ExecutionReceiptAvailableV1 anchor(ReceiptLog log, String task) {
    return log.anchor(ORCHESTRATOR, List.of(TestReceipts.signed(executor, "job", task))).get(0);
  }

  /** A store that can hold an append at a gate or fail it, delegating everything else. */
  private static final class GatedStore implements LogStore {
    private final LogStore inner;
    volatile CountDownLatch gate;
    final CountDownLatch entered = new CountDownLatch(1);
    final AtomicBoolean failNext = new AtomicBoolean();
    volatile int appends;

    GatedStore(LogStore inner) {
      this.inner = inner;
    }

    @Override
    public void append(
        List<LeafRecord> leaves,
        java.util.Map<io.meshwork.receiptlog.store.NodeId, byte[]> nodes,
        CheckpointRecord checkpoint) {
      if (failNext.getAndSet(false)) {
        throw new io.meshwork.receiptlog.store.LogStoreException("injected failure");
      }
      CountDownLatch g = gate;
      if (g != null && !leaves.isEmpty()) {
        entered.countDown();
        try {
          g.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        gate = null;
      }
      inner.append(leaves, nodes, checkpoint);
      appends++;
    }

    @Override
    public long size() {
      return inner.size();
    }

    @Override
    public List<byte[]> leafHashes() {
      return inner.leafHashes();
    }

    @Override
    public List<LeafRecord> leaves(long fromIndex, int limit) {
      return inner.leaves(fromIndex, limit);
    }

    @Override
    public java.util.Map<io.meshwork.receiptlog.store.NodeId, byte[]> nodes(
        java.util.Collection<io.meshwork.receiptlog.store.NodeId> ids) {
      return inner.nodes(ids);
    }

    @Override
    public void putNodes(java.util.Map<io.meshwork.receiptlog.store.NodeId, byte[]> nodes) {
      inner.putNodes(nodes);
    }

    @Override
    public Optional<LeafRecord> findByCid(String cid) {
      return inner.findByCid(cid);
    }

    @Override
    public java.util.Map<String, LeafRecord> findByCids(java.util.Collection<String> cids) {
      return inner.findByCids(cids);
    }

    @Override
    public List<LeafRecord> listByJob(String jobId, long afterIndex, int limit) {
      return inner.listByJob(jobId, afterIndex, limit);
    }

    @Override
    public Optional<CheckpointRecord> checkpoint(long treeSize) {
      return inner.checkpoint(treeSize);
    }

    @Override
    public Optional<CheckpointRecord> latestCheckpoint() {
      return inner.latestCheckpoint();
    }

    @Override
    public List<CheckpointRecord> checkpoints() {
      return inner.checkpoints();
    }

    @Override
    public void replaceMembers(io.meshwork.receiptlog.store.MemberList list) {
      inner.replaceMembers(list);
    }

    @Override
    public List<io.meshwork.receiptlog.store.MemberList> memberLists() {
      return inner.memberLists();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
