package io.meshwork.receiptlog.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LogStore} must do, run against each implementation: SQLite in a temporary file
 * and PostgreSQL for real.
 */
abstract class LogStoreContract {
  /** Opens the store under test; a second call opens the same data again. */
  abstract LogStore open();

  static LeafRecord leaf(long index, String cid, String job) {
    byte[] hash = new byte[32];
    hash[0] = (byte) index;
    return new LeafRecord(
        index, cid, job, "task-" + index, "did:key:z6Mk", new byte[] {1, 2}, hash, 42);
  }

  static CheckpointRecord checkpoint(long size) {
    return new CheckpointRecord(size, new byte[32], "note " + size);
  }

  static byte[] hash(int marker) {
    byte[] h = new byte[32];
    h[31] = (byte) marker;
    return h;
  }

  @Test
  void appendsReadsAndSurvivesReopening() {
    try (LogStore store = open()) {
      store.append(List.of(), Map.of(), checkpoint(0));
      store.append(
          List.of(leaf(0, "c0", "j"), leaf(1, "c1", "k")),
          Map.of(new NodeId(1, 0), hash(10)),
          checkpoint(2));
      store.append(List.of(leaf(2, "c2", "j")), Map.of(), checkpoint(3));
    }
    try (LogStore store = open()) {
      assertEquals(3, store.size());
      assertEquals(3, store.leafHashes().size());
      assertArrayEquals(leaf(1, "c1", "k").leafHash(), store.leafHashes().get(1));
      assertEquals(1, store.findByCid("c1").orElseThrow().index());
      assertTrue(store.findByCid("nope").isEmpty());
      assertEquals(
          List.of(0L, 2L), store.listByJob("j", -1, 10).stream().map(LeafRecord::index).toList());
      assertEquals(
          List.of(2L), store.listByJob("j", 0, 10).stream().map(LeafRecord::index).toList());
      assertEquals(List.of(1L, 2L), store.leaves(1, 10).stream().map(LeafRecord::index).toList());
      assertEquals(List.of(0L), store.leaves(0, 1).stream().map(LeafRecord::index).toList());
      assertArrayEquals(new byte[] {1, 2}, store.leaves(2, 1).get(0).leaf());
      assertEquals(3, store.latestCheckpoint().orElseThrow().treeSize());
      assertEquals("note 2", store.checkpoint(2).orElseThrow().note());
      assertTrue(store.checkpoint(1).isEmpty());
      assertEquals(3, store.checkpoints().size());
    }
  }

  @Test
  void findsManyReceiptsByCidAtOnce() {
    try (LogStore store = open()) {
      List<LeafRecord> leaves = new ArrayList<>();
      for (int i = 0; i < 1_200; i++) {
        leaves.add(leaf(i, "c" + i, "j"));
      }
      store.append(leaves, Map.of(), checkpoint(leaves.size()));
      // More CIDs than one statement binds, a CID twice, and CIDs the log does not hold.
      List<String> wanted = new ArrayList<>();
      for (int i = 0; i < 1_300; i += 2) {
        wanted.add("c" + i);
      }
      wanted.add("c4");
      wanted.add("nope");
      Map<String, LeafRecord> found = store.findByCids(wanted);
      assertEquals(600, found.size());
      assertEquals(1_198, found.get("c1198").index());
      assertEquals(42, found.get("c4").anchoredAt());
      assertTrue(!found.containsKey("c1") && !found.containsKey("c1200"));
      assertEquals(Map.of(), store.findByCids(List.of()));
    }
  }

  @Test
  void readsLeafHashesAndTreeNodesInOneBatch() {
    try (LogStore store = open()) {
      store.append(
          List.of(leaf(0, "c0", "j"), leaf(1, "c1", "j"), leaf(2, "c2", "j"), leaf(3, "c3", "j")),
          Map.of(
              new NodeId(1, 0), hash(10), new NodeId(1, 1), hash(11), new NodeId(2, 0), hash(20)),
          checkpoint(4));
      Map<NodeId, byte[]> got =
          store.nodes(
              List.of(
                  new NodeId(0, 3),
                  new NodeId(1, 1),
                  new NodeId(2, 0),
                  new NodeId(0, 9),
                  new NodeId(3, 0)));
      assertEquals(3, got.size(), "absent nodes are left out");
      assertArrayEquals(leaf(3, "c3", "j").leafHash(), got.get(new NodeId(0, 3)));
      assertArrayEquals(hash(11), got.get(new NodeId(1, 1)));
      assertArrayEquals(hash(20), got.get(new NodeId(2, 0)));

      // Filling in keeps what is stored and adds what is missing.
      Map<NodeId, byte[]> more = new HashMap<>();
      more.put(new NodeId(1, 0), hash(99));
      more.put(new NodeId(1, 5), hash(15));
      store.putNodes(more);
      got = store.nodes(List.of(new NodeId(1, 0), new NodeId(1, 5)));
      assertArrayEquals(hash(10), got.get(new NodeId(1, 0)));
      assertArrayEquals(hash(15), got.get(new NodeId(1, 5)));
    }
  }

  @Test
  void keepsEachOrchestratorsLatestMemberListAcrossReopening() {
    MemberList first =
        new MemberList(
            "did:key:z6MkOrchA",
            3,
            List.of(
                new MemberPeriod("did:key:z6MkExec1", 1_000, 0),
                new MemberPeriod("did:key:z6MkExec2", 1_000, 2_000)));
    MemberList other =
        new MemberList(
            "did:key:z6MkOrchB", 1, List.of(new MemberPeriod("did:key:z6MkExec1", 5, 0)));
    try (LogStore store = open()) {
      assertEquals(List.of(), store.memberLists());
      store.replaceMembers(first);
      store.replaceMembers(other);
      // Replacing drops the periods the new list no longer has.
      store.replaceMembers(
          new MemberList(
              "did:key:z6MkOrchA",
              4,
              List.of(new MemberPeriod("did:key:z6MkExec2", 1_000, Long.MAX_VALUE))));
    }
    try (LogStore store = open()) {
      Map<String, MemberList> lists = new HashMap<>();
      store.memberLists().forEach(l -> lists.put(l.orchestratorDid(), l));
      assertEquals(2, lists.size());
      assertEquals(
          new MemberList(
              "did:key:z6MkOrchA",
              4,
              List.of(new MemberPeriod("did:key:z6MkExec2", 1_000, Long.MAX_VALUE))),
          lists.get("did:key:z6MkOrchA"));
      assertEquals(other, lists.get("did:key:z6MkOrchB"));

      // An empty list is a list too: the orchestrator vouches for nobody, at that version.
      store.replaceMembers(new MemberList("did:key:z6MkOrchB", 2, List.of()));
      assertTrue(store.memberLists().contains(new MemberList("did:key:z6MkOrchB", 2, List.of())));
    }
  }

  @Test
  void storesAListOfManyMembersInOneGo() {
    List<MemberPeriod> many = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      many.add(new MemberPeriod("did:key:z6MkExec" + i, 1_000 + i, i % 2 == 0 ? 0 : 9_000_000));
    }
    try (LogStore store = open()) {
      store.replaceMembers(new MemberList("did:key:z6MkOrchA", 1, many));
      MemberList read = store.memberLists().get(0);
      assertEquals(1, read.version());
      assertEquals(
          new HashSet<>(many), new HashSet<>(read.members()), "the periods come back as written");
    }
  }

  @Test
  void aFailedAppendWritesNothing() {
    try (LogStore store = open()) {
      store.append(List.of(leaf(0, "c0", "j")), Map.of(), checkpoint(1));

      // Duplicate CID: the second row violates the unique constraint after the first went in.
      assertThrows(
          LogStoreException.class,
          () ->
              store.append(
                  List.of(leaf(1, "c1", "j"), leaf(2, "c0", "j")),
                  Map.of(new NodeId(1, 0), hash(1)),
                  checkpoint(3)));
      // A gap in the indices, and a checkpoint that does not cover the leaves.
      assertThrows(
          LogStoreException.class,
          () -> store.append(List.of(leaf(2, "c2", "j")), Map.of(), checkpoint(2)));
      assertThrows(
          LogStoreException.class,
          () -> store.append(List.of(leaf(1, "c1", "j")), Map.of(), checkpoint(5)));
      // A node that is already stored: a second writer's tree would differ from the first's.
      store.append(List.of(leaf(1, "c1", "j")), Map.of(new NodeId(1, 0), hash(1)), checkpoint(2));
      assertThrows(
          LogStoreException.class,
          () ->
              store.append(
                  List.of(leaf(2, "c2", "j")), Map.of(new NodeId(1, 0), hash(2)), checkpoint(3)));

      assertEquals(2, store.size());
      assertTrue(store.findByCid("c2").isEmpty());
      assertEquals(2, store.latestCheckpoint().orElseThrow().treeSize());
      assertArrayEquals(hash(1), store.nodes(List.of(new NodeId(1, 0))).get(new NodeId(1, 0)));
    }
  }
}
