package io.meshwork.ledger.core;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes the outcome of a request as text for {@link RecordedRequest}, so a replay returns exactly
 * what the first call returned rather than the current state.
 *
 * <p>The form is {@code key=value&...} with URL-encoded values: readable in the database, and a
 * field added later decodes from old rows with a default.
 */
final class Outcomes {
  private Outcomes() {}

  static String encode(Account a) {
    Map<String, String> m = new LinkedHashMap<>();
    putAccount(m, a);
    return join(m);
  }

  static Account decodeAccount(String text) {
    return account(split(text));
  }

  static String encode(Hold h) {
    Map<String, String> m = new LinkedHashMap<>();
    putHold(m, h);
    return join(m);
  }

  static Hold decodeHold(String text) {
    return hold(split(text));
  }

  static String encode(VoidedHold v) {
    Map<String, String> m = new LinkedHashMap<>();
    putHold(m, v.hold());
    m.put("refunded", Long.toString(v.refunded()));
    return join(m);
  }

  static VoidedHold decodeVoided(String text) {
    Map<String, String> m = split(text);
    return new VoidedHold(hold(m), number(m, "refunded"));
  }

  static String encode(Transferred t) {
    Map<String, String> m = new LinkedHashMap<>();
    Map<String, String> from = new LinkedHashMap<>();
    Map<String, String> to = new LinkedHashMap<>();
    putAccount(from, t.from());
    putAccount(to, t.to());
    from.forEach((k, v) -> m.put("from." + k, v));
    to.forEach((k, v) -> m.put("to." + k, v));
    return join(m);
  }

  static Transferred decodeTransferred(String text) {
    Map<String, String> m = split(text);
    return new Transferred(account(prefixed(m, "from.")), account(prefixed(m, "to.")));
  }

  private static Map<String, String> prefixed(Map<String, String> m, String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  private static void putAccount(Map<String, String> m, Account a) {
    m.put("did", a.did());
    m.put("balance", Long.toString(a.balance()));
    m.put("held", Long.toString(a.held()));
    m.put("created_at", Long.toString(a.createdAt()));
  }

  private static Account account(Map<String, String> m) {
    return new Account(
        text(m, "did"), number(m, "balance"), number(m, "held"), number(m, "created_at"));
  }

  private static void putHold(Map<String, String> m, Hold h) {
    m.put("hold_id", h.holdId());
    m.put("payer_did", h.payerDid());
    m.put("amount", Long.toString(h.amount()));
    m.put("posted", Long.toString(h.posted()));
    m.put("state", h.state().name());
    m.put("job_id", h.jobId());
    m.put("memo", h.memo());
    m.put("created_at", Long.toString(h.createdAt()));
    m.put("expires_at", Long.toString(h.expiresAt()));
    m.put("closed_at", Long.toString(h.closedAt()));
  }

  private static Hold hold(Map<String, String> m) {
    return new Hold(
        text(m, "hold_id"),
        text(m, "payer_did"),
        number(m, "amount"),
        number(m, "posted"),
        HoldState.valueOf(text(m, "state")),
        text(m, "job_id"),
        text(m, "memo"),
        number(m, "created_at"),
        number(m, "expires_at"),
        number(m, "closed_at"));
  }

  private static String join(Map<String, String> m) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : m.entrySet()) {
      if (!sb.isEmpty()) {
        sb.append('&');
      }
      sb.append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  private static Map<String, String> split(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return m;
    }
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      m.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  private static String text(Map<String, String> m, String key) {
    return m.getOrDefault(key, "");
  }

  private static long number(Map<String, String> m, String key) {
    String v = m.get(key);
    return v == null ? 0 : Long.parseLong(v);
  }
}
