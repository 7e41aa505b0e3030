package io.meshwork.orchestrator.membership;

import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Join tokens: {@code mwjt.<id>.<secret>}. The id is public (the history names it); the secret is
 * shown once, when the operator creates the token, and only its SHA-256 is kept, so a copy of the
 * journal admits nobody.
 */
public final class JoinTokens {
  /** What a token string starts with. */
  public static final String PREFIX = "mwjt.";

  private static final int ID_BYTES = 8;
  private static final int SECRET_BYTES = 32;

  private final MembershipStore store;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Tokens kept in {@code store}. */
  public JoinTokens(MembershipStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new token and the string to hand to the executor (shown once). */
  public record Created(String token, JoinTokenRecord record) {}

  /** Makes a token valid for {@code validFor} that admits {@code uses} joins. */
  public Created create(Duration validFor, int uses, String description, String createdBy) {
    byte[] id = new byte[ID_BYTES];
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(id);
    random.nextBytes(secret);
    String idText = HexFormat.of().formatHex(id);
    String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    long now = clock.millis();
    JoinTokenRecord record =
        new JoinTokenRecord(
            idText,
            sha256(secretText),
            now,
            now + validFor.toMillis(),
            uses,
            uses,
            description,
            createdBy);
    store.saveToken(record);
    return new Created(PREFIX + idText + "." + secretText, record);
  }

  /**
   * Spends one use of {@code token}; returns its id.
   *
   * @throws MeshException PERMISSION_DENIED {@code JOIN_TOKEN_INVALID}, {@code JOIN_TOKEN_EXPIRED}
   *     or {@code JOIN_TOKEN_SPENT}
   */
  public String redeem(String token) {
    if (token.isEmpty()) {
      throw refused("JOIN_TOKEN_REQUIRED", "this orchestrator admits executors with a join token");
    }
    int dot = token.indexOf('.', PREFIX.length());
    if (!token.startsWith(PREFIX) || dot < 0) {
      throw refused("JOIN_TOKEN_INVALID", "the join token is not one this orchestrator made");
    }
    String id = token.substring(PREFIX.length(), dot);
    Optional<JoinTokenRecord> record = store.token(id);
    // One message for an unknown id and a wrong secret: neither tells a guesser which ids exist.
    if (record.isEmpty()
        || !MessageDigest.isEqual(record.get().secretHash(), sha256(token.substring(dot + 1)))) {
      throw refused("JOIN_TOKEN_INVALID", "the join token is not one this orchestrator made");
    }
    if (clock.millis() >= record.get().expiresAt()) {
      throw refused("JOIN_TOKEN_EXPIRED", "the join token " + id + " has expired");
    }
    if (!store.spendToken(id)) {
      throw refused("JOIN_TOKEN_SPENT", "the join token " + id + " has no uses left");
    }
    return id;
  }

  private static MeshException refused(String code, String message) {
    return MeshException.permissionDenied(code, message);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
