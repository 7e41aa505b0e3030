package io.meshwork.orchestrator.store;

import io.meshwork.runtime.errors.MeshException;
import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit on one JDBC connection: every write is queued for one committer thread, which runs
 * all the writes waiting at that moment in one transaction (each in a savepoint of its own, so that
 * a failing write fails alone) and syncs once for all of them. A write returns only once its commit
 * is on disk, so the journal is exactly as durable as with a commit per write, while many writers
 * at once cost one sync instead of one each and never spin on a lock.
 *
 * <p>Each group's transaction begins with the journal's fence check ({@link EpochFence}), once for
 * the whole group: a store that was deposed has the whole group refused, and nothing of it lands.
 */
final class GroupCommitter implements AutoCloseable {
  // Writes waiting for the committer at most per transaction.
  private static final int MAX_GROUP = 256;

  /** One write: runs on the committer's connection inside the group's transaction. */
  interface Write<T> {
    T run(Connection c) throws SQLException;
  }

  /** What every group's transaction does first; a failure refuses the whole group. */
  interface Guard {
    void check(Connection c) throws SQLException;
  }

  private record Queued(Write<?> write, CompletableFuture<Object> done) {}

  private static final Queued STOP = new Queued(c -> null, new CompletableFuture<>());

  // Used only by the committer thread once the constructor returns.
  private final ReconnectingConnection connection;
  private final Guard guard;
  private final BlockingQueue<Queued> writes = new LinkedBlockingQueue<>();
  private final Thread committer;

  /**
   * Starts committing on {@code connection}, which must have auto-commit off; it is closed with
   * this committer.
   */
  GroupCommitter(ReconnectingConnection connection, Guard guard, String threadName) {
    this.connection = connection;
    this.guard = guard;
    this.committer = Thread.ofPlatform().daemon().name(threadName).start(this::commitLoop);
  }

  /**
   * Queues {@code write} for the next group commit and waits until it is on disk. An interrupt does
   * not abandon the wait: the write is queued and its outcome is what the caller must see.
   *
   * @param failure how a failure of this write begins ("cannot record job j: the job journal f")
   * @throws MeshException as the guard or the write threw it (a deposed store's refusal)
   * @throws IllegalStateException for any other failure, its message beginning with {@code failure}
   */
  @SuppressWarnings("unchecked")
  <T> T write(String failure, Write<T> write) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    if (!committer.isAlive()) {
      throw new IllegalStateException(failure + " is closed");
    }
    writes.add(new Queued(write, done));
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return (T) done.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof MeshException refused) {
            throw refused;
          }
          throw new IllegalStateException(failure + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
          if (!committer.isAlive() && !done.isDone()) {
            // Queued just as the journal closed: nobody will ever run it.
            throw new IllegalStateException(failure + " was closed");
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void commitLoop() {
    List<Queued> group = new ArrayList<>();
    while (true) {
      group.clear();
      try {
        group.add(writes.take());
      } catch (InterruptedException e) {
        return;
      }
      writes.drainTo(group, MAX_GROUP - 1);
      boolean stop = group.remove(STOP);
      commitGroup(group);
      if (stop) {
        // Whatever was queued behind the stop fails rather than hang its caller.
        List<Queued> late = new ArrayList<>();
        writes.drainTo(late);
        late.forEach(
            q -> q.done().completeExceptionally(new SQLException("the journal was closed")));
        return;
      }
    }
  }

  /**
   * Runs a group in one transaction, after the guard, each write in a savepoint of its own so that
   * a write that fails is undone alone, and commits once. When the guard refuses or the transaction
   * itself breaks (an I/O error, a full disk: SQLite may then have rolled everything back on its
   * own; a lost connection to PostgreSQL), every write of the group not yet answered fails and the
   * connection is reset, or opened again, for the next group.
   */
  private void commitGroup(List<Queued> group) {
    List<Queued> ok = new ArrayList<>();
    List<Object> results = new ArrayList<>();
    try {
      Connection c = connection.get();
      guard.check(c);
      for (Queued q : group) {
        Savepoint sp = c.setSavepoint();
        Object result;
        try {
          result = q.write().run(c);
        } catch (SQLException | RuntimeException e) {
          c.rollback(sp);
          c.releaseSavepoint(sp);
          q.done().completeExceptionally(e);
          continue;
        }
        c.releaseSavepoint(sp);
        ok.add(q);
        results.add(result);
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      // Writes that already failed alone keep their own failure.
      for (Queued q : group) {
        q.done().completeExceptionally(e);
      }
      connection.recover();
      return;
    }
    for (int i = 0; i < ok.size(); i++) {
      ok.get(i).done().complete(results.get(i));
    }
  }

  /** Commits what is queued, stops the committer and closes the connection. */
  @Override
  public void close() {
    if (committer.isAlive()) {
      writes.add(STOP);
      try {
        committer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Closing at shutdown; every write was committed or failed already.
    connection.close();
  }
}
