package io.meshwork.blob.catalog;

import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

/**
 * The catalog in one SQLite file, {@value #FILE_NAME} in the data directory: the embedded default.
 *
 * <p>WAL mode with {@code synchronous=FULL}: each commit syncs the log before the write returns, so
 * an acknowledged upload offset survives a power cut, and readers never wait for the writer.
 */
public final class SqliteBlobCatalog extends JdbcBlobCatalog {
  /** The database's file name in the data directory. */
  public static final String FILE_NAME = "blobs.db";

  private SqliteBlobCatalog(Path file, Connection writer, Connection reader) {
    super(file.toString(), writer, reader);
  }

  /** Opens (creating if needed) {@value #FILE_NAME} in {@code dataDir}. */
  public static SqliteBlobCatalog inDirectory(Path dataDir) {
    return open(dataDir.resolve(FILE_NAME));
  }

  /** Opens (creating if needed) the catalog at {@code file} and migrates its schema. */
  public static SqliteBlobCatalog open(Path file) {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    Connection writer = null;
    try {
      writer = connect(url);
      SchemaMigrations.apply(writer, CatalogSchema.migrations("BLOB"));
      Connection reader = connect(url);
      try (Statement s = reader.createStatement()) {
        s.execute("PRAGMA query_only = true");
      }
      return new SqliteBlobCatalog(file, writer, reader);
    } catch (SQLException e) {
      closeQuietly(writer);
      throw MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "cannot open the blob catalog " + file + ": " + e.getMessage(), e);
    }
  }

  private static Connection connect(String url) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(10_000);
    return config.createConnection(url);
  }

  // Explicit BEGIN and COMMIT with autocommit on: the driver would otherwise open the next
  // transaction right after each commit, and an idle open transaction pins an old snapshot.

  @Override
  protected void begin(Connection c) throws SQLException {
    // IMMEDIATE takes the write lock up front, so a transaction cannot fail half-way for want of
    // it.
    execute(c, "BEGIN IMMEDIATE");
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    execute(c, "COMMIT");
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    try {
      execute(c, "ROLLBACK");
    } catch (SQLException e) {
      // The failure may have ended the transaction already.
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        throw e;
      }
    }
  }

  @Override
  protected void beginRead(Connection c) throws SQLException {
    execute(c, "BEGIN");
  }

  @Override
  protected void endRead(Connection c) throws SQLException {
    execute(c, "COMMIT");
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  protected MeshException failure(SQLException e) {
    int code = e.getErrorCode();
    if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
      return MeshException.unavailable(
          "STORAGE_BUSY", "the blob catalog is busy; retry the call", e);
    }
    return new MeshException(
        MeshException.Kind.INTERNAL,
        "STORAGE_FAILURE",
        "the blob catalog failed: " + e.getMessage(),
        e);
  }
}
