package io.meshwork.orchestrator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.membership.JoinTokenRecord;
import io.meshwork.orchestrator.membership.MemberLoad;
import io.meshwork.orchestrator.membership.MemberSource;
import io.meshwork.orchestrator.membership.MemberState;
import io.meshwork.orchestrator.membership.MemberView;
import io.meshwork.orchestrator.membership.MembershipStore;
import io.meshwork.runtime.errors.MeshException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What every membership journal must do, run against SQLite in a temporary file and PostgreSQL for
 * real: members' rows and their history, join tokens spent atomically, all kept across reopening,
 * and the journal is fenced.
 */
abstract class MembershipStoreContract extends JournalFenceContract<MembershipStore> {
  /** Opens the journal under test; a second call opens the same journal again. */
  @Override
  abstract MembershipStore open();

  @Override
  void write(MembershipStore store, String mark) {
    store.record(member(mark, MemberState.LIVE, 1), null, "joined", 1);
  }

  @Override
  boolean holds(MembershipStore store, String mark) {
    return store.members().stream().anyMatch(m -> m.did().equals(mark));
  }

  static MemberView member(String did, MemberState state, long at) {
    return new MemberView(
        did,
        "10.0.0.7:7300",
        MemberSource.JOIN,
        state,
        new MemberLoad(8, 16_384, 4, 0, 0),
        "engine 1",
        100,
        at,
        state == MemberState.LEFT ? at : 0,
        0);
  }

  static JoinTokenRecord token(String id, int uses) {
    return new JoinTokenRecord(
        id, new byte[] {1, 2, 3}, 100, 200, uses, uses, "for the rack", "did:key:zOperator");
  }

  @Test
  void aMemberKeepsOneRowAndEveryChangeOfStateInOrder() {
    try (MembershipStore store = open()) {
      store.record(member("did:key:zB", MemberState.LIVE, 1), null, "joined", 1_000);
      store.record(member("did:key:zA", MemberState.LIVE, 2), null, "joined", 2_000);
      store.record(member("did:key:zB", MemberState.SUSPECT, 3), MemberState.LIVE, "silent", 3_000);
      store.record(
          member("did:key:zB", MemberState.LEFT, 4), MemberState.SUSPECT, "it left", 4_000);
    }
    try (MembershipStore reopened = open()) {
      List<MemberView> members = reopened.members();
      assertEquals(
          List.of("did:key:zA", "did:key:zB"), members.stream().map(m -> m.did()).toList());
      MemberView b = members.get(1);
      assertEquals(MemberState.LEFT, b.state());
      assertEquals(4, b.lastHeartbeatAt());
      assertEquals(4, b.leftAt());
      assertEquals(new MemberLoad(8, 16_384, 4, 0, 0), b.load());
      assertEquals("10.0.0.7:7300", b.endpoint());
      assertEquals(MemberSource.JOIN, b.source());
      assertEquals("engine 1", b.engineVersion());
      assertEquals(
          List.of(
              "1970-01-01T00:00:01Z - -> LIVE: joined",
              "1970-01-01T00:00:03Z LIVE -> SUSPECT: silent",
              "1970-01-01T00:00:04Z SUSPECT -> LEFT: it left"),
          reopened.history("did:key:zB"));
      assertEquals(List.of(), reopened.history("did:key:zNobody"));
    }
  }

  @Test
  void aTokenIsKeptAndItsUsesAreSpentOneAtATime() {
    try (MembershipStore store = open()) {
      store.saveToken(token("t1", 2));
      assertTrue(store.spendToken("t1"));
    }
    try (MembershipStore reopened = open()) {
      assertEquals(
          Optional.of(
              new JoinTokenRecord(
                  "t1", new byte[] {1, 2, 3}, 100, 200, 2, 1, "for the rack", "did:key:zOperator")),
          reopened.token("t1"));
      assertTrue(reopened.spendToken("t1"));
      assertFalse(reopened.spendToken("t1"));
      assertFalse(reopened.spendToken("unknown"));
      assertEquals(0, reopened.token("t1").orElseThrow().usesLeft());
      assertEquals(Optional.empty(), reopened.token("unknown"));
    }
  }

  @Test
  void aTokenSavedTwiceIsRefusedAsUnavailableAndTheFirstKept() {
    try (MembershipStore store = open()) {
      store.saveToken(token("t1", 1));
      MeshException e = assertThrows(MeshException.class, () -> store.saveToken(token("t1", 9)));
      assertEquals("MEMBERSHIP_STORE_UNAVAILABLE", e.reason());
      assertTrue(e.getMessage().startsWith("cannot save join token t1"), e.getMessage());
      assertEquals(1, store.token("t1").orElseThrow().uses());
      // The connection is fine after the failed write.
      assertTrue(store.spendToken("t1"));
    }
  }

  @Test
  void aDeposedStoreSpendsNoToken() throws Exception {
    try (MembershipStore deposed = open();
        MembershipStore leader = open()) {
      leader.saveToken(token("t1", 1));
      deposed.fence(1);
      leader.fence(2);
      assertThrows(
          io.meshwork.orchestrator.jobs.FencedOutException.class, () -> deposed.spendToken("t1"));
      assertTrue(leader.spendToken("t1"));
    }
  }
}
