package io.meshwork.blob.catalog;

import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.SchemaMigrations;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The catalog in a PostgreSQL database, for clusters.
 *
 * <p>Commits are durable as the server's are ({@code synchronous_commit=on}). Every write
 * transaction first takes a transaction-scoped advisory lock, so writes from any number of
 * connections or processes run one at a time and a quota check cannot race another upload; the lock
 * goes with the commit, so a standby that opens the catalog waits for nothing. Reads run at
 * REPEATABLE READ on their own connection. A connection the server dropped is opened again by the
 * next call; the call that found it gone fails with {@code UNAVAILABLE}.
 */
public final class PostgresBlobCatalog extends JdbcBlobCatalog {
  // "meshblob" as eight bytes: any fixed number would do, this one is unlikely to be taken.
  private static final long WRITE_LOCK = 0x6d657368626c6f62L;

  private final String url;
  private final Properties properties;

  private PostgresBlobCatalog(
      String url, Properties properties, Connection writer, Connection reader) {
    super(url, writer, reader);
    this.url = url;
    this.properties = properties;
  }

  /** Connects to {@code url} ({@code jdbc:postgresql://...}) and migrates the schema. */
  public static PostgresBlobCatalog open(String url, String user, String password) {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("ApplicationName", "meshwork-blobs");
    Connection writer = null;
    Connection reader = null;
    try {
      writer = connectWriter(url, props);
      // Two processes may start at once: the lock keeps them from migrating side by side.
      try (PreparedStatement p = writer.prepareStatement("SELECT pg_advisory_lock(?)")) {
        p.setLong(1, WRITE_LOCK);
        p.execute();
      }
      try {
        SchemaMigrations.apply(writer, CatalogSchema.migrations("BYTEA"));
      } finally {
        try (PreparedStatement p = writer.prepareStatement("SELECT pg_advisory_unlock(?)")) {
          p.setLong(1, WRITE_LOCK);
          p.execute();
        }
        writer.commit();
      }
      reader = connectReader(url, props);
      return new PostgresBlobCatalog(url, props, writer, reader);
    } catch (SQLException e) {
      closeQuietly(reader);
      closeQuietly(writer);
      throw MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "cannot open the blob catalog " + url + ": " + e.getMessage(), e);
    }
  }

  private static Connection connectWriter(String url, Properties props) throws SQLException {
    Connection c = DriverManager.getConnection(url, props);
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static Connection connectReader(String url, Properties props) throws SQLException {
    Connection c = DriverManager.getConnection(url, props);
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static void lock(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      p.setLong(1, WRITE_LOCK);
      p.execute();
    }
  }

  @Override
  protected void begin(Connection c) throws SQLException {
    lock(c);
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    c.commit();
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    c.rollback();
  }

  @Override
  protected void beginRead(Connection c) {
    // The snapshot is taken at the transaction's first statement.
  }

  @Override
  protected void endRead(Connection c) throws SQLException {
    c.commit();
  }

  @Override
  protected Connection reopenWriter() throws SQLException {
    return connectWriter(url, properties);
  }

  @Override
  protected Connection reopenReader() throws SQLException {
    return connectReader(url, properties);
  }

  @Override
  protected boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P"));
  }

  @Override
  protected MeshException failure(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (connectionLost(e)) {
      return MeshException.unavailable(
          "STORAGE_UNAVAILABLE", "the blob catalog is unreachable; retry the call", e);
    }
    if (state.equals("40001") || state.equals("40P01") || state.equals("55P03")) {
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
