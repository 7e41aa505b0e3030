package io.meshwork.receiptlog.core;

import static io.meshwork.receiptlog.core.ExecutorMembership.CLOCK_SLACK_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import io.meshwork.receiptlog.store.MemberPeriod;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.runtime.errors.MeshException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership rule: which executors' receipts the log takes from which orchestrator, for which
 * finishing times, and how synced lists replace each other; over a real SQLite store.
 */
class ExecutorMembershipTest {
  private static final long ADMITTED = 1_700_000_000_000L;
  private static final long LEFT = ADMITTED + 3_600_000;

  @TempDir Path dir;

  private final String orchestrator = Identity.generate().did();
  private final String otherOrchestrator = Identity.generate().did();
  private final String configured = Identity.generate().did();
  private final String joined = Identity.generate().did();
  private final String left = Identity.generate().did();
  private SqliteLogStore store;
  private ExecutorMembership members;

  @BeforeEach
  void open() {
    store = SqliteLogStore.open(dir.resolve("receipts.db"));
    members = load();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ExecutorMembership load() {
    return ExecutorMembership.load(store, configured::equals);
  }

  private void syncBoth() {
    members.sync(
        orchestrator,
        1,
        List.of(new MemberPeriod(joined, ADMITTED, 0), new MemberPeriod(left, ADMITTED, LEFT)));
  }

  @Test
  void aConfiguredExecutorIsTakenFromAnyOrchestratorAtAnyTime() {
    assertTrue(members.accepts(orchestrator, configured, 0));
    assertTrue(members.accepts(otherOrchestrator, configured, Long.MAX_VALUE));
    assertFalse(members.accepts(orchestrator, joined, ADMITTED));
  }

  @Test
  void takesReceiptsFinishedWithinTheMembershipWidenedByTheSlack() {
    syncBoth();

    assertTrue(members.accepts(orchestrator, joined, ADMITTED + 1));
    assertTrue(members.accepts(orchestrator, joined, ADMITTED - CLOCK_SLACK_MS));
    assertFalse(members.accepts(orchestrator, joined, ADMITTED - CLOCK_SLACK_MS - 1));
    // Still a member: no end.
    assertTrue(members.accepts(orchestrator, joined, Long.MAX_VALUE));

    assertTrue(members.accepts(orchestrator, left, ADMITTED + 5));
    // Signed before it left, anchored whenever: the check is on finished_at, not on now.
    assertTrue(members.accepts(orchestrator, left, LEFT));
    assertTrue(members.accepts(orchestrator, left, LEFT + CLOCK_SLACK_MS));
    assertFalse(members.accepts(orchestrator, left, LEFT + CLOCK_SLACK_MS + 1));
    assertFalse(members.accepts(orchestrator, left, ADMITTED - CLOCK_SLACK_MS - 1));
    // A uint64 finished_at beyond 2^63 - 1 reads as negative.
    assertFalse(members.accepts(orchestrator, joined, -1));
  }

  @Test
  void anotherOrchestratorsListDoesNotCount() {
    syncBoth();

    assertFalse(members.accepts(otherOrchestrator, joined, ADMITTED + 1));
  }

  @Test
  void onlyAHigherVersionReplacesTheList() {
    assertEquals(0, members.version(orchestrator));
    assertEquals(3, members.sync(orchestrator, 3, List.of(new MemberPeriod(joined, ADMITTED, 0))));

    // A re-send of the same version and a delayed older one change nothing.
    assertEquals(3, members.sync(orchestrator, 3, List.of()));
    assertEquals(3, members.sync(orchestrator, 2, List.of(new MemberPeriod(left, ADMITTED, 0))));
    assertTrue(members.accepts(orchestrator, joined, ADMITTED));
    assertFalse(members.accepts(orchestrator, left, ADMITTED));

    // A newer one replaces the whole list: who is not in it is no longer vouched for.
    assertEquals(4, members.sync(orchestrator, 4, List.of(new MemberPeriod(left, ADMITTED, 0))));
    assertFalse(members.accepts(orchestrator, joined, ADMITTED));
    assertTrue(members.accepts(orchestrator, left, ADMITTED));
    // Versions are per orchestrator.
    assertEquals(1, members.sync(otherOrchestrator, 1, List.of()));
    assertEquals(4, members.version(orchestrator));
  }

  @Test
  void aReloadedMembershipKnowsTheStoredLists() {
    syncBoth();
    members.sync(otherOrchestrator, 7, List.of(new MemberPeriod(left, ADMITTED, 0)));

    ExecutorMembership reloaded = load();

    assertEquals(1, reloaded.version(orchestrator));
    assertEquals(7, reloaded.version(otherOrchestrator));
    assertTrue(reloaded.accepts(orchestrator, joined, ADMITTED));
    assertFalse(reloaded.accepts(orchestrator, left, LEFT + CLOCK_SLACK_MS + 1));
    assertTrue(reloaded.accepts(otherOrchestrator, left, LEFT + CLOCK_SLACK_MS + 1));
    assertEquals(1, reloaded.sync(orchestrator, 1, List.of()), "the stored version still wins");
  }

  @Test
  void refusesABadListNamingTheField() {
    assertInvalid("version", 0, List.of());
    assertInvalid("version", -1, List.of());
    assertInvalid(
        "members[1].executor_did",
        1,
        List.of(new MemberPeriod(joined, ADMITTED, 0), new MemberPeriod("did:key:zNope", 1, 0)));
    // An Ed25519 did:key is all an executor can be: its receipts are checked with that key.
    assertInvalid("members[0].executor_did", 1, List.of(new MemberPeriod("", ADMITTED, 0)));
    assertInvalid(
        "members[2].executor_did",
        1,
        List.of(
            new MemberPeriod(joined, ADMITTED, 0),
            new MemberPeriod(left, ADMITTED, 0),
            new MemberPeriod(joined, ADMITTED, LEFT)));
    assertInvalid("members[0].admitted_at", 1, List.of(new MemberPeriod(joined, 0, 0)));
    assertInvalid("members[0].admitted_at", 1, List.of(new MemberPeriod(joined, -5, 0)));
    assertInvalid(
        "members[0].left_at", 1, List.of(new MemberPeriod(joined, ADMITTED, ADMITTED - 1)));
    assertInvalid("members[0].left_at", 1, List.of(new MemberPeriod(joined, ADMITTED, -1)));

    List<MemberPeriod> tooMany = new ArrayList<>();
    for (int i = 0; i <= ExecutorMembership.MAX_MEMBERS; i++) {
      tooMany.add(new MemberPeriod(joined, ADMITTED, 0));
    }
    assertInvalid("members", 1, tooMany);

    // Nothing of a refused list was kept, and left_at == admitted_at is a valid (short) period.
    assertEquals(0, members.version(orchestrator));
    assertEquals(
        1, members.sync(orchestrator, 1, List.of(new MemberPeriod(joined, ADMITTED, ADMITTED))));
  }

  @Test
  void aListThatCannotBeStoredIsNotTaken() {
    store.close();

    MeshException e =
        assertThrows(
            MeshException.class,
            () -> members.sync(orchestrator, 1, List.of(new MemberPeriod(joined, ADMITTED, 0))));

    assertEquals(MeshException.Kind.UNAVAILABLE, e.kind());
    assertEquals("LOG_STORE_UNAVAILABLE", e.reason());
    assertEquals(0, members.version(orchestrator));
    assertFalse(members.accepts(orchestrator, joined, ADMITTED));
  }

  private void assertInvalid(String field, long version, List<MemberPeriod> list) {
    MeshException e =
        assertThrows(MeshException.class, () -> members.sync(orchestrator, version, list));
    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
    assertEquals("INVALID_FIELD", e.reason());
    assertEquals(field, e.metadata().get("field"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }
}
