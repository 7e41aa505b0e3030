package io.meshwork.runtime.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings a database schema up to date from a numbered list of migrations, recording each in the
 * {@code schema_migrations} table so it runs once. The ledger and the blob catalog keep their
 * schemas this way, on SQLite and PostgreSQL alike.
 *
 * <p>Each migration runs in its own transaction together with its record, so a crash leaves the
 * schema either before or after it, never halfway.
 */
public final class SchemaMigrations {
  /**
   * One schema change.
   *
   * @param version its number; migrations run in increasing order
   * @param description what it does
   * @param statements the SQL statements, run in order
   */
  public record Migration(int version, String description, List<String> statements) {}

  private SchemaMigrations() {}

  /** Applies the migrations newer than the database's version; returns how many ran. */
  public static int apply(Connection connection, List<Migration> migrations) throws SQLException {
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
      int current = currentVersion(connection);
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

  /** The highest migration applied, 0 for a new database. */
  public static int currentVersion(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
