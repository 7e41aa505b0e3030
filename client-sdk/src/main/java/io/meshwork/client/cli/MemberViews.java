package io.meshwork.client.cli;

import io.meshwork.client.ExecutorMember;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How an orchestrator's members read on the command line, as a table and as JSON. */
final class MemberViews {
  private static final String[] HEADER = {
    "DID", "ENDPOINT", "STATE", "LOAD", "REPUTATION", "HEARTBEAT", "SOURCE"
  };

  private MemberViews() {}

  /**
   * The members as an aligned table, one line each, their heartbeats counted back from {@code now};
   * a line that says so when there are none.
   */
  static String table(List<ExecutorMember> members, Instant now) {
    if (members.isEmpty()) {
      return "no executors\n";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (ExecutorMember m : members) {
      rows.add(
          new String[] {
            JobViews.shortDid(m.did()),
            m.endpoint().isEmpty() ? "-" : m.endpoint(),
            state(m.state()),
            String.format(Locale.ROOT, "%.2f", m.load()),
            String.format(Locale.ROOT, "%.2f", m.reputation()),
            m.lastHeartbeat() == null ? "-" : ago(m.lastHeartbeat(), now),
            m.source().isEmpty() ? "-" : m.source()
          });
    }
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        // Load and reputation read best right-aligned; words left-aligned.
        boolean number = i == 3 || i == 4;
        String pad = " ".repeat(widths[i] - row[i].length());
        line.append(number ? pad + row[i] : row[i] + pad).append("  ");
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }

  /** Every field of a member as a JSON object; times are epoch milliseconds, null for none. */
  static Map<String, Object> json(ExecutorMember m) {
    Map<String, Object> json = Json.object();
    json.put("executor_did", m.did());
    json.put("endpoint", m.endpoint());
    json.put("state", state(m.state()));
    json.put("load", m.load());
    json.put("reputation", m.reputation());
    Map<String, Object> capacity = Json.object();
    capacity.put("cores", m.capacity().cores());
    capacity.put("ram_mb", m.capacity().ramMb());
    capacity.put("slots", m.capacity().slots());
    capacity.put("running", m.capacity().running());
    capacity.put("queued", m.capacity().queued());
    json.put("capacity", capacity);
    json.put("last_heartbeat_at", millis(m.lastHeartbeat()));
    json.put("joined_at", millis(m.joinedAt()));
    json.put("engine_version", m.engineVersion());
    json.put("source", m.source());
    return json;
  }

  /** A state as the command line writes it: {@code live}, {@code draining}, ... */
  static String state(ExecutorMember.State state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /**
   * How long ago {@code then} was, as a person says it: "0.4 s ago" under ten seconds, then "42 s
   * ago", "3 min ago", "2 h 5 min ago", "3 d 4 h ago". A time after {@code now} (clocks apart)
   * reads as "0.0 s ago".
   */
  static String ago(Instant then, Instant now) {
    long ms = Math.max(0, Duration.between(then, now).toMillis());
    if (ms < 10_000) {
      return String.format(Locale.ROOT, "%.1f s ago", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + " s ago";
    }
    long min = s / 60;
    if (min < 60) {
      return min + " min ago";
    }
    long h = min / 60;
    if (h < 24) {
      return pair(h, "h", min % 60, "min") + " ago";
    }
    return pair(h / 24, "d", h % 24, "h") + " ago";
  }

  private static String pair(long big, String bigUnit, long small, String smallUnit) {
    return small == 0 ? big + " " + bigUnit : big + " " + bigUnit + " " + small + " " + smallUnit;
  }

  private static Long millis(Instant time) {
    return time == null ? null : time.toEpochMilli();
  }
}
