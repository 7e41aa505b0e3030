package io.meshwork.orchestrator.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.store.JournalDatabase;
import io.meshwork.orchestrator.store.SqlJobStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReputationTest {
  @TempDir Path dir;

  @Test
  void aNewcomerStartsNeutralAndTwoCaughtLiesExcludeIt() {
    try (SqlJobStore store = new SqlJobStore(JournalDatabase.sqlite(dir.resolve("j.db")))) {
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), Clock.systemUTC());
      assertEquals(0.5, rep.score("did:new"), 1e-9);
      assertTrue(rep.trusted("did:new"));
      rep.caught("did:new", "outvoted");
      assertEquals(0.25, rep.score("did:new"), 1e-9);
      assertTrue(rep.trusted("did:new"));
      rep.caught("did:new", "outvoted again");
      assertEquals(1.0 / 6, rep.score("did:new"), 1e-9);
      assertFalse(rep.trusted("did:new"));
    }
  }

  @Test
  void verifiedWorkRaisesItAndLowersTheSampleRate() {
    try (SqlJobStore store = new SqlJobStore(JournalDatabase.sqlite(dir.resolve("j.db")))) {
      Reputation rep =
          new Reputation(
              store,
              new Reputation.Options(0.2, 2.0, 0.5, 0.2, 20.0, java.time.Duration.ofMinutes(1)),
              Clock.systemUTC());
      assertEquals(0.2, rep.sampleRate("did:e"), 1e-9);
      for (int i = 0; i < 20; i++) {
        rep.verified("did:e");
      }
      assertEquals(21.0 / 22, rep.score("did:e"), 1e-9);
      assertEquals(0.1, rep.sampleRate("did:e"), 1e-9);
      rep.failed("did:e");
      assertEquals(21.0 / 22.5, rep.score("did:e"), 1e-9);
    }
  }

  @Test
  void lostAssignmentsExcludeForACoolDownAndDeliveredResultsForgiveThem() {
    try (SqlJobStore store = new SqlJobStore(JournalDatabase.sqlite(dir.resolve("j.db")))) {
      MutableClock clock = new MutableClock();
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), clock);
      for (int i = 0; i < 7; i++) {
        rep.failed("did:slow");
      }
      // 1 / (2 + 0.5 x 7) = 0.18: excluded, but only until a minute after its last failure.
      assertFalse(rep.trusted("did:slow"));
      clock.advance(59_999);
      assertFalse(rep.trusted("did:slow"));
      clock.advance(1);
      assertTrue(rep.trusted("did:slow"));
      // Each result it then delivers forgives one lost assignment, and writes only while any is
      // left to forgive.
      rep.completed("did:slow");
      assertEquals(6, rep.record("did:slow").failed());
      for (int i = 0; i < 10; i++) {
        rep.completed("did:slow");
      }
      assertEquals(0, rep.record("did:slow").failed());
      assertEquals(0.5, rep.score("did:slow"), 1e-9);

      // A liar gets no cool-down, and delivering results does not forgive a lie.
      rep.caught("did:liar", "x");
      rep.caught("did:liar", "y");
      rep.completed("did:liar");
      clock.advance(3_600_000);
      assertFalse(rep.trusted("did:liar"));
    }
  }

  /** A clock the test moves. */
  private static final class MutableClock extends Clock {
    private long millis = 1_000_000;

    void advance(long by) {
      millis += by;
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.ofEpochMilli(millis);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void itSurvivesARestart() {
    Path file = dir.resolve("j.db");
    try (SqlJobStore store = new SqlJobStore(JournalDatabase.sqlite(file))) {
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), Clock.systemUTC());
      rep.verified("did:e");
      rep.caught("did:liar", "x");
      rep.caught("did:liar", "y");
    }
    try (SqlJobStore store = new SqlJobStore(JournalDatabase.sqlite(file))) {
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), Clock.systemUTC());
      assertEquals(2.0 / 3, rep.score("did:e"), 1e-9);
      assertFalse(rep.trusted("did:liar"));
      assertEquals(2, store.executor("did:liar").caught());
    }
  }
}
