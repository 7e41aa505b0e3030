package io.meshwork.ledger.core;

import java.net.URLDecoder;
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
    Text t = new Text();
    putAccount(t, "", a);
    return t.toString();
  }

  static Account decodeAccount(String text) {
    return account(split(text));
  }

  static String encode(Hold h) {
    Text t = new Text();
    putHold(t, h);
    return t.toString();
  }

  static Hold decodeHold(String text) {
    return hold(split(text));
  }

  static String encode(VoidedHold v) {
    Text t = new Text();
    putHold(t, v.hold());
    t.put("refunded", v.refunded());
    return t.toString();
  }

  static VoidedHold decodeVoided(String text) {
    Map<String, String> m = split(text);
    return new VoidedHold(hold(m), number(m, "refunded"));
  }

  static String encode(Transferred t) {
    Text text = new Text();
    putAccount(text, "from.", t.from());
    putAccount(text, "to.", t.to());
    return text.toString();
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

  private static void putAccount(Text t, String prefix, Account a) {
    t.put(prefix + "did", a.did());
    t.put(prefix + "balance", a.balance());
    t.put(prefix + "held", a.held());
    t.put(prefix + "created_at", a.createdAt());
  }

  private static Account account(Map<String, String> m) {
    return new Account(
        text(m, "did"), number(m, "balance"), number(m, "held"), number(m, "created_at"));
  }

  private static void putHold(Text t, Hold h) {
    t.put("hold_id", h.holdId());
    t.put("payer_did", h.payerDid());
    t.put("amount", h.amount());
    t.put("posted", h.posted());
    t.put("state", h.state().name());
    t.put("job_id", h.jobId());
    t.put("memo", h.memo());
    t.put("created_at", h.createdAt());
    t.put("expires_at", h.expiresAt());
    t.put("closed_at", h.closedAt());
    t.put("creator_did", h.creatorDid());
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
        number(m, "closed_at"),
        // Outcomes recorded before holds named their creator have none.
        text(m, "creator_did"));
  }

  /**
   * Builds the text form directly: the committer encodes every outcome it records, so this avoids
   * maps and the general URL encoder. Values are percent-encoded byte by byte outside the URL
   * unreserved set, which {@link URLDecoder} reads back.
   */
  private static final class Text {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private final StringBuilder sb = new StringBuilder(256);

    void put(String key, long value) {
      start(key);
      sb.append(value);
    }

    void put(String key, String value) {
      start(key);
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (unreserved(c)) {
          sb.append(c);
        } else {
          escape(value, i);
          return;
        }
      }
    }

    /** Appends {@code value} from {@code from} on, percent-encoding its UTF-8 bytes as needed. */
    private void escape(String value, int from) {
      for (byte b : value.substring(from).getBytes(StandardCharsets.UTF_8)) {
        char c = (char) (b & 0xff);
        if (c < 0x80 && unreserved(c)) {
          sb.append(c);
        } else {
          sb.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
      }
    }

    private void start(String key) {
      if (!sb.isEmpty()) {
        sb.append('&');
      }
      sb.append(key).append('=');
    }

    private static boolean unreserved(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '*';
    }

    @Override
    public String toString() {
      return sb.toString();
    }
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
