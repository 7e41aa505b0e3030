package io.meshwork.receiptlog.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One of the store's connections, opened again after it broke: a PostgreSQL server that restarted
 * or failed over costs the log the calls in flight, not every call until the service restarts. Its
 * owner uses it from one thread at a time (under the owner's lock).
 */
final class StoreConnection implements AutoCloseable {
  // How long a connection suspected broken may take to answer that it is not.
  private static final int VALID_SECONDS = 5;

  /** Opens a new connection to the store's database, in auto-commit mode. */
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private Connection connection;
  private boolean closed;

  /** Takes over {@code first}, already open; {@code opener} opens its successors. */
  StoreConnection(Connection first, Opener opener) {
    this.connection = first;
    this.opener = opener;
  }

  /** The connection, opened again if the last one broke. */
  Connection get() throws SQLException {
    if (closed) {
      throw new SQLException("the receipt log store is closed");
    }
    if (connection == null) {
      connection = opener.open();
    }
    return connection;
  }

  /**
   * After a failure: whether the connection itself is gone, in which case it is dropped so that the
   * next {@link #get} opens another. A connection that still answers is kept.
   */
  boolean dropIfBroken() {
    if (connection == null) {
      return true;
    }
    try {
      if (connection.isValid(VALID_SECONDS)) {
        return false;
      }
    } catch (SQLException broken) {
      // Dropped below, like a connection that says it is not valid.
    }
    closeQuietly();
    return true;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly();
  }

  private void closeQuietly() {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing a connection that is given up; a commit that returned is already durable.
    } finally {
      connection = null;
    }
  }
}
