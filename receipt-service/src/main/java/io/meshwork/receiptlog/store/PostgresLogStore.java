package io.meshwork.receiptlog.store;

import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The receipt log's store in PostgreSQL, for a cluster: the same tables as {@link SqliteLogStore}
 * with {@code BIGINT} and {@code BYTEA} columns, created by numbered migrations recorded in {@code
 * schema_migrations}.
 *
 * <p>A commit is durable when it returns under PostgreSQL's default {@code synchronous_commit=on}.
 * A connection that broke (the server restarted) is opened again by the next call that needs it.
 * The log assumes one sequencer: should a second one write to the same database, the primary keys
 * on the leaf index and the checkpoint size make its append fail rather than fork the tree.
 */
public final class PostgresLogStore extends JdbcLogStore {
  /** The schema, one entry per version. Append new versions; never edit an applied one. */
  private static final List<String> MIGRATIONS =
      List.of(
          """
          CREATE TABLE leaves (
            idx BIGINT PRIMARY KEY,
            cid TEXT NOT NULL UNIQUE,
            job_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            executor_did TEXT NOT NULL,
            leaf BYTEA NOT NULL,
            leaf_hash BYTEA NOT NULL,
            anchored_at BIGINT NOT NULL
          );
          CREATE INDEX leaves_by_job ON leaves (job_id, idx);
          CREATE TABLE checkpoints (
            tree_size BIGINT PRIMARY KEY,
            root_hash BYTEA NOT NULL,
            note TEXT NOT NULL
          );
          """,
          """
          CREATE TABLE tree_nodes (
            level INTEGER NOT NULL,
            idx BIGINT NOT NULL,
            hash BYTEA NOT NULL,
            PRIMARY KEY (level, idx)
          );
          """,
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
          );
          """);

  private final String url;

  private PostgresLogStore(
      String url, Connection writer, Connection reader, ReconnectingConnection.Opener opener) {
    super(writer, reader, opener);
    this.url = url;
  }

  /**
   * Connects to the database at {@code jdbcUrl} and brings its schema up to date.
   *
   * @throws LogStoreException if the database cannot be reached or migrated
   */
  public static PostgresLogStore open(String jdbcUrl, String user, String password) {
    Properties props = new Properties();
    props.putAll(
        Map.of(
            "user", user,
            "password", password,
            "connectTimeout", "10",
            // Keep-alives notice a server that vanished (a failover) under an idle connection.
            "tcpKeepAlive", "true",
            "ApplicationName", "meshwork-receipts"));
    ReconnectingConnection.Opener opener = () -> DriverManager.getConnection(jdbcUrl, props);
    Connection writer = null;
    Connection reader = null;
    try {
      writer = opener.open();
      migrate(writer, MIGRATIONS);
      reader = opener.open();
      return new PostgresLogStore(jdbcUrl, writer, reader, opener);
    } catch (Exception e) {
      closeQuietly(reader);
      closeQuietly(writer);
      throw new LogStoreException("cannot open the receipt log store " + jdbcUrl + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "PostgresLogStore[" + url + "]";
  }
}
