package io.meshwork.orchestrator.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to a journal's database that is opened again once it broke, so that a PostgreSQL
 * server that restarted or failed over costs the orchestrator the writes and reads in flight, not
 * its journal until the next restart. (A SQLite file's connection does not break this way.) Its
 * owner uses it from one thread at a time.
 */
final class JournalConnection implements AutoCloseable {
  // How long a connection suspected broken may take to answer that it is not.
  private static final int VALID_SECONDS = 5;

  private final JournalDatabase database;
  private final boolean autoCommit;
  private Connection connection;
  private boolean closed;

  /**
   * Opens the first connection at once, so that an unreachable database stops the orchestrator at
   * start.
   *
   * @param autoCommit the mode the connection is kept in between uses
   */
  JournalConnection(JournalDatabase database, boolean autoCommit) throws SQLException {
    this.database = database;
    this.autoCommit = autoCommit;
    this.connection = open();
  }

  private Connection open() throws SQLException {
    Connection c = database.connect();
    try {
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Work on the connection. */
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on the connection; when it fails, {@linkplain #recover recovers} the
   * connection before the failure goes on to the caller.
   */
  <T> T use(Work<T> work) throws SQLException {
    try {
      return work.run(get());
    } catch (SQLException | RuntimeException e) {
      recover();
      throw e;
    }
  }

  /**
   * Runs {@code read}, which changes nothing, on the connection; when it failed because the
   * connection was broken (a server that restarted while the connection sat idle), runs it once
   * more on a new connection before giving up. A write is never tried twice here: whether its
   * commit happened is for its caller to find out.
   */
  <T> T read(Work<T> read) throws SQLException {
    try {
      return read.run(get());
    } catch (SQLException | RuntimeException first) {
      if (!recover()) {
        throw first;
      }
      try {
        return read.run(get());
      } catch (SQLException | RuntimeException again) {
        recover();
        again.addSuppressed(first);
        throw again;
      }
    }
  }

  /** The connection, opened again if the last one broke. */
  Connection get() throws SQLException {
    if (closed) {
      throw new SQLException("the journal was closed");
    }
    if (connection == null) {
      connection = open();
    }
    return connection;
  }

  /**
   * After a failure: rolls back what the failed work left open and puts the connection back in its
   * mode, or, when the connection itself is broken, drops it so that the next {@link #get} opens
   * another.
   *
   * @return whether the connection was broken (and is now dropped)
   */
  boolean recover() {
    if (connection == null) {
      return true;
    }
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
      // Turning auto-commit on and off again also makes SQLite's driver begin afresh.
      connection.setAutoCommit(true);
      connection.setAutoCommit(autoCommit);
      if (connection.isValid(VALID_SECONDS)) {
        return false;
      }
    } catch (SQLException broken) {
      // Dropped below, like a connection that says it is not valid.
    }
    drop();
    return true;
  }

  /** Closes the connection for good. */
  @Override
  public void close() {
    closed = true;
    drop();
  }

  private void drop() {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing a connection that is being given up; there is nothing left to lose.
    } finally {
      connection = null;
    }
  }
}
