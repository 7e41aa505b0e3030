package io.meshwork.identity;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Mints the short-lived bearer tokens of AUTH.md that a caller sends as {@code authorization:
 * Bearer <token>}.
 *
 * <p>A token is a compact JWS signed with EdDSA: header {@code
 * {"alg":"EdDSA","typ":"JWT","kid":<did>}} and claims {@code iss}, {@code sub} (both the caller's
 * DID), {@code aud}, {@code iat}, {@code exp} (seconds) and a random {@code jti}.
 */
public final class BearerTokens {
  /**
   * The audience of a token that is traded for a session of the orchestrator's dashboard
   * (docs/AUTH.md): no gRPC service takes it, and the dashboard takes no other.
   */
  public static final String DASHBOARD_AUDIENCE = "meshwork.dashboard";

  /** The longest lifetime a token may have; servers refuse longer ones. */
  public static final Duration MAX_LIFETIME = Duration.ofSeconds(300);

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private BearerTokens() {}

  /**
   * Mints a token that proves {@code caller}'s identity to {@code audience} from {@code now} for
   * {@code ttl} (whole seconds, 1 to 300).
   *
   * @throws IllegalArgumentException if the lifetime is not within 1 to 300 seconds or the audience
   *     is empty
   */
  public static String mint(Identity caller, String audience, Instant now, Duration ttl) {
    if (ttl.compareTo(MAX_LIFETIME) > 0 || ttl.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "a token lives between 1 and " + MAX_LIFETIME.toSeconds() + " seconds, not " + ttl);
    }
    if (audience == null || audience.isEmpty()) {
      throw new IllegalArgumentException("a token needs an audience");
    }
    String did = caller.did();
    long iat = now.getEpochSecond();
    long exp = iat + ttl.toSeconds();
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);

    StringBuilder header = new StringBuilder("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":");
    TokenJson.appendString(header, did);
    header.append('}');

    StringBuilder claims = new StringBuilder("{\"iss\":");
    TokenJson.appendString(claims, did);
    claims.append(",\"sub\":");
    TokenJson.appendString(claims, did);
    claims.append(",\"aud\":");
    TokenJson.appendString(claims, audience);
    claims.append(",\"iat\":").append(iat).append(",\"exp\":").append(exp).append(",\"jti\":");
    TokenJson.appendString(claims, BASE64URL.encodeToString(nonce));
    claims.append('}');

    String signingInput = encode(header) + "." + encode(claims);
    byte[] signature = caller.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + BASE64URL.encodeToString(signature);
  }

  private static String encode(CharSequence json) {
    return BASE64URL.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
  }
}
