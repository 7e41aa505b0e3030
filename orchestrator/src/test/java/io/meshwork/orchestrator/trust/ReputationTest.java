package io.meshwork.orchestrator.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.store.SqliteJobStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReputationTest {
  @TempDir Path dir;

  @Test
  void aNewcomerStartsNeutralAndTwoCaughtLiesExcludeIt() {
    try (SqliteJobStore store = new SqliteJobStore(dir.resolve("j.db"))) {
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
    try (SqliteJobStore store = new SqliteJobStore(dir.resolve("j.db"))) {
      Reputation rep =
          new Reputation(
              store, new Reputation.Options(0.2, 2.0, 0.5, 0.2, 20.0), Clock.systemUTC());
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
  void itSurvivesARestart() {
    Path file = dir.resolve("j.db");
    try (SqliteJobStore store = new SqliteJobStore(file)) {
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), Clock.systemUTC());
      rep.verified("did:e");
      rep.caught("did:liar", "x");
      rep.caught("did:liar", "y");
    }
    try (SqliteJobStore store = new SqliteJobStore(file)) {
      Reputation rep = new Reputation(store, Reputation.Options.defaults(), Clock.systemUTC());
      assertEquals(2.0 / 3, rep.score("did:e"), 1e-9);
      assertFalse(rep.trusted("did:liar"));
      assertEquals(2, store.executor("did:liar").caught());
    }
  }
}
