package io.meshwork.orchestrator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.orchestrator.jobs.DelegationJournal;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.runtime.sql.ReconnectingConnection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The delegated tasks accepted here, in the job journal's database and through its writer and
 * reader ({@link SqlJobStore}), so that its writes are group-committed and fenced like the jobs'.
 * Packets are stored as their protobuf encodings, receipts as their log entries.
 */
final class SqlDelegationJournal implements DelegationJournal {
  /** The job journal's group-committed, fenced writes. */
  interface Writes {
    <T> T write(String what, GroupCommitter.Write<T> write);
  }

  /** The job journal's reads. */
  interface Reads {
    <T> T read(String what, ReconnectingConnection.Work<T> work);
  }

  private final Writes writes;
  private final Reads reads;

  SqlDelegationJournal(Writes writes, Reads reads) {
    this.writes = writes;
    this.reads = reads;
  }

  @Override
  public void accepted(Accepted d) {
    byte[] packet = TaskMessages.packet(d.packet()).toByteArray();
    writes.write(
        "record delegation " + d.requestId(),
        c ->
            Rows.update(
                c,
                "INSERT INTO accepted_delegations (request_id, delegator_did, reply_to, packet,"
                    + " hold_id, deadline, accepted_at) VALUES (?,?,?,?,?,?,?)"
                    + " ON CONFLICT DO NOTHING",
                d.requestId(),
                d.delegatorDid(),
                d.replyTo(),
                packet,
                d.holdId(),
                d.deadlineMillis(),
                d.acceptedAt()));
  }

  @Override
  public void settled(String requestId, SettledPart part) {
    writes.write(
        "record part " + part.taskId() + " of delegation " + requestId,
        c ->
            Rows.update(
                c,
                "INSERT INTO delegation_parts (request_id, task_id, result, result_cid,"
                    + " receipt_leaf, paid) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                requestId,
                part.taskId(),
                part.result(),
                part.resultCid(),
                part.receipt().leaf(),
                part.paid()));
  }

  @Override
  public Map<String, SettledPart> settledParts(String requestId) {
    return reads.read(
        "read the settled parts of delegation " + requestId,
        c -> {
          Map<String, SettledPart> parts = new LinkedHashMap<>();
          for (SettledPart p :
              Rows.list(
                  c,
                  "SELECT task_id, result, result_cid, receipt_leaf, paid FROM delegation_parts"
                      + " WHERE request_id=? ORDER BY task_id",
                  SqlDelegationJournal::part,
                  requestId)) {
            parts.put(p.taskId(), p);
          }
          return parts;
        });
  }

  private static SettledPart part(ResultSet rs) throws SQLException {
    return new SettledPart(
        rs.getString(1),
        rs.getBytes(2),
        rs.getString(3),
        TaskMessages.receipt(rs.getBytes(4)),
        rs.getLong(5));
  }

  @Override
  public List<Long> fixCut(String requestId, List<Long> boundaries) {
    String cut = String.join(",", boundaries.stream().map(String::valueOf).toList());
    String first =
        writes.write(
            "record the cut of delegation " + requestId,
            c -> {
              Rows.update(
                  c,
                  "UPDATE accepted_delegations SET cut=? WHERE request_id=? AND cut IS NULL",
                  cut,
                  requestId);
              return Rows.first(
                      c,
                      "SELECT cut FROM accepted_delegations WHERE request_id=?",
                      rs -> rs.getString(1),
                      requestId)
                  .orElse(cut);
            });
    return Arrays.stream(first.split(",")).map(Long::valueOf).toList();
  }

  @Override
  public List<Accepted> open() {
    return reads.read(
        "read the open delegations",
        c ->
            Rows.list(
                c,
                "SELECT request_id, delegator_did, reply_to, packet, hold_id, deadline, accepted_at"
                    + " FROM accepted_delegations ORDER BY accepted_at, request_id",
                SqlDelegationJournal::accepted));
  }

  private static Accepted accepted(ResultSet rs) throws SQLException {
    try {
      return new Accepted(
          rs.getString(1),
          rs.getString(2),
          rs.getString(3),
          TaskMessages.packet(ComputeTaskPacket.parseFrom(rs.getBytes(4))),
          rs.getString(5),
          rs.getLong(6),
          rs.getLong(7));
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("delegation " + rs.getString(1) + " has an unreadable packet", e);
    }
  }

  @Override
  public void finished(String requestId) {
    writes.write(
        "forget delegation " + requestId,
        c -> {
          Rows.update(c, "DELETE FROM delegation_parts WHERE request_id=?", requestId);
          return Rows.update(c, "DELETE FROM accepted_delegations WHERE request_id=?", requestId);
        });
  }
}
