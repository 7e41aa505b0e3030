package io.meshwork.client.cli;

import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
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
    if (!status.getErrorMsg().isEmpty()) {
      row(text, "error", status.getErrorMsg());
    }
    return text.toString();
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
