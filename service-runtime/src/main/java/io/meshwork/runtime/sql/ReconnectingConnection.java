package io.meshwork.runtime.sql;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One connection to a database that is opened again once it broke, so that a PostgreSQL server that
 * restarted or failed over costs a service the calls in flight, not its store until the service
 * restarts. (A SQLite file's connection does not break this way.) The orchestrator's journal and
 * the receipt log's store hold theirs this way. Its owner uses it from one thread at a time, since
 * a JDBC connection is not safe to share.
 *
 * <p>A read is tried once more on a new connection when the first try found the connection broken
 * (a server that restarted while the connection sat idle): it changes nothing. A write never is:
 * whether its commit happened is for its caller to find out.
 */
public final class ReconnectingConnection implements AutoCloseable {
  // How long a connection suspected broken may take to answer that it is not.
  private static final int VALID_SECONDS = 5;

  /** Opens a new connection to the database. */
  public interface Opener {
    Connection open() throws SQLException;
  }

  /** Work on the connection. */
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final Opener opener;
  private final boolean autoCommit;
  private final String name;
  private Connection connection;
  private boolean closed;

  private ReconnectingConnection(Opener opener, boolean autoCommit, String name, Connection first) {
    this.opener = opener;
    this.autoCommit = autoCommit;
    this.name = name;
    this.connection = first;
  }

  /**
   * Opens the first connection at once, so that an unreachable database stops the service at start.
   *
   * @param autoCommit the mode the connection is kept in between uses
   * @param name what the connection is for, as a failure after {@link #close} names it ("the
   *     journal")
   */
  public static ReconnectingConnection open(Opener opener, boolean autoCommit, String name)
      throws SQLException {
    ReconnectingConnection c = new ReconnectingConnection(opener, autoCommit, name, null);
    c.connection = c.openOne();
    return c;
  }

  /** Takes over {@code first}, already open in {@code autoCommit} mode; opens its successors. */
  public static ReconnectingConnection adopt(
      Connection first, Opener opener, boolean autoCommit, String name) {
    return new ReconnectingConnection(opener, autoCommit, name, first);
  }

  private Connection openOne() throws SQLException {
    Connection c = opener.open();
    try {
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Runs {@code work} on the connection; when it fails, {@linkplain #recover recovers} the
   * connection before the failure goes on to the caller.
   */
  public <T> T use(Work<T> work) throws SQLException {
    try {
      return work.run(get());
    } catch (SQLException | RuntimeException e) {
      recover();
      throw e;
    }
  }

  /**
   * Runs {@code read}, which changes nothing, on the connection; when it failed because the
   * connection was broken, runs it once more on a new connection before giving up.
   */
  public <T> T read(Work<T> read) throws SQLException {
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
  public Connection get() throws SQLException {
    if (closed) {
      throw new SQLException(name + " was closed");
    }
    if (connection == null) {
      connection = openOne();
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
  public boolean recover() {
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
      // Closing a connection that is being given up; a commit that returned is already durable.
    } finally {
      connection = null;
    }
  }
}
