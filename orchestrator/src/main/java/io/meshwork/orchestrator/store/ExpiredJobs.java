package io.meshwork.orchestrator.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The job journal's retention queries: which finished jobs ended before a time, and removing every
 * row of such jobs (the job, its tasks and their extra payments, placements, chunking, stored input
 * and statement) in the caller's transaction. An unfinished job is never removed, whatever it is
 * asked, nor a finished one whose hold the settlement outbox has not released yet (a payment is
 * still owed): both are checked in the same transaction as the delete.
 *
 * <p>What executors earned on the removed tasks is added to {@code forgotten_earnings} first, so
 * that {@link SqlJobStore#earnings()} (the dashboard's figure) does not drop when a job expires.
 */
final class ExpiredJobs {
  /** The states a job never leaves. */
  static final String FINISHED = "('completed','failed','cancelled')";

  /** The tables retention deletes from, whose space compaction reclaims. */
  static final List<String> TABLES =
      List.of(
          "jobs",
          "tasks",
          "task_payments",
          "placements",
          "job_chunking",
          "job_inputs",
          "job_statements",
          "replacement_holds");

  // Finished, and settled for good: every payment acknowledged and the hold released.
  private static final String EXPIRABLE = "state IN " + FINISHED + " AND released_at IS NOT NULL";

  private ExpiredJobs() {}

  /** Up to {@code limit} ids of jobs that finished before {@code finishedBefore}, oldest first. */
  static List<String> finishedBefore(Connection c, long finishedBefore, int limit)
      throws SQLException {
    return Rows.list(
        c,
        "SELECT job_id FROM jobs WHERE "
            + EXPIRABLE
            + " AND finished_at < ? ORDER BY finished_at, job_id LIMIT ?",
        rs -> rs.getString(1),
        finishedBefore,
        limit);
  }

  /** Removes the rows of those of {@code jobIds} that are finished; returns how many jobs. */
  static int forget(Connection c, List<String> jobIds) throws SQLException {
    if (jobIds.isEmpty()) {
      return 0;
    }
    String in = "(" + String.join(",", Collections.nCopies(jobIds.size(), "?")) + ")";
    Object[] ids = jobIds.toArray();
    List<String> finished =
        Rows.list(
            c,
            "SELECT job_id FROM jobs WHERE job_id IN " + in + " AND " + EXPIRABLE,
            rs -> rs.getString(1),
            ids);
    if (finished.isEmpty()) {
      return 0;
    }
    String done = "(" + String.join(",", Collections.nCopies(finished.size(), "?")) + ")";
    Object[] doneIds = finished.toArray();
    List<Object> twice = new ArrayList<>(finished);
    twice.addAll(finished);
    List<Map.Entry<String, Long>> earned =
        Rows.list(
            c,
            "SELECT executor_did, SUM(price) FROM (SELECT executor_did, price FROM tasks WHERE"
                + " job_id IN "
                + done
                + " UNION ALL SELECT p.executor_did, p.price FROM task_payments p JOIN tasks t ON"
                + " p.task_id = t.task_id WHERE t.job_id IN "
                + done
                + ") paid GROUP BY executor_did",
            rs -> Map.entry(rs.getString(1), rs.getLong(2)),
            twice.toArray());
    for (Map.Entry<String, Long> e : earned) {
      Rows.update(
          c,
          "INSERT INTO forgotten_earnings (executor_did, amount) VALUES (?,?) ON CONFLICT"
              + " (executor_did) DO UPDATE SET amount = forgotten_earnings.amount +"
              + " excluded.amount",
          e.getKey(),
          e.getValue());
    }
    Rows.update(
        c,
        "DELETE FROM task_payments WHERE task_id IN (SELECT task_id FROM tasks WHERE job_id IN "
            + done
            + ")",
        doneIds);
    for (String table :
        List.of(
            "tasks",
            "placements",
            "job_chunking",
            "job_inputs",
            "job_statements",
            "replacement_holds",
            "jobs")) {
      Rows.update(c, "DELETE FROM " + table + " WHERE job_id IN " + done, doneIds);
    }
    return finished.size();
  }
}
