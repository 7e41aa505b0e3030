package io.meshwork.receiptlog.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The receipt log's store in an embedded SQLite file, the default for one machine.
 *
 * <p>The file runs in WAL mode with {@code synchronous=FULL}, so a commit that returned is on disk
 * and survives a power cut, and readers never wait for the writer. It holds two connections: one
 * for the single appender and one shared by readers; each is used by one thread at a time because a
 * JDBC connection is not safe to share. The schema is created by numbered migrations recorded in
 * {@code schema_migrations}.
 */
public final class SqliteLogStore implements LogStore {
  /**
   * The schema, one entry per version. Append new versions; never edit an applied one.
   *
   * <p>The SQL is kept portable where that costs nothing; {@code INTEGER PRIMARY KEY} makes the
   * index SQLite's row id (the PostgreSQL store uses {@code BIGINT} and {@code BYTEA} instead).
   */
  private static final List<String> MIGRATIONS =
      List.of(
          """
          CREATE TABLE leaves (
            idx INTEGER PRIMARY KEY,
            cid TEXT NOT NULL UNIQUE,
            job_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            executor_did TEXT NOT NULL,
            leaf BLOB NOT NULL,
            leaf_hash BLOB NOT NULL,
            anchored_at BIGINT NOT NULL
          );
          CREATE INDEX leaves_by_job ON leaves (job_id, idx);
          CREATE TABLE checkpoints (
            tree_size BIGINT PRIMARY KEY,
            root_hash BLOB NOT NULL,
            note TEXT NOT NULL
          );
          """);

  private static final String LEAF_COLUMNS =
      "idx, cid, job_id, task_id, executor_did, leaf, leaf_hash, anchored_at";

  private final Path file;
  private final Connection writer;
  private final Connection reader;

  private SqliteLogStore(Path file, Connection writer, Connection reader) {
    this.file = file;
    this.writer = writer;
    this.reader = reader;
  }

  /**
   * Opens (creating if needed) the store in {@code file} and brings its schema up to date.
   *
   * @throws LogStoreException if the file cannot be opened or migrated
   */
  public static SqliteLogStore open(Path file) {
    Connection writer = null;
    Connection reader = null;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      writer = connect(file);
      try (Statement s = writer.createStatement()) {
        // WAL is a property of the file, so setting it once on the writer covers the reader.
        s.execute("PRAGMA journal_mode=WAL");
      }
      migrate(writer);
      reader = connect(file);
      return new SqliteLogStore(file, writer, reader);
    } catch (Exception e) {
      closeQuietly(reader);
      closeQuietly(writer);
      throw new LogStoreException("cannot open the receipt log store " + file + ": " + e, e);
    }
  }

  private static Connection connect(Path file) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      // synchronous is per connection; FULL makes every commit durable, not just consistent.
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=10000");
    }
    return c;
  }

  private static void migrate(Connection c) throws SQLException {
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
    if (applied > MIGRATIONS.size()) {
      throw new SQLException(
          "the database has schema version "
              + applied
              + " but this build knows only up to "
              + MIGRATIONS.size()
              + "; run a newer receipt service");
    }
    for (int version = applied + 1; version <= MIGRATIONS.size(); version++) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : MIGRATIONS.get(version - 1).split(";")) {
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

  @Override
  public long size() {
    synchronized (reader) {
      return nextIndex(reader);
    }
  }

  private static long nextIndex(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(idx) + 1, 0) FROM leaves")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new LogStoreException("cannot read the log size", e);
    }
  }

  @Override
  public List<byte[]> leafHashes() {
    synchronized (reader) {
      List<byte[]> hashes = new ArrayList<>();
      try (Statement s = reader.createStatement();
          ResultSet rs = s.executeQuery("SELECT idx, leaf_hash FROM leaves ORDER BY idx")) {
        while (rs.next()) {
          long idx = rs.getLong(1);
          if (idx != hashes.size()) {
            // A gap would shift every later leaf's position; refuse rather than serve a wrong tree.
            throw new LogStoreException(
                "the leaves table is not dense: expected index "
                    + hashes.size()
                    + ", found "
                    + idx);
          }
          hashes.add(rs.getBytes(2));
        }
        return hashes;
      } catch (SQLException e) {
        throw new LogStoreException("cannot read the leaf hashes", e);
      }
    }
  }

  @Override
  public Optional<LeafRecord> findByCid(String cid) {
    synchronized (reader) {
      try (PreparedStatement p =
          reader.prepareStatement("SELECT " + LEAF_COLUMNS + " FROM leaves WHERE cid = ?")) {
        p.setString(1, cid);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? Optional.of(leafOf(rs)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new LogStoreException("cannot look up a receipt by CID", e);
      }
    }
  }

  @Override
  public List<LeafRecord> listByJob(String jobId, long afterIndex, int limit) {
    synchronized (reader) {
      try (PreparedStatement p =
          reader.prepareStatement(
              "SELECT "
                  + LEAF_COLUMNS
                  + " FROM leaves WHERE job_id = ? AND idx > ? ORDER BY idx LIMIT ?")) {
        p.setString(1, jobId);
        p.setLong(2, afterIndex);
        p.setInt(3, limit);
        List<LeafRecord> out = new ArrayList<>();
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(leafOf(rs));
          }
        }
        return out;
      } catch (SQLException e) {
        throw new LogStoreException("cannot list the receipts of a job", e);
      }
    }
  }

  @Override
  public void append(List<LeafRecord> leaves, CheckpointRecord checkpoint) {
    synchronized (writer) {
      try {
        writer.setAutoCommit(false);
        try {
          long next = nextIndex(writer);
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
                writer.prepareStatement(
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
          try (PreparedStatement p =
              writer.prepareStatement(
                  "INSERT INTO checkpoints (tree_size, root_hash, note) VALUES (?, ?, ?)")) {
            p.setLong(1, checkpoint.treeSize());
            p.setBytes(2, checkpoint.rootHash());
            p.setString(3, checkpoint.note());
            p.executeUpdate();
          }
          writer.commit();
        } catch (SQLException | RuntimeException e) {
          writer.rollback();
          throw e;
        } finally {
          writer.setAutoCommit(true);
        }
      } catch (SQLException e) {
        throw new LogStoreException("cannot append to the receipt log: " + e.getMessage(), e);
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
    synchronized (reader) {
      try (PreparedStatement p = reader.prepareStatement(sql)) {
        p.setLong(1, param);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next() ? Optional.of(checkpointOf(rs)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw new LogStoreException("cannot read a checkpoint", e);
      }
    }
  }

  @Override
  public List<CheckpointRecord> checkpoints() {
    synchronized (reader) {
      List<CheckpointRecord> out = new ArrayList<>();
      try (Statement s = reader.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size")) {
        while (rs.next()) {
          out.add(checkpointOf(rs));
        }
        return out;
      } catch (SQLException e) {
        throw new LogStoreException("cannot list the checkpoints", e);
      }
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
    synchronized (reader) {
      closeQuietly(reader);
    }
    synchronized (writer) {
      closeQuietly(writer);
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing is best effort: a commit that returned is already durable.
      }
    }
  }

  @Override
  public String toString() {
    return "SqliteLogStore[" + file + "]";
  }
}
