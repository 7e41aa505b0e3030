package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.jobs.FencedOutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * A journal's fencing epoch: one row in a table of its own, which every write transaction of a
 * store checks against the epoch the store writes at, and which {@link #raise} moves up when a
 * replica becomes the leader.
 *
 * <p>The check is an update that changes nothing and returns the journal's epoch, {@code SET epoch
 * = epoch RETURNING epoch}, as the transaction's first statement. Being a write, it takes the row
 * (PostgreSQL) or the database's write lock (SQLite) until the transaction ends, so a raise by
 * another replica waits for the transaction to commit and cannot slip in between the check and the
 * writes; and once the raise committed, the check returns the higher epoch and the writes never
 * run. It costs one statement per transaction, and with group commit one per group, not per write.
 */
final class EpochFence {
  private final String table;
  // The epoch this store writes at: 0 until it is fenced.
  private volatile long epoch;

  /** A fence kept in {@code table}, which {@link #schema} creates. */
  EpochFence(String table) {
    this.table = table;
  }

  /** The statements that create the table at epoch 0, where a journal that was never fenced is. */
  static List<String> schema(String table) {
    return List.of(
        "CREATE TABLE " + table + " (epoch {int} NOT NULL)",
        "INSERT INTO " + table + " (epoch) VALUES (0)");
  }

  /**
   * Runs first in a write transaction on {@code c}.
   *
   * @throws FencedOutException when the journal is no longer at this store's epoch; the caller
   *     rolls the transaction back
   */
  void check(Connection c) throws SQLException {
    long held;
    try (PreparedStatement ps =
            c.prepareStatement("UPDATE " + table + " SET epoch = epoch RETURNING epoch");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      held = rs.getLong(1);
    }
    // Read only now that the row is this transaction's: a fence of this store that was under way
    // has committed or rolled back, and its epoch is the one to compare.
    long mine = epoch;
    if (held != mine) {
      throw new FencedOutException(held, mine);
    }
  }

  /**
   * Raises the journal's epoch to {@code to}, in a transaction of its own on {@code c} (in
   * auto-commit mode, and back in it afterwards), and from then on checks writes against it.
   *
   * @return the epoch this store writes at from now on, {@code to}
   * @throws FencedOutException when the journal already holds a higher epoch
   */
  long raise(Connection c, long to) throws SQLException {
    long before = epoch;
    c.setAutoCommit(false);
    try {
      // The update comes first: on SQLite, a transaction that read first could not write once
      // another connection committed in between.
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE " + table + " SET epoch = ? WHERE epoch <= ?")) {
        ps.setLong(1, to);
        ps.setLong(2, to);
        if (ps.executeUpdate() != 1) {
          throw new FencedOutException(held(c), to);
        }
      }
      // Before the commit: a write that starts meanwhile waits for this transaction and then finds
      // the new epoch, instead of being refused at the old one.
      epoch = to;
      c.commit();
      return to;
    } catch (SQLException | RuntimeException e) {
      epoch = before;
      try {
        c.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private long held(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT epoch FROM " + table);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
