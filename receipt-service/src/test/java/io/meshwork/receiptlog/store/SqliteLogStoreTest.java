package io.meshwork.receiptlog.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store: schema, durability settings and the all-or-nothing append. */
class SqliteLogStoreTest {
  @TempDir Path dir;

  private static LeafRecord leaf(long index, String cid, String job) {
    byte[] hash = new byte[32];
    hash[0] = (byte) index;
    return new LeafRecord(
        index, cid, job, "task-" + index, "did:key:z6Mk", new byte[] {1, 2}, hash, 42);
  }

  private static CheckpointRecord checkpoint(long size) {
    return new CheckpointRecord(size, new byte[32], "note " + size);
  }

  @Test
  void appendsReadsAndSurvivesReopening() {
    Path file = dir.resolve("receipts.db");
    try (SqliteLogStore store = SqliteLogStore.open(file)) {
      store.append(List.of(), checkpoint(0));
      store.append(List.of(leaf(0, "c0", "j"), leaf(1, "c1", "k")), checkpoint(2));
      store.append(List.of(leaf(2, "c2", "j")), checkpoint(3));
    }
    try (SqliteLogStore store = SqliteLogStore.open(file)) {
      assertEquals(3, store.size());
      assertEquals(3, store.leafHashes().size());
      assertArrayEquals(leaf(1, "c1", "k").leafHash(), store.leafHashes().get(1));
      assertEquals(1, store.findByCid("c1").orElseThrow().index());
      assertTrue(store.findByCid("nope").isEmpty());
      assertEquals(
          List.of(0L, 2L), store.listByJob("j", -1, 10).stream().map(LeafRecord::index).toList());
      assertEquals(
          List.of(2L), store.listByJob("j", 0, 10).stream().map(LeafRecord::index).toList());
      assertEquals(3, store.latestCheckpoint().orElseThrow().treeSize());
      assertEquals("note 2", store.checkpoint(2).orElseThrow().note());
      assertTrue(store.checkpoint(1).isEmpty());
      assertEquals(3, store.checkpoints().size());
    }
  }

  @Test
  void aFailedAppendWritesNothing() {
    try (SqliteLogStore store = SqliteLogStore.open(dir.resolve("receipts.db"))) {
      store.append(List.of(leaf(0, "c0", "j")), checkpoint(1));

      // Duplicate CID: the second row violates the unique constraint after the first went in.
      assertThrows(
          LogStoreException.class,
          () -> store.append(List.of(leaf(1, "c1", "j"), leaf(2, "c0", "j")), checkpoint(3)));
      // A gap in the indices, and a checkpoint that does not cover the leaves.
      assertThrows(
          LogStoreException.class, () -> store.append(List.of(leaf(2, "c2", "j")), checkpoint(2)));
      assertThrows(
          LogStoreException.class, () -> store.append(List.of(leaf(1, "c1", "j")), checkpoint(5)));

      assertEquals(1, store.size());
      assertTrue(store.findByCid("c1").isEmpty());
      assertEquals(1, store.latestCheckpoint().orElseThrow().treeSize());
    }
  }

  @Test
  void usesWalAndRecordsMigrations() throws Exception {
    Path file = dir.resolve("receipts.db");
    SqliteLogStore.open(file).close();
    SqliteLogStore.open(file).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        rs.next();
        assertEquals("wal", rs.getString(1));
      }
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*), MAX(version) FROM schema_migrations")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
        assertEquals(1, rs.getInt(2));
      }
    }
  }
}
