package io.meshwork.blob.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings the catalog's schema up to date from a numbered list of migrations, each recorded in
 * {@code schema_migrations} in the same transaction as its statements, so it runs exactly once and
 * a crash leaves the schema before or after it.
 */
final class Migrations {
  /** One schema change: its number (increasing), what it does, its statements in order. */
  record Migration(int version, String description, List<String> statements) {}

  private Migrations() {}

  /** The catalog's schema; {@code bytesType} is the one column type the databases spell apart. */
  static List<Migration> schema(String bytesType) {
    return List.of(
        new Migration(
            1,
            "blobs, their holders and uses, uploads, released jobs",
            List.of(
                "CREATE TABLE blobs ("
                    + " cid TEXT PRIMARY KEY,"
                    + " size BIGINT NOT NULL CHECK (size >= 0),"
                    + " created_at BIGINT NOT NULL,"
                    + " unused_since BIGINT)",
                // The sweep looks for blobs unused since before a cutoff.
                "CREATE INDEX blobs_by_unused_since ON blobs (unused_since)",
                "CREATE TABLE blob_holders ("
                    + " cid TEXT NOT NULL REFERENCES blobs (cid),"
                    + " did TEXT NOT NULL,"
                    + " since BIGINT NOT NULL,"
                    + " PRIMARY KEY (cid, did))",
                // A quota check adds up the blobs one DID holds.
                "CREATE INDEX blob_holders_by_did ON blob_holders (did)",
                "CREATE TABLE blob_uses ("
                    + " cid TEXT NOT NULL REFERENCES blobs (cid),"
                    + " job_id TEXT NOT NULL,"
                    + " since BIGINT NOT NULL,"
                    + " PRIMARY KEY (cid, job_id))",
                "CREATE INDEX blob_uses_by_job ON blob_uses (job_id)",
                "CREATE TABLE uploads ("
                    + " upload_id TEXT PRIMARY KEY,"
                    + " request_id TEXT NOT NULL,"
                    + " uploader_did TEXT NOT NULL,"
                    + " owner_did TEXT NOT NULL,"
                    + " job_id TEXT NOT NULL,"
                    + " size BIGINT NOT NULL,"
                    + " expected_cid TEXT NOT NULL,"
                    + " acknowledged BIGINT NOT NULL,"
                    + " hash_state "
                    + bytesType
                    + " NOT NULL,"
                    + " store_token TEXT NOT NULL,"
                    + " state TEXT NOT NULL,"
                    + " cid TEXT NOT NULL,"
                    + " created_at BIGINT NOT NULL,"
                    + " touched_at BIGINT NOT NULL,"
                    + " UNIQUE (uploader_did, request_id))",
                "CREATE INDEX uploads_by_owner ON uploads (owner_did, state)",
                "CREATE INDEX uploads_by_uploader ON uploads (uploader_did, state)",
                "CREATE INDEX uploads_by_state ON uploads (state, touched_at)",
                "CREATE TABLE released_jobs ("
                    + " job_id TEXT PRIMARY KEY,"
                    + " released_at BIGINT NOT NULL)")));
  }

  /** Applies the migrations newer than the database's version; returns how many ran. */
  static int apply(Connection connection, List<Migration> migrations) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      try (Statement s = connection.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                + " version INTEGER PRIMARY KEY,"
                + " description TEXT NOT NULL,"
                + " applied_at BIGINT NOT NULL)");
      }
      connection.commit();
      int current;
      try (Statement s = connection.createStatement();
          ResultSet rs =
              s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
        rs.next();
        current = rs.getInt(1);
      }
      int applied = 0;
      for (Migration m : migrations) {
        if (m.version() <= current) {
          continue;
        }
        try (Statement s = connection.createStatement()) {
          for (String sql : m.statements()) {
            s.execute(sql);
          }
        }
        try (PreparedStatement p =
            connection.prepareStatement(
                "INSERT INTO schema_migrations (version, description, applied_at)"
                    + " VALUES (?, ?, ?)")) {
          p.setInt(1, m.version());
          p.setString(2, m.description());
          p.setLong(3, System.currentTimeMillis());
          p.executeUpdate();
        }
        connection.commit();
        applied++;
      }
      return applied;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }
}
