package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

/**
 * Fuzzes the bearer-token parser and verifier. Any string, and any header and claims signed by a
 * real key (so that the claims are read at all), is accepted or refused with an {@link
 * AuthenticationException}; nothing else escapes. The flat-JSON reader fails only with an {@link
 * IllegalArgumentException}, and what it reads, written back, reads the same.
 */
class TokenFuzzTest {
  private static final String AUD = "meshwork.ledger.v1.LedgerService";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final Identity CALLER = Identity.fromSeed(new byte[32]);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final TokenVerifier verifier = new TokenVerifier(Clock.fixed(NOW, ZoneOffset.UTC));

  @FuzzTest
  void tokensFailOnlyAsDocumented(FuzzedDataProvider data) {
    switch (data.consumeInt(0, 2)) {
      case 0 -> verify(data.consumeRemainingAsString());
      case 1 -> {
        // A header that gets past the key check, unless the fuzzer replaces it.
        String header =
            data.consumeBoolean()
                ? "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + CALLER.did() + "\"}"
                : data.consumeString(200);
        String claims = data.consumeRemainingAsString();
        String signingInput = b64(header) + "." + b64(claims);
        byte[] signature = CALLER.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
        String token = signingInput + "." + B64.encodeToString(signature);
        String did = verify(token);
        if (did != null) {
          assertEquals(CALLER.did(), did);
        }
      }
      default -> {
        String text = data.consumeRemainingAsString();
        Map<String, Object> members;
        try {
          members = TokenJson.parseObject(text);
        } catch (IllegalArgumentException refused) {
          return;
        }
        assertEquals(members, TokenJson.parseObject(write(members)));
      }
    }
  }

  /** The caller's DID, or null when the token is refused as documented. */
  private String verify(String token) {
    try {
      return verifier.verify(token, AUD);
    } catch (AuthenticationException refused) {
      return null;
    }
  }

  private static String b64(String text) {
    return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a flat object back as JSON, with the reader's own string writer. */
  private static String write(Map<String, Object> members) {
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, Object> member : members.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      TokenJson.appendString(out, member.getKey());
      out.append(':');
      Object value = member.getValue();
      if (value instanceof String s) {
        TokenJson.appendString(out, s);
      } else if (value instanceof java.util.List<?> list) {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          TokenJson.appendString(out, (String) list.get(i));
        }
        out.append(']');
      } else {
        out.append(value);
      }
    }
    return out.append('}').toString();
  }
}
