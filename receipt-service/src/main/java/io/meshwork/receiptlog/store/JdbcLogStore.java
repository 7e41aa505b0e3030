package io.meshwork.receiptlog.store;

import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The log store's queries, shared by SQLite and PostgreSQL: both speak the SQL used here, so the
 * subclasses only open connections and bring the schema up to date.
 *
 * <p>The store holds two connections, one for the single appender and one shared by readers; each
 * is used by one thread at a time because a JDBC connection is not safe to share. Either is opened
 * again once it broke ({@link ReconnectingConnection}): a read is then tried once more on the new
 * one, since it changes nothing, while a write fails (its commit may or may not have happened; the
 * log re-reads the store before its next append) and the next write gets the new connection.
 */
abstract class JdbcLogStore implements LogStore {
  static final String LEAF_COLUMNS =
      "idx, cid, job_id, task_id, executor_did, leaf, leaf_hash, anchored_at";

  /** CIDs bound in one lookup statement at most. */
  private static final int CIDS_PER_QUERY = 500;

  private final Object writeLock = new Object();
  private final Object readLock = new Object();
  private final ReconnectingConnection writer;
  private final ReconnectingConnection reader;

  /**
   * Takes over two open connections, {@code writer} and {@code reader}, in auto-commit mode; {@code
   * opener} opens their successors when they break.
   */
  JdbcLogStore(Connection writer, Connection reader, ReconnectingConnection.Opener opener) {
    this.writer = ReconnectingConnection.adopt(writer, opener, true, "the receipt log store");
    this.reader = ReconnectingConnection.adopt(reader, opener, true, "the receipt log store");
  }

  /**
   * Applies the migrations newer than the database's schema version, each in its own transaction
   * with its record in {@code schema_migrations}. A migration is one or more statements separated
   * by semicolons.
   */
  static void migrate(Connection c, List<String> migrations) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
              + "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    }
    int applied;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
      rs.next();
      applied = rs.getInt(1);
    }
    if (applied > migrations.size()) {
      throw new SQLException(
          "the database has schema version "
              + applied
              + " but this build knows only up to "
              + migrations.size()
              + "; run a newer receipt service");
    }
    for (int version = applied + 1; version <= migrations.size(); version++) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : migrations.get(version - 1).split(";")) {
          if (!sql.isBlank()) {
            s.execute(sql);
          }
        }
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")) {
          p.setInt(1, version);
          p.setLong(2, System.currentTimeMillis());
          p.executeUpdate();
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /**
   * Runs {@code read} on the reading connection; if that failed because the connection broke, once
   * more on a new one.
   */
  private <T> T read(String failure, ReconnectingConnection.Work<T> read) {
    synchronized (readLock) {
      try {
        return reader.read(read);
      } catch (SQLException e) {
        throw new LogStoreException(failure, e);
      }
    }
  }

  @Override
  public long size() {
    return read("cannot read the log size", JdbcLogStore::nextIndex);
  }

  private static long nextIndex(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(idx) + 1, 0) FROM leaves")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public List<byte[]> leafHashes() {
    return read(
        "cannot read the leaf hashes",
        c -> {
          List<byte[]> hashes = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT idx, leaf_hash FROM leaves ORDER BY idx")) {
            while (rs.next()) {
              long idx = rs.getLong(1);
              if (idx != hashes.size()) {
                // A gap would shift every later leaf's position; refuse rather than serve a
                // wrong tree.
                throw new LogStoreException(
                    "the leaves table is not dense: expected index "
                        + hashes.size()
                        + ", found "
                        + idx);
              }
              hashes.add(rs.getBytes(2));
            }
            return hashes;
          }
        });
  }

  @Override
  public List<LeafRecord> leaves(long fromIndex, int limit) {
    return leafQuery(
        "SELECT " + LEAF_COLUMNS + " FROM leaves WHERE idx >= ? ORDER BY idx LIMIT ?",
        "cannot read leaves",
        p -> {
          p.setLong(1, fromIndex);
          p.setInt(2, limit);
        });
  }

  @Override
  public Optional<LeafRecord> findByCid(String cid) {
    List<LeafRecord> found =
        leafQuery(
            "SELECT " + LEAF_COLUMNS + " FROM leaves WHERE cid = ?",
            "cannot look up a receipt by CID",
            p -> p.setString(1, cid));
    return found.stream().findFirst();
  }

  @Override
  public Map<String, LeafRecord> findByCids(Collection<String> cids) {
    List<String> all = List.copyOf(cids);
    Map<String, LeafRecord> found = new HashMap<>();
    // In slices, so a statement stays within every database's limit on bound parameters.
    for (int from = 0; from < all.size(); from += CIDS_PER_QUERY) {
      List<String> slice = all.subList(from, Math.min(all.size(), from + CIDS_PER_QUERY));
      List<LeafRecord> rows =
          leafQuery(
              "SELECT "
                  + LEAF_COLUMNS
                  + " FROM leaves WHERE cid IN ("
                  + String.join(", ", Collections.nCopies(slice.size(), "?"))
                  + ")",
              "cannot look up receipts by CID",
              p -> {
                for (int i = 0; i < slice.size(); i++) {
                  p.setString(i + 1, slice.get(i));
                }
              });
      rows.forEach(leaf -> found.put(leaf.cid(), leaf));
    }
    return found;
  }

  @Override
  public List<LeafRecord> listByJob(String jobId, long afterIndex, int limit) {
    return leafQuery(
        "SELECT " + LEAF_COLUMNS + " FROM leaves WHERE job_id = ? AND idx > ? ORDER BY idx LIMIT ?",
        "cannot list the receipts of a job",
        p -> {
          p.setString(1, jobId);
          p.setLong(2, afterIndex);
          p.setInt(3, limit);
        });
  }

  private interface Binder {
    void bind(PreparedStatement p) throws SQLException;
  }

  private List<LeafRecord> leafQuery(String sql, String failure, Binder binder) {
    return read(
        failure,
        c -> {
          try (PreparedStatement p = c.prepareStatement(sql)) {
            binder.bind(p);
            List<LeafRecord> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                out.add(leafOf(rs));
              }
            }
            return out;
          }
        });
  }

  @Override
  public Map<NodeId, byte[]> nodes(Collection<NodeId> ids) {
    List<NodeId> leaves = new ArrayList<>();
    List<NodeId> inner = new ArrayList<>();
    for (NodeId id : ids) {
      (id.level() == 0 ? leaves : inner).add(id);
    }
    return read("cannot read tree nodes", c -> nodes(c, leaves, inner));
  }

  private static Map<NodeId, byte[]> nodes(Connection c, List<NodeId> leaves, List<NodeId> inner)
      throws SQLException {
    Map<NodeId, byte[]> out = new HashMap<>();
    // One statement per kind, so a proof costs at most two round trips however long it is.
    if (!leaves.isEmpty()) {
      String sql =
          "SELECT idx, leaf_hash FROM leaves WHERE idx IN ("
              + String.join(", ", java.util.Collections.nCopies(leaves.size(), "?"))
              + ")";
      try (PreparedStatement p = c.prepareStatement(sql)) {
        for (int i = 0; i < leaves.size(); i++) {
          p.setLong(i + 1, leaves.get(i).index());
        }
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.put(new NodeId(0, rs.getLong(1)), rs.getBytes(2));
          }
        }
      }
    }
    if (!inner.isEmpty()) {
      String sql =
          "SELECT level, idx, hash FROM tree_nodes WHERE "
              + String.join(
                  " OR ", java.util.Collections.nCopies(inner.size(), "(level = ? AND idx = ?)"));
      try (PreparedStatement p = c.prepareStatement(sql)) {
        for (int i = 0; i < inner.size(); i++) {
          p.setInt(2 * i + 1, inner.get(i).level());
          p.setLong(2 * i + 2, inner.get(i).index());
        }
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.put(new NodeId(rs.getInt(1), rs.getLong(2)), rs.getBytes(3));
          }
        }
      }
    }
    return out;
  }

  @Override
  public void append(
      List<LeafRecord> leaves, Map<NodeId, byte[]> nodes, CheckpointRecord checkpoint) {
    write(
        c -> {
          long next = nextIndex(c);
          long expectedSize = next + leaves.size();
          if (checkpoint.treeSize() != expectedSize) {
            throw new LogStoreException(
                "the checkpoint covers "
                    + checkpoint.treeSize()
                    + " leaves but the log would hold "
                    + expectedSize);
          }
          if (!leaves.isEmpty()) {
            try (PreparedStatement p =
                c.prepareStatement(
                    "INSERT INTO leaves (" + LEAF_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
              for (LeafRecord leaf : leaves) {
                if (leaf.index() != next) {
                  // Another writer, or a bug in the caller: either way the tree would be wrong.
                  throw new LogStoreException(
                      "leaf index " + leaf.index() + " does not continue the log at " + next);
                }
                p.setLong(1, leaf.index());
                p.setString(2, leaf.cid());
                p.setString(3, leaf.jobId());
                p.setString(4, leaf.taskId());
                p.setString(5, leaf.executorDid());
                p.setBytes(6, leaf.leaf());
                p.setBytes(7, leaf.leafHash());
                p.setLong(8, leaf.anchoredAt());
                p.addBatch();
                next++;
              }
              p.executeBatch();
            }
          }
          insertNodes(c, nodes, false);
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO checkpoints (tree_size, root_hash, note) VALUES (?, ?, ?)")) {
            p.setLong(1, checkpoint.treeSize());
            p.setBytes(2, checkpoint.rootHash());
            p.setString(3, checkpoint.note());
            p.executeUpdate();
          }
        },
        "cannot append to the receipt log");
  }

  @Override
  public void putNodes(Map<NodeId, byte[]> nodes) {
    write(c -> insertNodes(c, nodes, true), "cannot store tree nodes");
  }

  private static void insertNodes(Connection c, Map<NodeId, byte[]> nodes, boolean keepExisting)
      throws SQLException {
    if (nodes.isEmpty()) {
      return;
    }
    String sql =
        "INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)"
            + (keepExisting ? " ON CONFLICT DO NOTHING" : "");
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (Map.Entry<NodeId, byte[]> node : nodes.entrySet()) {
        if (node.getKey().level() == 0) {
          throw new LogStoreException("level 0 hashes are the leaves' own, not tree nodes");
        }
        p.setInt(1, node.getKey().level());
        p.setLong(2, node.getKey().index());
        p.setBytes(3, node.getValue());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  private interface Transaction {
    void run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction on the writing connection. When the connection broke on
   * the way, whether the commit happened is unknown: the failure says so, and the connection is
   * dropped for a new one.
   */
  private void write(Transaction work, String failure) {
    synchronized (writeLock) {
      try {
        Connection c = writer.get();
        c.setAutoCommit(false);
        try {
          work.run(c);
          c.commit();
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException rollback) {
            e.addSuppressed(rollback);
          }
          throw e;
        } finally {
          try {
            c.setAutoCommit(true);
          } catch (SQLException broken) {
            // A broken connection is dropped below; a live one is set again by the next write.
          }
        }
      } catch (SQLException e) {
        writer.recover();
        throw new LogStoreException(failure + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        writer.recover();
        throw e;
      }
    }
  }

  @Override
  public Optional<CheckpointRecord> checkpoint(long treeSize) {
    return oneCheckpoint(
        "SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_size = ?", treeSize);
  }

  @Override
  public Optional<CheckpointRecord> latestCheckpoint() {
    return oneCheckpoint(
        "SELECT tree_size, root_hash, note FROM checkpoints WHERE tree_size >= ?"
            + " ORDER BY tree_size DESC LIMIT 1",
        0);
  }

  private Optional<CheckpointRecord> oneCheckpoint(String sql, long param) {
    return read(
        "cannot read a checkpoint",
        c -> {
          try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, param);
            try (ResultSet rs = p.executeQuery()) {
              return rs.next() ? Optional.of(checkpointOf(rs)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public List<CheckpointRecord> checkpoints() {
    return read(
        "cannot list the checkpoints",
        c -> {
          List<CheckpointRecord> out = new ArrayList<>();
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size")) {
            while (rs.next()) {
              out.add(checkpointOf(rs));
            }
            return out;
          }
        });
  }

  @Override
  public void replaceMembers(MemberList list) {
    write(
        c -> {
          String orchestrator = list.orchestratorDid();
          for (String table : List.of("member_periods", "member_lists")) {
            try (PreparedStatement p =
                c.prepareStatement("DELETE FROM " + table + " WHERE orchestrator_did = ?")) {
              p.setString(1, orchestrator);
              p.executeUpdate();
            }
          }
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO member_lists (orchestrator_did, version) VALUES (?, ?)")) {
            p.setString(1, orchestrator);
            p.setLong(2, list.version());
            p.executeUpdate();
          }
          if (list.members().isEmpty()) {
            return;
          }
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO member_periods (orchestrator_did, executor_did, admitted_at,"
                      + " left_at) VALUES (?, ?, ?, ?)")) {
            for (MemberPeriod m : list.members()) {
              p.setString(1, orchestrator);
              p.setString(2, m.executorDid());
              p.setLong(3, m.admittedAt());
              p.setLong(4, m.leftAt());
              p.addBatch();
            }
            p.executeBatch();
          }
        },
        "cannot store the member list");
  }

  @Override
  public List<MemberList> memberLists() {
    return read("cannot read the member lists", JdbcLogStore::memberLists);
  }

  private static List<MemberList> memberLists(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      Map<String, List<MemberPeriod>> periods = new HashMap<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT orchestrator_did, executor_did, admitted_at, left_at FROM member_periods")) {
        while (rs.next()) {
          periods
              .computeIfAbsent(rs.getString(1), o -> new ArrayList<>())
              .add(new MemberPeriod(rs.getString(2), rs.getLong(3), rs.getLong(4)));
        }
      }
      List<MemberList> out = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT orchestrator_did, version FROM member_lists ORDER BY orchestrator_did")) {
        while (rs.next()) {
          String orchestrator = rs.getString(1);
          out.add(
              new MemberList(
                  orchestrator, rs.getLong(2), periods.getOrDefault(orchestrator, List.of())));
        }
      }
      return out;
    }
  }

  private static LeafRecord leafOf(ResultSet rs) throws SQLException {
    return new LeafRecord(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getBytes(6),
        rs.getBytes(7),
        rs.getLong(8));
  }

  private static CheckpointRecord checkpointOf(ResultSet rs) throws SQLException {
    return new CheckpointRecord(rs.getLong(1), rs.getBytes(2), rs.getString(3));
  }

  @Override
  public void close() {
    synchronized (readLock) {
      reader.close();
    }
    synchronized (writeLock) {
      writer.close();
    }
  }

  static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing is best effort: a commit that returned is already durable.
      }
    }
  }
}
