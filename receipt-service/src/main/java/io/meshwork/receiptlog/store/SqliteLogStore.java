package io.meshwork.receiptlog.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The receipt log's store in an embedded SQLite file, the default for one machine.
 *
 * <p>The file runs in WAL mode with {@code synchronous=FULL}, so a commit that returned is on disk
 * and survives a power cut, and readers never wait for the writer. The schema is created by
 * numbered migrations recorded in {@code schema_migrations}.
 */
public final class SqliteLogStore extends JdbcLogStore {
  /**
   * The schema, one entry per version. Append new versions; never edit an applied one.
   *
   * <p>{@code INTEGER PRIMARY KEY} makes the index SQLite's row id; {@code PostgresLogStore} has
   * the same tables with {@code BIGINT} and {@code BYTEA} columns.
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
          """,
          // Complete subtree hashes above the leaves, so proofs read O(log n) rows. A store
          // written before this version gets them filled in by the log when it opens.
          """
          CREATE TABLE tree_nodes (
            level INTEGER NOT NULL,
            idx BIGINT NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (level, idx)
          ) WITHOUT ROWID;
          """,
          // The executors each orchestrator vouches for (SyncMembers), so a restarted log still
          // takes their receipts.
          """
          CREATE TABLE member_lists (
            orchestrator_did TEXT PRIMARY KEY,
            version BIGINT NOT NULL
          );
          CREATE TABLE member_periods (
            orchestrator_did TEXT NOT NULL,
            executor_did TEXT NOT NULL,
            admitted_at BIGINT NOT NULL,
            left_at BIGINT NOT NULL,
            PRIMARY KEY (orchestrator_did, executor_did)
          ) WITHOUT ROWID;
          """);

  private final Path file;

  private SqliteLogStore(Path file, Connection writer, Connection reader) {
    super(writer, reader, () -> connect(file));
    this.file = file;
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
      migrate(writer, MIGRATIONS);
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

  @Override
  public String toString() {
    return "SqliteLogStore[" + file + "]";
  }
}
