package io.meshwork.orchestrator.store;

import io.meshwork.orchestrator.jobs.SettlementJournal;
import io.meshwork.orchestrator.jobs.TaskRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The job journal's settlement outbox in SQL ({@link SettlementJournal}): the paid marks of task
 * payments ({@code tasks.paid_at}, {@code task_payments.paid_at}), the release marks of job holds
 * ({@code jobs.released_at}) and the {@code replacement_holds}, run on {@link SqlJobStore}'s reader
 * or in its group commits.
 */
final class SettlementRows implements SettlementJournal {
  private final SqlDelegationJournal.Writes writes;
  private final SqlDelegationJournal.Reads reads;

  SettlementRows(SqlDelegationJournal.Writes writes, SqlDelegationJournal.Reads reads) {
    this.writes = writes;
    this.reads = reads;
  }

  @Override
  public List<SettlementJournal.Owed> unpaid(String jobId) {
    return reads.read("read the payments job " + jobId + " owes", c -> unpaid(c, jobId));
  }

  @Override
  public void markPaid(SettlementJournal.Owed owed) {
    long now = System.currentTimeMillis();
    writes.write("mark a payment of task " + owed.taskId() + " paid", c -> markPaid(c, owed, now));
  }

  @Override
  public List<String> unreleased() {
    return reads.read("list the jobs whose hold is not released", SettlementRows::unreleased);
  }

  @Override
  public void markReleased(String jobId, long refunded) {
    long now = System.currentTimeMillis();
    writes.write(
        "mark the hold of job " + jobId + " released", c -> markReleased(c, jobId, refunded, now));
  }

  @Override
  public SettlementJournal.ReplacementHold replaceHold(
      String jobId, String replacedHoldId, long amount) {
    return writes.write(
        "record a hold of job " + jobId + " in place of " + replacedHoldId,
        c -> replaceHold(c, jobId, replacedHoldId, amount));
  }

  @Override
  public void replacementCreated(String replacedHoldId, String holdId) {
    writes.write(
        "record the hold in place of " + replacedHoldId,
        c -> replacementCreated(c, replacedHoldId, holdId));
  }

  @Override
  public List<SettlementJournal.ReplacementHold> replacementHolds(String jobId) {
    return reads.read(
        "read the replacement holds of job " + jobId, c -> replacementHolds(c, jobId));
  }

  static List<SettlementJournal.Owed> unpaid(Connection c, String jobId) throws SQLException {
    List<SettlementJournal.Owed> owed = new ArrayList<>();
    List<String> taskIds =
        Rows.list(
            c,
            "SELECT task_id FROM tasks WHERE job_id=? ORDER BY export_name='merge', chunk_index,"
                + " task_id",
            rs -> rs.getString(1),
            jobId);
    for (String taskId : taskIds) {
      Rows.first(
              c,
              "SELECT executor_did, price, receipt_cid, log_index FROM tasks"
                  + " WHERE task_id=? AND paid_at IS NULL",
              SettlementRows::payment,
              taskId)
          .ifPresent(p -> owed.add(new SettlementJournal.Owed(jobId, taskId, 0, p)));
      // Positions follow TaskRecord.payments(): the others in log order, after the first.
      List<Object[]> others =
          Rows.list(
              c,
              "SELECT executor_did, price, receipt_cid, log_index, paid_at FROM task_payments"
                  + " WHERE task_id=? ORDER BY log_index",
              rs -> new Object[] {payment(rs), rs.getObject(5)},
              taskId);
      for (int i = 0; i < others.size(); i++) {
        if (others.get(i)[1] == null) {
          owed.add(
              new SettlementJournal.Owed(
                  jobId, taskId, i + 1, (TaskRecord.Payment) others.get(i)[0]));
        }
      }
    }
    return owed;
  }

  private static TaskRecord.Payment payment(ResultSet rs) throws SQLException {
    return new TaskRecord.Payment(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4));
  }

  static int markPaid(Connection c, SettlementJournal.Owed owed, long now) throws SQLException {
    if (owed.position() == 0) {
      return Rows.update(
          c, "UPDATE tasks SET paid_at=? WHERE task_id=? AND paid_at IS NULL", now, owed.taskId());
    }
    return Rows.update(
        c,
        "UPDATE task_payments SET paid_at=? WHERE task_id=? AND executor_did=? AND paid_at IS NULL",
        now,
        owed.taskId(),
        owed.payment().executorDid());
  }

  static List<String> unreleased(Connection c) throws SQLException {
    return Rows.list(
        c,
        "SELECT job_id FROM jobs WHERE released_at IS NULL ORDER BY submitted_at, job_id",
        rs -> rs.getString(1));
  }

  static int markReleased(Connection c, String jobId, long refunded, long now) throws SQLException {
    return Rows.update(
        c,
        "UPDATE jobs SET released_at=?, refunded=? WHERE job_id=? AND released_at IS NULL",
        now,
        refunded,
        jobId);
  }

  static SettlementJournal.ReplacementHold replaceHold(
      Connection c, String jobId, String replacedHoldId, long amount) throws SQLException {
    Rows.update(
        c,
        "INSERT INTO replacement_holds (replaced_hold_id, job_id, amount) VALUES (?,?,?)"
            + " ON CONFLICT DO NOTHING",
        replacedHoldId,
        jobId,
        amount);
    return Rows.first(
            c,
            "SELECT job_id, replaced_hold_id, amount, hold_id FROM replacement_holds"
                + " WHERE replaced_hold_id=?",
            SettlementRows::replacement,
            replacedHoldId)
        .orElseThrow();
  }

  static int replacementCreated(Connection c, String replacedHoldId, String holdId)
      throws SQLException {
    return Rows.update(
        c,
        "UPDATE replacement_holds SET hold_id=? WHERE replaced_hold_id=?",
        holdId,
        replacedHoldId);
  }

  static List<SettlementJournal.ReplacementHold> replacementHolds(Connection c, String jobId)
      throws SQLException {
    return Rows.list(
        c,
        "SELECT job_id, replaced_hold_id, amount, hold_id FROM replacement_holds WHERE job_id=?"
            + " ORDER BY seq",
        SettlementRows::replacement,
        jobId);
  }

  private static SettlementJournal.ReplacementHold replacement(ResultSet rs) throws SQLException {
    return new SettlementJournal.ReplacementHold(
        rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4));
  }
}
