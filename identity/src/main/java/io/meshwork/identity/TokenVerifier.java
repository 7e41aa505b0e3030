package io.meshwork.identity;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Checks the bearer tokens of AUTH.md on the server side and tells who the caller is.
 *
 * <p>A token passes only if it is a compact JWS with {@code alg} EdDSA whose {@code kid} is a
 * {@code did:key}, its signature verifies under that key, {@code iss == sub == kid}, {@code aud}
 * names this server, it lives at most 300 seconds, the clock is within {@code [iat - 30 s, exp]},
 * and its {@code jti} was not seen before. One verifier is meant to serve a whole server: it is
 * thread-safe and its replay memory is shared by all calls.
 */
public final class TokenVerifier {
  /** How far ahead of this server's clock a caller's clock may run. */
  public static final long CLOCK_SKEW_SECONDS = 30;

  /** Default number of live token ids remembered against replay. */
  public static final int DEFAULT_REPLAY_CAPACITY = 1_000_000;

  private static final int MAX_TOKEN_LENGTH = 8192;
  private static final int KEY_MEMORY = 10_000;
  private static final int MAX_JTI_LENGTH = 256;
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
  private static final Base64.Encoder BASE64URL_OUT = Base64.getUrlEncoder().withoutPadding();

  private final String audience;
  private final Clock clock;
  private final ReplayCache replays;
  // A server hears from the same callers again and again: each key is validated once.
  private final ValidatedKeys keys = new ValidatedKeys(KEY_MEMORY);

  /**
   * Creates a verifier for tokens addressed to {@code audience}, reading time from {@code clock}.
   */
  public TokenVerifier(String audience, Clock clock) {
    this(audience, clock, DEFAULT_REPLAY_CAPACITY);
  }

  /**
   * Creates a verifier that remembers at most {@code replayCapacity} live token ids; when that many
   * are live it refuses new tokens (check {@code replay-capacity}) rather than risk a replay.
   */
  public TokenVerifier(String audience, Clock clock, int replayCapacity) {
    if (audience == null || audience.isEmpty()) {
      throw new IllegalArgumentException("a token verifier needs an audience");
    }
    this.audience = audience;
    this.clock = clock;
    this.replays = new ReplayCache(replayCapacity);
  }

  /**
   * Checks a compact token and returns the caller's DID.
   *
   * @throws AuthenticationException naming the first check that failed
   */
  public String verify(String compactToken) throws AuthenticationException {
    if (compactToken == null || compactToken.isEmpty()) {
      throw fail("malformed", "The token is empty.");
    }
    if (compactToken.length() > MAX_TOKEN_LENGTH) {
      throw fail("malformed", "The token is longer than " + MAX_TOKEN_LENGTH + " characters.");
    }
    int firstDot = compactToken.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : compactToken.indexOf('.', firstDot + 1);
    if (firstDot <= 0
        || secondDot <= firstDot + 1
        || secondDot == compactToken.length() - 1
        || compactToken.indexOf('.', secondDot + 1) >= 0) {
      throw fail("malformed", "The token is not three non-empty parts separated by dots.");
    }
    Map<String, Object> header = json(compactToken.substring(0, firstDot), "header");

    if (!"EdDSA".equals(header.get("alg"))) {
      throw fail("algorithm", "The token's algorithm is not EdDSA.");
    }
    if (header.containsKey("typ") && !"JWT".equals(header.get("typ"))) {
      throw fail("malformed", "The token's header type is not JWT.");
    }
    if (header.containsKey("crit")) {
      throw fail("malformed", "The token has critical header parameters, which are not supported.");
    }
    if (!(header.get("kid") instanceof String kid) || !DidKey.isDidKey(kid)) {
      throw fail("key-id", "The token's key id (kid) is not an Ed25519 did:key.");
    }

    byte[] signature = decodeSignature(compactToken.substring(secondDot + 1));
    byte[] signingInput = compactToken.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII);
    ValidatedKeys.Key key = keys.forDid(kid);
    if (key == null || !key.verify(signature, 0, signingInput, signingInput.length)) {
      throw fail("signature", "The token's signature does not verify under the key in kid.");
    }

    // Claims are read only once they are known to come from the key holder.
    Map<String, Object> claims = json(compactToken.substring(firstDot + 1, secondDot), "claims");
    if (!kid.equals(claims.get("iss")) || !kid.equals(claims.get("sub"))) {
      throw fail("issuer", "The token's iss and sub are not both the did:key in kid.");
    }
    if (!audienceMatches(claims.get("aud"))) {
      throw fail("audience", "The token is not addressed to '" + audience + "'.");
    }
    if (!(claims.get("iat") instanceof Long iat) || !(claims.get("exp") instanceof Long exp)) {
      throw fail("malformed", "The token lacks integer iat and exp claims.");
    }
    if (exp <= iat || exp - iat > BearerTokens.MAX_LIFETIME.toSeconds()) {
      throw fail(
          "lifetime",
          "The token lives "
              + (exp - iat)
              + " seconds; it must live between 1 and "
              + BearerTokens.MAX_LIFETIME.toSeconds()
              + ".");
    }
    Instant now = clock.instant();
    if (now.isBefore(Instant.ofEpochSecond(iat - CLOCK_SKEW_SECONDS))) {
      throw fail("not-yet-valid", "The token was issued in the future (iat " + iat + ").");
    }
    if (now.isAfter(Instant.ofEpochSecond(exp))) {
      throw fail("expired", "The token expired (exp " + exp + ").");
    }
    if (!(claims.get("jti") instanceof String jti)
        || jti.isEmpty()
        || jti.length() > MAX_JTI_LENGTH) {
      throw fail("malformed", "The token lacks a jti of 1 to " + MAX_JTI_LENGTH + " characters.");
    }
    // Ids are per caller: a caller can only ever collide with its own tokens.
    switch (replays.record(kid + "\n" + jti, exp, now.getEpochSecond())) {
      case REPLAYED -> throw fail("replayed", "The token was already used (jti " + jti + ").");
      case FULL ->
          throw fail(
              "replay-capacity",
              "Too many tokens are live at once to guard against replay; retry shortly.");
      case FIRST_USE -> {}
    }
    return kid;
  }

  private boolean audienceMatches(Object aud) {
    if (aud instanceof String single) {
      return single.equals(audience);
    }
    if (aud instanceof List<?> many) {
      return many.contains(audience);
    }
    return false;
  }

  private static Map<String, Object> json(String part, String what) throws AuthenticationException {
    try {
      if (part.indexOf('=') >= 0) {
        throw new IllegalArgumentException("padding is not allowed");
      }
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(BASE64URL.decode(part)))
              .toString();
      return TokenJson.parseObject(text);
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw fail("malformed", "The token's " + what + " is not base64url JSON: " + e.getMessage());
    }
  }

  private static byte[] decodeSignature(String part) throws AuthenticationException {
    byte[] signature;
    try {
      signature = BASE64URL.decode(part);
    } catch (IllegalArgumentException e) {
      throw fail("malformed", "The token's signature is not base64url.");
    }
    // Only the canonical spelling is accepted, so one signature has one token string.
    if (!BASE64URL_OUT.encodeToString(signature).equals(part)) {
      throw fail("malformed", "The token's signature is not canonical unpadded base64url.");
    }
    if (signature.length != Ed25519.SIGNATURE_LENGTH) {
      throw fail("malformed", "The token's signature has " + signature.length + " bytes, not 64.");
    }
    return signature;
  }

  private static AuthenticationException fail(String check, String message) {
    return new AuthenticationException(check, message);
  }
}
