package io.meshwork.client.cli;

import io.meshwork.compute.v1.BidVerdict;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ExecutorRefusal;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.compute.v1.TaskPlacement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/** How jobs, receipts and times read on the command line, as text and as JSON. */
final class JobViews {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private JobViews() {}

  /** One line for a progress display, such as {@code job abc: computing 12/40 chunks (30%)}. */
  static String progressLine(ComputeJobStatus status) {
    StringBuilder line = new StringBuilder("job ").append(status.getJobId()).append(": ");
    line.append(status.getStatus().isEmpty() ? "pending" : status.getStatus());
    if (status.getTotalChunks() > 0) {
      line.append(' ')
          .append(status.getCompletedChunks())
          .append('/')
          .append(status.getTotalChunks())
          .append(" chunks (")
          .append(percent(status))
          .append("%)");
    }
    if (status.getEstimatedTimeRemaining() > 0 && !isFinal(status)) {
      line.append(", about ").append(status.getEstimatedTimeRemaining()).append(" s left");
    }
    return line.toString();
  }

  /** True once a job can change no more. */
  static boolean isFinal(ComputeJobStatus status) {
    return switch (status.getStatus()) {
      case "completed", "failed", "cancelled" -> true;
      default -> false;
    };
  }

  /** The status as aligned lines of a name and its value. */
  static String statusText(ComputeJobStatus status) {
    StringBuilder text = new StringBuilder();
    row(text, "job", status.getJobId());
    row(text, "status", status.getStatus());
    if (status.getTotalChunks() > 0) {
      row(
          text,
          "progress",
          status.getCompletedChunks()
              + "/"
              + status.getTotalChunks()
              + " chunks ("
              + percent(status)
              + "%)");
    }
    if (status.getEstimatedTimeRemaining() > 0 && !isFinal(status)) {
      row(text, "remaining", "about " + status.getEstimatedTimeRemaining() + " s");
    }
    row(
        text,
        "mana",
        "budget "
            + status.getManaBudget()
            + ", spent "
            + status.getManaSpent()
            + ", refunded "
            + status.getManaRefunded());
    if (status.getSubmittedAt() > 0) {
      row(text, "submitted", time(status.getSubmittedAt()));
    }
    if (status.getFinishedAt() > 0) {
      row(text, "finished", time(status.getFinishedAt()));
    }
    if (!status.getPriority().isEmpty()) {
      row(text, "priority", status.getPriority());
    }
    if (!status.getVerificationMode().isEmpty()) {
      row(text, "verification", status.getVerificationMode());
    }
    if (!status.getErrorMsg().isEmpty()) {
      row(text, "error", status.getErrorMsg());
    }
    return text.toString();
  }

  /** How each task was placed, for people: one block per placement. */
  static String placementsText(List<TaskPlacement> placements) {
    StringBuilder text = new StringBuilder();
    if (placements.isEmpty()) {
      text.append("no task has been placed yet\n");
    }
    for (TaskPlacement p : placements) {
      text.append("\ntask ")
          .append(p.getTaskId())
          .append(" (")
          .append(p.getExportName())
          .append(", chunk ")
          .append(p.getChunkIndex())
          .append(p.getRole().isEmpty() ? "" : ", " + p.getRole())
          .append(p.getAttempt() > 0 ? ", placement " + (p.getAttempt() + 1) : "")
          .append(")\n");
      for (BidVerdict b : p.getBidsList()) {
        text.append(b.getWon() ? "  won   " : "  lost  ")
            .append(shortDid(b.getExecutorDid()))
            .append("  ")
            .append(b.getPrice())
            .append(" mana  ")
            .append(b.getReason())
            .append('\n');
      }
      for (ExecutorRefusal r : p.getRefusalsList()) {
        text.append("  none  ")
            .append(shortDid(r.getExecutor()))
            .append("  ")
            .append(r.getReason())
            .append('\n');
      }
      if (!p.getOutcome().isEmpty()) {
        text.append("  then  ").append(p.getOutcome()).append('\n');
      }
    }
    return text.toString();
  }

  /** How each task was placed, as JSON. */
  static List<Map<String, Object>> placementsJson(List<TaskPlacement> placements) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (TaskPlacement p : placements) {
      Map<String, Object> json = Json.object();
      json.put("task_id", p.getTaskId());
      json.put("chunk_index", p.getChunkIndex());
      json.put("export", p.getExportName());
      json.put("attempt", p.getAttempt());
      json.put("role", p.getRole());
      json.put("winner_did", p.getWinnerDid());
      json.put("price", p.getPrice());
      json.put("reason", p.getReason());
      json.put("decided_at", p.getDecidedAt());
      json.put("outcome", p.getOutcome());
      List<Map<String, Object>> bids = new java.util.ArrayList<>();
      for (BidVerdict b : p.getBidsList()) {
        Map<String, Object> bid = Json.object();
        bid.put("executor_did", b.getExecutorDid());
        bid.put("price", b.getPrice());
        bid.put("reputation", b.getReputation());
        bid.put("load", b.getLoad());
        bid.put("score", b.getScore());
        bid.put("won", b.getWon());
        bid.put("reason", b.getReason());
        bids.add(bid);
      }
      json.put("bids", bids);
      List<Map<String, Object>> refusals = new java.util.ArrayList<>();
      for (ExecutorRefusal r : p.getRefusalsList()) {
        Map<String, Object> refusal = Json.object();
        refusal.put("executor", r.getExecutor());
        refusal.put("reason", r.getReason());
        refusals.add(refusal);
      }
      json.put("refusals", refusals);
      out.add(json);
    }
    return out;
  }

  /** The status as a JSON object. */
  static Map<String, Object> statusJson(ComputeJobStatus status) {
    Map<String, Object> json = Json.object();
    json.put("job_id", status.getJobId());
    json.put("status", status.getStatus());
    json.put("progress", status.getProgress());
    json.put("completed_chunks", status.getCompletedChunks());
    json.put("total_chunks", status.getTotalChunks());
    json.put("estimated_time_remaining", status.getEstimatedTimeRemaining());
    json.put("error", status.getErrorMsg());
    json.put("mana_budget", status.getManaBudget());
    json.put("mana_spent", status.getManaSpent());
    json.put("mana_refunded", status.getManaRefunded());
    json.put("submitter_did", status.getSubmitterDid());
    json.put("submitted_at", status.getSubmittedAt());
    json.put("finished_at", status.getFinishedAt());
    json.put("priority", status.getPriority());
    json.put("verification_mode", status.getVerificationMode());
    return json;
  }

  /** The receipts as a list of JSON objects. */
  static List<Map<String, Object>> receiptsJson(List<ReceiptRef> receipts) {
    return receipts.stream()
        .map(
            receipt -> {
              Map<String, Object> json = Json.object();
              json.put("task_id", receipt.getTaskId());
              json.put("receipt_cid", receipt.getReceiptCid());
              json.put("log_index", receipt.getLogIndex());
              json.put("executor_did", receipt.getExecutorDid());
              json.put("price", receipt.getPrice());
              return json;
            })
        .toList();
  }

  /** An epoch-millisecond time, in UTC to the second. */
  static String time(long epochMillis) {
    return TIME.format(Instant.ofEpochMilli(epochMillis)) + "Z";
  }

  /** A {@code did:key} shortened for a table column; the JSON form keeps it whole. */
  static String shortDid(String did) {
    if (did.length() <= 24) {
      return did;
    }
    return did.substring(0, 14) + "..." + did.substring(did.length() - 6);
  }

  private static long percent(ComputeJobStatus status) {
    return status.getTotalChunks() == 0
        ? 0
        : Math.round(100.0 * status.getCompletedChunks() / status.getTotalChunks());
  }

  private static void row(StringBuilder text, String name, String value) {
    text.append(String.format("%-10s %s%n", name, value));
  }
}
