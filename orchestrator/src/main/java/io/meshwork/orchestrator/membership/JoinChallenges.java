package io.meshwork.orchestrator.membership;

import io.meshwork.runtime.errors.MeshException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The challenges handed out to joiners: random, valid for a minute and for one join. Kept in memory
 * only (a restart voids them; the joiner asks again) and bounded, so that a flood of requests
 * cannot fill the heap: past the bound the oldest are dropped.
 */
public final class JoinChallenges {
  /** How long a challenge may be answered. */
  public static final Duration VALIDITY = Duration.ofMinutes(1);

  private static final int BYTES = 32;
  private static final int MAX_OPEN = 10_000;

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  // Insertion order is expiry order: every challenge lives for the same VALIDITY.
  private final LinkedHashMap<String, Long> open = new LinkedHashMap<>();

  /** Challenges timed by {@code clock}. */
  public JoinChallenges(Clock clock) {
    this.clock = clock;
  }

  /** A fresh challenge with its expiry (ms since the epoch). */
  public record Challenge(byte[] bytes, long expiresAt) {}

  /** Issues a challenge. */
  public synchronized Challenge issue() {
    long now = clock.millis();
    dropExpired(now);
    if (open.size() >= MAX_OPEN) {
      Iterator<Map.Entry<String, Long>> oldest = open.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] bytes = new byte[BYTES];
    random.nextBytes(bytes);
    long expiresAt = now + VALIDITY.toMillis();
    open.put(HexFormat.of().formatHex(bytes), expiresAt);
    return new Challenge(bytes, expiresAt);
  }

  /**
   * Takes {@code challenge} out of the open ones.
   *
   * @throws MeshException FAILED_PRECONDITION {@code JOIN_CHALLENGE_UNKNOWN} when it was never
   *     issued here, was used already, or has expired
   */
  public synchronized void consume(byte[] challenge) {
    long now = clock.millis();
    dropExpired(now);
    Long expiresAt = open.remove(HexFormat.of().formatHex(challenge));
    if (expiresAt == null) {
      throw MeshException.failedPrecondition(
          "JOIN_CHALLENGE_UNKNOWN",
          "the join challenge is unknown, used or expired; ask for a new one (GetJoinChallenge)");
    }
  }

  private void dropExpired(long now) {
    Iterator<Map.Entry<String, Long>> it = open.entrySet().iterator();
    while (it.hasNext() && it.next().getValue() <= now) {
      it.remove();
    }
  }
}
