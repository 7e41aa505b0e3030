package io.meshwork.identity;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Checks the bearer tokens of AUTH.md on the server side and tells who the caller is.
 *
 * <p>A token passes only if it is a compact JWS with {@code alg} EdDSA whose {@code kid} is a
 * {@code did:key}, its signature verifies under that key, {@code iss == sub == kid}, {@code aud}
 * names the gRPC service called, it lives at most 300 seconds, the clock is within {@code [iat - 30
 * s, exp]}, and its {@code jti} was not seen before. One verifier is meant to serve a whole server:
 * it is thread-safe and its replay memory is shared by all calls.
 *
 * <p>The replay memory has two pools. Callers the server knows in a role (the mesh's parties and
 * its operators) use one, everyone else (users, who are free to make as many identities as they
 * like) the other, so that a crowd of throwaway identities cannot fill the memory the mesh's own
 * calls need. In each pool, every caller has a quota of live token ids ({@link ReplayLimits}).
 */
public final class TokenVerifier {
  /** How far ahead of this server's clock a caller's clock may run. */
  public static final long CLOCK_SKEW_SECONDS = 30;

  private static final int MAX_TOKEN_LENGTH = 8192;
  private static final int KEY_MEMORY = 10_000;
  private static final int MAX_JTI_LENGTH = 256;
  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
  private static final Base64.Encoder BASE64URL_OUT = Base64.getUrlEncoder().withoutPadding();

  private final Clock clock;
  private final ReplayCache users;
  private final ReplayCache parties;
  private final Predicate<String> isParty;
  // A server hears from the same callers again and again: each key is validated once.
  private final ValidatedKeys keys = new ValidatedKeys(KEY_MEMORY);

  /**
   * Creates a verifier reading time from {@code clock}, with the default replay limits and every
   * caller in the users' pool.
   */
  public TokenVerifier(Clock clock) {
    this(clock, ReplayLimits.USERS, ReplayLimits.PARTIES, did -> false);
  }

  /**
   * Creates a verifier reading time from {@code clock}.
   *
   * @param users the replay limits of callers {@code isParty} does not know
   * @param parties the replay limits of callers it knows
   * @param isParty whether a DID has a configured role at this server
   */
  public TokenVerifier(
      Clock clock, ReplayLimits users, ReplayLimits parties, Predicate<String> isParty) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.users = new ReplayCache(users);
    this.parties = new ReplayCache(parties);
    this.isParty = Objects.requireNonNull(isParty, "isParty");
  }

  /**
   * Checks a compact token presented to the gRPC service {@code audience} (its full name, such as
   * {@code meshwork.ledger.v1.LedgerService}) and returns the caller's DID.
   *
   * @throws AuthenticationException naming the first check that failed
   */
  public String verify(String compactToken, String audience) throws AuthenticationException {
    if (audience == null || audience.isEmpty()) {
      throw new IllegalArgumentException("a token is checked against the service called");
    }
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
    // A token names the one service it was minted for, so a service that receives a token cannot
    // replay it at another.
    if (!audience.equals(claims.get("aud"))) {
      throw fail(
          "audience",
          "The token is addressed to "
              + describe(claims.get("aud"))
              + ", not to the service called, '"
              + audience
              + "'.");
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
    ReplayCache pool = isParty.test(kid) ? parties : users;
    switch (pool.record(kid, jti, exp, now.getEpochSecond())) {
      case REPLAYED ->
          throw fail("replayed", "The token was already used (jti " + shown(jti, 40) + ").");
      case OVER_QUOTA ->
          throw fail(
              "replay-quota",
              "The caller has too many live tokens at this service; retry when older ones"
                  + " expire.");
      case FULL ->
          throw fail(
              "replay-capacity",
              "Too many tokens are live at once to guard against replay; retry shortly.");
      case FIRST_USE -> {}
    }
    return kid;
  }

  private static String describe(Object aud) {
    if (aud instanceof String single) {
      return "'" + shown(single, 80) + "'";
    }
    if (aud instanceof List<?>) {
      return "a list of audiences (one service name is expected)";
    }
    return "no audience";
  }

  /**
   * Text the caller chose, fit to quote in a one-line refusal: printable ASCII only (anything else
   * becomes '?'), at most {@code max} characters.
   */
  static String shown(String text, int max) {
    if (text == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(Math.min(text.length(), max + 3));
    for (int i = 0; i < text.length() && b.length() < max; i++) {
      char c = text.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return text.length() > max ? b.append("...").toString() : b.toString();
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
      throw fail(
          "malformed",
          "The token's " + what + " is not base64url JSON: " + shown(e.getMessage(), 120));
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
