package io.meshwork.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.runtime.errors.MeshException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every transition of the ledger, and its invariants under concurrent load: one suite that each
 * store must pass ({@code SqliteManaLedgerTest}, {@code PostgresManaLedgerTest}).
 */
abstract class ManaLedgerTest {
  private static final String ALICE = "did:key:alice";
  private static final String BOB = "did:key:bob";
  private static final String CAROL = "did:key:carol";

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final Map<EntryKind, Long> moved = new EnumMap<>(EntryKind.class);
  private final List<String> replays = new ArrayList<>();
  private LedgerStore store;
  private ManaLedger ledger;

  /** Opens the store under test; called again after {@code close()} it reopens the same data. */
  abstract LedgerStore openStore();

  /** Runs SQL on the store's database behind its back, to break it on purpose. */
  abstract void tamper(String sql) throws Exception;

  @BeforeEach
  void open() {
    store = openStore();
    ledger = ledgerWith(ManaLedger.Options.defaults());
  }

  @AfterEach
  void close() {
    ledger.audit().check();
    store.close();
  }

  private ManaLedger ledgerWith(ManaLedger.Options options) {
    LedgerObserver observer =
        new LedgerObserver() {
          @Override
          public void manaMoved(EntryKind kind, long amount) {
            moved.merge(kind, amount, Long::sum);
          }

          @Override
          public void holdChanged(HoldState state) {}

          @Override
          public void requestReplayed(String operation) {
            replays.add(operation);
          }
        };
    return new ManaLedger(store, clock, options, observer);
  }

  @Test
  void mintCreditsTheAccountAndDebitsTheSystemAccount() {
    Account alice = ledger.mint("m1", ALICE, 1000, "welcome");

    assertEquals(1000, alice.balance());
    assertEquals(0, alice.held());
    assertEquals(clock.millis(), alice.createdAt());
    assertEquals(-1000, ledger.account(ManaLedger.MINT_ACCOUNT).balance());
    HistoryEntry entry = ledger.history(ALICE, "", 0, "").entries().get(0);
    assertEquals(EntryKind.MINT, entry.kind());
    assertEquals(1000, entry.balanceDelta());
    assertEquals(1000, entry.balanceAfter());
    assertEquals(ManaLedger.MINT_ACCOUNT, entry.counterpartyDid());
    assertEquals("welcome", entry.memo());
    assertEquals("m1", entry.requestId());
    LedgerAudit audit = ledger.audit();
    assertEquals(BigInteger.valueOf(1000), audit.minted());
    assertEquals(BigInteger.valueOf(1000), audit.userBalances());
  }

  @Test
  void aHoldReservesManaWithoutChangingTheBalance() {
    ledger.mint("m1", ALICE, 1000, "");

    Hold hold = ledger.createHold("h1", ALICE, 300, "job-1", Duration.ZERO, "budget");

    assertEquals(HoldState.PENDING, hold.state());
    assertEquals(300, hold.remaining());
    assertEquals(clock.millis() + Duration.ofHours(1).toMillis(), hold.expiresAt());
    Account alice = ledger.account(ALICE);
    assertEquals(1000, alice.balance());
    assertEquals(300, alice.held());
    assertEquals(700, alice.available());
    HistoryEntry entry = ledger.history(ALICE, "", 0, "").entries().get(0);
    assertEquals(EntryKind.HOLD, entry.kind());
    assertEquals(0, entry.balanceDelta());
    assertEquals(300, entry.heldDelta());
    assertEquals(hold.holdId(), entry.holdId());
    assertEquals("job-1", entry.jobId());
    assertEquals(hold, ledger.hold(hold.holdId()));
  }

  @Test
  void partialPostsPayTwoPayeesAndTheFinalPostReleasesTheRest() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 600, "job-1", Duration.ZERO, "");

    Hold afterBob = ledger.postHold("p1", hold.holdId(), BOB, 100, false, "task-1", "chunk 1");
    Hold afterCarol = ledger.postHold("p2", hold.holdId(), CAROL, 200, false, "task-2", "chunk 2");

    assertEquals(HoldState.PENDING, afterCarol.state());
    assertEquals(300, afterCarol.posted());
    assertEquals(300, afterCarol.remaining());
    assertEquals(100, afterBob.posted());
    assertEquals(new Account(BOB, 100, 0, clock.millis()), ledger.account(BOB));
    assertEquals(200, ledger.account(CAROL).balance());
    assertEquals(700, ledger.account(ALICE).balance());
    assertEquals(300, ledger.account(ALICE).held());

    Hold closed = ledger.postHold("p3", hold.holdId(), BOB, 50, true, "task-3", "last");

    assertEquals(HoldState.POSTED, closed.state());
    assertEquals(350, closed.posted());
    assertEquals(0, closed.remaining());
    assertEquals(clock.millis(), closed.closedAt());
    Account alice = ledger.account(ALICE);
    assertEquals(650, alice.balance());
    assertEquals(0, alice.held());
    assertEquals(150, ledger.account(BOB).balance());
    List<HistoryEntry> aliceHistory = ledger.history(ALICE, "", 0, "").entries();
    assertEquals(EntryKind.RELEASE, aliceHistory.get(0).kind());
    assertEquals(-250, aliceHistory.get(0).heldDelta());
    assertEquals(EntryKind.POST, aliceHistory.get(1).kind());
    assertEquals(-50, aliceHistory.get(1).balanceDelta());
    assertEquals(BOB, aliceHistory.get(1).counterpartyDid());
    assertEquals("task-3", aliceHistory.get(1).taskId());
    HistoryEntry bobLast = ledger.history(BOB, "", 0, "").entries().get(0);
    assertEquals(EntryKind.POST, bobLast.kind());
    assertEquals(50, bobLast.balanceDelta());
    assertEquals(ALICE, bobLast.counterpartyDid());
    assertEquals(Long.valueOf(350), moved.get(EntryKind.POST));
    assertEquals(Long.valueOf(250), moved.get(EntryKind.RELEASE));
  }

  @Test
  void aPostThatUsesUpTheHoldClosesIt() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 400, "job-1", Duration.ZERO, "");

    Hold after = ledger.postHold("p1", hold.holdId(), BOB, 400, false, "task-1", "");

    assertEquals(HoldState.POSTED, after.state());
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_POSTED,
        () -> ledger.voidHold("v1", hold.holdId(), ""));
  }

  @Test
  void aVoidReturnsWhatIsLeftAndClosesTheHold() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 500, "job-1", Duration.ZERO, "");
    ledger.postHold("p1", hold.holdId(), BOB, 120, false, "task-1", "");

    VoidedHold voided = ledger.voidHold("v1", hold.holdId(), "job cancelled");

    assertEquals(380, voided.refunded());
    assertEquals(HoldState.VOIDED, voided.hold().state());
    assertEquals(120, voided.hold().posted());
    assertEquals(0, voided.hold().remaining());
    Account alice = ledger.account(ALICE);
    assertEquals(880, alice.balance());
    assertEquals(0, alice.held());
    HistoryEntry release = ledger.history(ALICE, "", 0, "").entries().get(0);
    assertEquals(EntryKind.RELEASE, release.kind());
    assertEquals(-380, release.heldDelta());
    assertEquals("job cancelled", release.memo());
  }

  @Test
  void aHoldPastItsExpiryIsExpiredWhenTouched() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 500, "job-1", Duration.ofMinutes(10), "");
    ledger.postHold("p1", hold.holdId(), BOB, 100, false, "task-1", "");

    clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertEquals(HoldState.PENDING, ledger.hold(hold.holdId()).state());
    clock.advance(Duration.ofMillis(1));

    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_EXPIRED,
        () -> ledger.postHold("p2", hold.holdId(), BOB, 100, false, "task-2", ""));
    // The refused post still committed the expiry it discovered.
    Hold expired = ledger.hold(hold.holdId());
    assertEquals(HoldState.EXPIRED, expired.state());
    assertEquals(100, expired.posted());
    assertEquals(clock.millis(), expired.closedAt());
    Account alice = ledger.account(ALICE);
    assertEquals(900, alice.balance());
    assertEquals(0, alice.held());
    HistoryEntry entry = ledger.history(ALICE, "", 0, "").entries().get(0);
    assertEquals(EntryKind.EXPIRE, entry.kind());
    assertEquals(-400, entry.heldDelta());
    assertEquals("", entry.requestId());
    assertEquals(Long.valueOf(400), moved.get(EntryKind.EXPIRE));
  }

  @Test
  void anExtensionKeepsAHoldPastItsFirstExpiryAndSurvivesAReopen() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 500, "job-1", Duration.ofMinutes(10), "");
    clock.advance(Duration.ofMinutes(9));

    Hold extended = ledger.extendHold("e1", hold.holdId(), Duration.ofMinutes(10));
    assertEquals(clock.millis() + Duration.ofMinutes(10).toMillis(), extended.expiresAt());
    // A shorter extension keeps the later expiry: an extension never shortens a hold.
    assertEquals(
        extended.expiresAt(),
        ledger.extendHold("e2", hold.holdId(), Duration.ofMinutes(1)).expiresAt());
    // Repeated, the same request answers its first outcome, whatever the time.
    clock.advance(Duration.ofMinutes(1));
    assertEquals(extended, ledger.extendHold("e1", hold.holdId(), Duration.ofMinutes(10)));

    store.close();
    store = openStore();
    ledger = ledgerWith(ManaLedger.Options.defaults());
    assertEquals(extended.expiresAt(), ledger.hold(hold.holdId()).expiresAt());
    clock.advance(Duration.ofMinutes(5));
    assertEquals(0, ledger.expireDue());
    ledger.postHold("p1", hold.holdId(), BOB, 100, false, "task-1", "");
    clock.advance(Duration.ofMinutes(4));
    assertEquals(1, ledger.expireDue());
    assertEquals(900, ledger.account(ALICE).balance());
  }

  @Test
  void anExtensionComesTooLateForAnExpiredOrClosedHold() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 500, "job-1", Duration.ofSeconds(30), "");
    String voided = ledger.createHold("h2", ALICE, 100, "job-2", Duration.ZERO, "").holdId();
    ledger.voidHold("v1", voided, "");
    clock.advance(Duration.ofSeconds(30));

    // Due but not swept yet: the extension finds the expiry first, and commits it.
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_EXPIRED,
        () -> ledger.extendHold("e1", hold.holdId(), Duration.ofMinutes(10)));
    assertEquals(HoldState.EXPIRED, ledger.hold(hold.holdId()).state());
    assertEquals(0, ledger.account(ALICE).held());
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_VOIDED,
        () -> ledger.extendHold("e2", voided, Duration.ofMinutes(10)));
    assertThrows(MeshException.class, () -> ledger.extendHold("e3", hold.holdId(), Duration.ZERO));
    assertThrows(
        MeshException.class,
        () -> ledger.extendHold("e4", hold.holdId(), ManaLedger.MAX_HOLD_TIMEOUT.plusMillis(1)));
  }

  @Test
  void onlyTheHoldsCreatorMayExtendIt() {
    ledger.mint("m1", ALICE, 1000, "");
    ManaLedger.Batch mine = ledger.batchBy("did:key:orchestrator-a");
    var created = mine.createHold("h1", ALICE, 100, "job-1", Duration.ofMinutes(1), "");
    mine.submit();
    String holdId = LedgerStore.await(created).holdId();

    ManaLedger.Batch other = ledger.batchBy("did:key:orchestrator-b");
    var refused = other.extendHold("e1", holdId, Duration.ofMinutes(10));
    other.submit();
    MeshException e = assertThrows(MeshException.class, () -> LedgerStore.await(refused));
    assertEquals(LedgerErrors.NOT_HOLD_CREATOR, e.reason());
  }

  @Test
  void theSweepExpiresOnlyDueHolds() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold soon = ledger.createHold("h1", ALICE, 100, "job-1", Duration.ofSeconds(30), "");
    Hold later = ledger.createHold("h2", ALICE, 200, "job-2", Duration.ofMinutes(5), "");

    assertEquals(0, ledger.expireDue());
    clock.advance(Duration.ofMinutes(1));
    assertEquals(1, ledger.expireDue());

    assertEquals(HoldState.EXPIRED, ledger.hold(soon.holdId()).state());
    assertEquals(HoldState.PENDING, ledger.hold(later.holdId()).state());
    assertEquals(200, ledger.account(ALICE).held());
    assertEquals(0, ledger.expireDue());
  }

  @Test
  void aDueHoldIsExpiredBeforeItsPayerIsCheckedForANewHold() {
    ledger.mint("m1", ALICE, 1000, "");
    ledger.createHold("h1", ALICE, 1000, "job-1", Duration.ofSeconds(30), "");
    clock.advance(Duration.ofSeconds(31));

    Hold next = ledger.createHold("h2", ALICE, 1000, "job-2", Duration.ZERO, "");

    assertEquals(HoldState.PENDING, next.state());
    assertEquals(1000, ledger.account(ALICE).held());
  }

  @Test
  void theAccountReadExpiresDueHoldsSoHeldIsCurrent() {
    ledger.mint("m1", ALICE, 1000, "");
    ledger.createHold("h1", ALICE, 300, "job-1", Duration.ofSeconds(30), "");
    clock.advance(Duration.ofSeconds(30));

    assertEquals(0, ledger.account(ALICE).held());
  }

  @Test
  void aClosedHoldRefusesASecondResolutionWithTheReason() {
    ledger.mint("m1", ALICE, 1000, "");
    String posted = ledger.createHold("h1", ALICE, 100, "job-1", Duration.ZERO, "").holdId();
    String voided = ledger.createHold("h2", ALICE, 100, "job-2", Duration.ZERO, "").holdId();
    String expired =
        ledger.createHold("h3", ALICE, 100, "job-3", Duration.ofSeconds(1), "").holdId();
    ledger.postHold("p1", posted, BOB, 10, true, "t", "");
    ledger.voidHold("v1", voided, "");
    clock.advance(Duration.ofSeconds(2));
    ledger.expireDue();

    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_POSTED,
        () -> ledger.postHold("p2", posted, BOB, 10, false, "t", ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_POSTED,
        () -> ledger.voidHold("v2", posted, ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_VOIDED,
        () -> ledger.postHold("p3", voided, BOB, 10, false, "t", ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_ALREADY_VOIDED,
        () -> ledger.voidHold("v3", voided, ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_EXPIRED,
        () -> ledger.postHold("p4", expired, BOB, 10, false, "t", ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.HOLD_EXPIRED,
        () -> ledger.voidHold("v4", expired, ""));
    assertEquals(990, ledger.account(ALICE).balance());
    assertEquals(0, ledger.account(ALICE).held());
  }

  @Test
  void aHoldBeyondWhatIsAvailableIsRefusedNamingBoth() {
    ledger.mint("m1", ALICE, 1000, "");
    ledger.createHold("h1", ALICE, 700, "job-1", Duration.ZERO, "");

    MeshException e =
        assertFailure(
            MeshException.Kind.FAILED_PRECONDITION,
            LedgerErrors.INSUFFICIENT_MANA,
            () -> ledger.createHold("h2", ALICE, 301, "job-2", Duration.ZERO, ""));

    assertEquals("300", e.metadata().get("available"));
    assertEquals("301", e.metadata().get("requested"));
    assertTrue(e.getMessage().contains("300") && e.getMessage().contains("301"), e.getMessage());
    assertEquals(700, ledger.account(ALICE).held());
    // Exactly what is available is fine.
    ledger.createHold("h2", ALICE, 300, "job-2", Duration.ZERO, "");
    assertEquals(0, ledger.account(ALICE).available());
  }

  @Test
  void aPostBeyondWhatTheHoldHasLeftIsRefused() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 100, "job-1", Duration.ZERO, "");
    ledger.postHold("p1", hold.holdId(), BOB, 60, false, "t1", "");

    MeshException e =
        assertFailure(
            MeshException.Kind.FAILED_PRECONDITION,
            LedgerErrors.AMOUNT_EXCEEDS_HOLD,
            () -> ledger.postHold("p2", hold.holdId(), BOB, 41, false, "t2", ""));

    assertEquals("40", e.metadata().get("remaining"));
  }

  @Test
  void unknownHoldsAndAccountsAreNotFound() {
    assertFailure(
        MeshException.Kind.NOT_FOUND, LedgerErrors.HOLD_NOT_FOUND, () -> ledger.hold("nope"));
    assertFailure(
        MeshException.Kind.NOT_FOUND,
        LedgerErrors.HOLD_NOT_FOUND,
        () -> ledger.postHold("p1", "nope", BOB, 1, false, "", ""));
    assertFailure(
        MeshException.Kind.NOT_FOUND, LedgerErrors.ACCOUNT_NOT_FOUND, () -> ledger.account(ALICE));
    assertFailure(
        MeshException.Kind.NOT_FOUND,
        LedgerErrors.ACCOUNT_NOT_FOUND,
        () -> ledger.createHold("h1", ALICE, 1, "job-1", Duration.ZERO, ""));
    assertFailure(
        MeshException.Kind.NOT_FOUND,
        LedgerErrors.ACCOUNT_NOT_FOUND,
        () -> ledger.history(ALICE, "", 0, ""));
  }

  @Test
  void badArgumentsAreRefusedNamingTheField() {
    MeshException e =
        assertFailure(
            MeshException.Kind.INVALID_ARGUMENT,
            LedgerErrors.INVALID_FIELD,
            () -> ledger.mint("m1", ALICE, 0, ""));
    assertEquals("amount", e.metadata().get("field"));
    assertEquals(
        "request_id",
        assertFailure(
                MeshException.Kind.INVALID_ARGUMENT,
                LedgerErrors.INVALID_FIELD,
                () -> ledger.createHold(" ", ALICE, 1, "job", Duration.ZERO, ""))
            .metadata()
            .get("field"));
    assertEquals(
        "payee_did",
        assertFailure(
                MeshException.Kind.INVALID_ARGUMENT,
                LedgerErrors.INVALID_FIELD,
                () -> ledger.postHold("p", "h", ManaLedger.MINT_ACCOUNT, 1, false, "", ""))
            .metadata()
            .get("field"));
    assertEquals(
        "timeout_ms",
        assertFailure(
                MeshException.Kind.INVALID_ARGUMENT,
                LedgerErrors.INVALID_FIELD,
                () -> ledger.createHold("h", ALICE, 1, "job", Duration.ofDays(31), ""))
            .metadata()
            .get("field"));
  }

  @Test
  void aRepeatedRequestReturnsTheFirstOutcomeWithoutApplyingItAgain() {
    Account first = ledger.mint("m1", ALICE, 1000, "");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(first, ledger.mint("m1", ALICE, 1000, ""));
    assertEquals(1000, ledger.account(ALICE).balance());

    Hold hold = ledger.createHold("h1", ALICE, 400, "job-1", Duration.ZERO, "");
    assertEquals(hold, ledger.createHold("h1", ALICE, 400, "job-1", Duration.ZERO, ""));
    assertEquals(400, ledger.account(ALICE).held());

    Hold posted = ledger.postHold("p1", hold.holdId(), BOB, 100, false, "t1", "");
    ledger.postHold("p2", hold.holdId(), BOB, 50, false, "t2", "");
    // The replay returns the hold as the first call left it, not as it is now.
    assertEquals(posted, ledger.postHold("p1", hold.holdId(), BOB, 100, false, "t1", ""));
    assertEquals(150, ledger.account(BOB).balance());

    VoidedHold voided = ledger.voidHold("v1", hold.holdId(), "");
    // After the hold is closed, a retry of the void still gets its outcome, not a refusal.
    assertEquals(voided, ledger.voidHold("v1", hold.holdId(), ""));
    assertEquals(250, voided.refunded());
    assertEquals(850, ledger.account(ALICE).balance());
    assertEquals(List.of("Mint", "CreateHold", "PostHold", "VoidHold"), replays);
  }

  @Test
  void aRequestIdReusedWithOtherContentIsRefused() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 400, "job-1", Duration.ZERO, "");

    assertFailure(
        MeshException.Kind.ALREADY_EXISTS,
        LedgerErrors.REQUEST_ID_REUSED,
        () -> ledger.mint("m1", ALICE, 1001, ""));
    assertFailure(
        MeshException.Kind.ALREADY_EXISTS,
        LedgerErrors.REQUEST_ID_REUSED,
        () -> ledger.createHold("h1", ALICE, 400, "job-2", Duration.ZERO, ""));
    MeshException acrossOperations =
        assertFailure(
            MeshException.Kind.ALREADY_EXISTS,
            LedgerErrors.REQUEST_ID_REUSED,
            () -> ledger.voidHold("h1", hold.holdId(), ""));
    assertEquals("CreateHold", acrossOperations.metadata().get("first_operation"));
    assertEquals(1000, ledger.account(ALICE).balance());
    assertEquals(400, ledger.account(ALICE).held());
  }

  @Test
  void aRefusedRequestLeavesNoTraceSoItsRetryIsEvaluatedAgain() {
    ledger.mint("m1", ALICE, 100, "");
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.INSUFFICIENT_MANA,
        () -> ledger.createHold("h1", ALICE, 500, "job-1", Duration.ZERO, ""));
    ledger.mint("m2", ALICE, 400, "");

    Hold hold = ledger.createHold("h1", ALICE, 500, "job-1", Duration.ZERO, "");

    assertEquals(500, hold.amount());
  }

  @Test
  void historyPagesNewestFirstAndFiltersByJob() {
    ledger.mint("m1", ALICE, 10_000, "");
    for (int i = 0; i < 12; i++) {
      String job = i % 3 == 0 ? "job-a" : "job-b";
      Hold hold = ledger.createHold("h" + i, ALICE, 100, job, Duration.ZERO, "");
      ledger.postHold("p" + i, hold.holdId(), BOB, 10, true, "t" + i, "");
    }
    // 1 mint + 12 x (hold, post, release) = 37 entries.
    List<HistoryEntry> all = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      HistoryPage page = ledger.history(ALICE, "", 10, token);
      assertTrue(page.entries().size() <= 10);
      all.addAll(page.entries());
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertEquals(4, pages);
    assertEquals(37, all.size());
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < all.size(); i++) {
      assertTrue(ids.add(all.get(i).entryId()));
      if (i > 0) {
        assertTrue(all.get(i - 1).entryId() > all.get(i).entryId(), "newest first");
      }
    }
    assertEquals(EntryKind.MINT, all.get(all.size() - 1).kind());

    HistoryPage jobA = ledger.history(ALICE, "job-a", 0, "");
    assertEquals(12, jobA.entries().size());
    assertTrue(jobA.entries().stream().allMatch(e -> e.jobId().equals("job-a")));
    assertEquals("", jobA.nextPageToken());
    assertEquals(4, ledger.history(BOB, "job-a", 0, "").entries().size());
  }

  @Test
  void aBadPageTokenOrSizeIsRefused() {
    ledger.mint("m1", ALICE, 1, "");
    assertEquals(
        "page_token",
        assertFailure(
                MeshException.Kind.INVALID_ARGUMENT,
                LedgerErrors.INVALID_FIELD,
                () -> ledger.history(ALICE, "", 0, "x"))
            .metadata()
            .get("field"));
    assertEquals(
        "page_size",
        assertFailure(
                MeshException.Kind.INVALID_ARGUMENT,
                LedgerErrors.INVALID_FIELD,
                () -> ledger.history(ALICE, "", 1001, ""))
            .metadata()
            .get("field"));
  }

  @Test
  void inDevelopmentModeANewAccountStartsWithTheGrant() {
    ManaLedger dev = ledgerWith(ManaLedger.Options.defaults().withDevGrant(10_000));

    Account alice = dev.account(ALICE);

    assertEquals(10_000, alice.balance());
    HistoryEntry grant = dev.history(ALICE, "", 0, "").entries().get(0);
    assertEquals(EntryKind.MINT, grant.kind());
    assertEquals("development grant", grant.memo());
    // A hold against an unknown DID opens it with the grant too.
    Hold hold = dev.createHold("h1", BOB, 2_500, "job-1", Duration.ZERO, "");
    assertEquals(7_500, dev.account(BOB).available());
    // Opening happens once.
    assertEquals(10_000, dev.account(ALICE).balance());
    assertEquals(BigInteger.valueOf(20_000), dev.audit().minted());
    assertEquals(HoldState.PENDING, hold.state());
  }

  @Test
  void theLedgerStaysBalancedThroughARandomSequence() {
    Random random = new Random(42);
    // Regeneration on, so its entries take part in the balance too.
    ledger =
        ledgerWith(
            ManaLedger.Options.defaults()
                .withRegeneration(new Regeneration(10, Duration.ofSeconds(10), 6_000)));
    List<String> people = List.of(ALICE, BOB, CAROL, "did:key:dave");
    List<String> open = new ArrayList<>();
    int request = 0;
    for (String p : people) {
      ledger.mint("seed-" + p, p, 5_000, "");
    }
    for (int step = 0; step < 400; step++) {
      String rid = "r" + request++;
      int action = random.nextInt(10);
      try {
        if (action < 3 || open.isEmpty()) {
          String payer = people.get(random.nextInt(people.size()));
          Duration timeout = Duration.ofSeconds(1 + random.nextInt(120));
          open.add(
              ledger
                  .createHold(rid, payer, 1 + random.nextInt(800), "job-" + step, timeout, "")
                  .holdId());
        } else if (action < 7) {
          String hold = open.get(random.nextInt(open.size()));
          String payee = people.get(random.nextInt(people.size()));
          ledger.postHold(
              rid, hold, payee, 1 + random.nextInt(200), random.nextInt(4) == 0, "t", "");
        } else if (action < 8) {
          ledger.voidHold(rid, open.get(random.nextInt(open.size())), "");
        } else if (action < 9) {
          clock.advance(Duration.ofSeconds(random.nextInt(30)));
          ledger.expireDue();
        } else if (random.nextBoolean()) {
          String from = people.get(random.nextInt(people.size()));
          String to = people.get((people.indexOf(from) + 1) % people.size());
          ledger.transfer(rid, from, to, 1 + random.nextInt(300), "", "");
        } else {
          ledger.mint(rid, people.get(random.nextInt(people.size())), 1 + random.nextInt(300), "");
        }
      } catch (MeshException e) {
        // Refusals (closed holds, too little mana) are part of the sequence.
        assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind(), e.getMessage());
      }
      if (step % 50 == 0) {
        ledger.audit().check();
      }
    }

    LedgerAudit audit = ledger.audit();
    audit.check();
    assertEquals(4, audit.accounts());
    assertNotEquals(BigInteger.ZERO, audit.minted());
    for (EntryKind kind : EntryKind.values()) {
      assertTrue(moved.getOrDefault(kind, 0L) > 0, "the sequence never moved mana by " + kind);
    }
  }

  @Test
  void theAuditNoticesATamperedBalance() throws Exception {
    ledger.mint("m1", ALICE, 1000, "");
    ledger.createHold("h1", ALICE, 100, "job-1", Duration.ZERO, "");
    assertTrue(ledger.audit().isSound());

    tamper("UPDATE accounts SET balance = balance + 5, held = 0 WHERE did = '" + ALICE + "'");

    LedgerAudit audit = ledger.audit();
    assertFalse(audit.isSound());
    assertEquals(3, audit.violations().size(), audit.violations().toString());
    assertThrows(IllegalStateException.class, audit::check);
    // Put it back so the after-each audit passes.
    tamper("UPDATE accounts SET balance = balance - 5, held = 100 WHERE did = '" + ALICE + "'");
  }

  @Test
  void stateSurvivesReopeningTheStore() {
    ledger.mint("m1", ALICE, 1000, "");
    Hold hold = ledger.createHold("h1", ALICE, 100, "job-1", Duration.ZERO, "");
    store.close();

    store = openStore();
    ledger = ledgerWith(ManaLedger.Options.defaults());

    assertEquals(hold, ledger.hold(hold.holdId()));
    assertEquals(hold, ledger.createHold("h1", ALICE, 100, "job-1", Duration.ZERO, ""));
    assertEquals(100, ledger.account(ALICE).held());
  }

  @Test
  void aTransferMovesManaAtOnceAndNeverBelowTheFloor() {
    ledger.mint("m1", ALICE, 1000, "");
    ledger.createHold("h1", ALICE, 300, "job-1", Duration.ZERO, "");

    Transferred t = ledger.transfer("t1", ALICE, BOB, 600, "job-9", "thanks");

    assertEquals(400, t.from().balance());
    assertEquals(300, t.from().held());
    assertEquals(600, t.to().balance());
    HistoryEntry debit = ledger.history(ALICE, "job-9", 0, "").entries().get(0);
    assertEquals(EntryKind.TRANSFER, debit.kind());
    assertEquals(-600, debit.balanceDelta());
    assertEquals(BOB, debit.counterpartyDid());
    assertEquals("t1", debit.requestId());
    // Only 100 is available above the floor now: the held 300 is not spendable.
    MeshException e =
        assertFailure(
            MeshException.Kind.FAILED_PRECONDITION,
            LedgerErrors.INSUFFICIENT_MANA,
            () -> ledger.transfer("t2", ALICE, BOB, 101, "", ""));
    assertEquals("100", e.metadata().get("available"));
    // A retry gets the first outcome; the same id for another amount is refused.
    assertEquals(t, ledger.transfer("t1", ALICE, BOB, 600, "job-9", "thanks"));
    assertFailure(
        MeshException.Kind.ALREADY_EXISTS,
        LedgerErrors.REQUEST_ID_REUSED,
        () -> ledger.transfer("t1", ALICE, BOB, 60, "job-9", "thanks"));
    assertFailure(
        MeshException.Kind.INVALID_ARGUMENT,
        LedgerErrors.INVALID_FIELD,
        () -> ledger.transfer("t3", ALICE, ALICE, 1, "", ""));
    assertEquals(400, ledger.account(ALICE).balance());
  }

  @Test
  void aConfiguredFloorDecidesHowFarAnAccountMayGo() {
    ManaLedger credit = ledgerWith(ManaLedger.Options.defaults().withFloor(-500));
    credit.mint("m1", ALICE, 100, "");

    // 100 owned plus 500 of credit: a hold of 600 fits, one more unit does not.
    credit.createHold("h1", ALICE, 450, "job-1", Duration.ZERO, "");
    credit.transfer("t1", ALICE, BOB, 150, "", "");
    assertEquals(-500, credit.account(ALICE).available());
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.INSUFFICIENT_MANA,
        () -> credit.createHold("h2", ALICE, 1, "job-2", Duration.ZERO, ""));
    credit.audit().check();

    ManaLedger reserve = ledgerWith(ManaLedger.Options.defaults().withFloor(50));
    reserve.mint("m2", CAROL, 100, "");
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.INSUFFICIENT_MANA,
        () -> reserve.createHold("h3", CAROL, 51, "job-3", Duration.ZERO, ""));
    reserve.createHold("h4", CAROL, 50, "job-3", Duration.ZERO, "");
    // The after-each audit uses the default floor of 0; put the ledger back above it.
    credit.voidHold("v1", ledger.pendingHolds(ALICE).get(0).holdId(), "");
    credit.transfer("t2", BOB, ALICE, 150, "", "");
  }

  @Test
  void anAccountsOwnFloorTakesThePlaceOfTheCommonOne() {
    // Alice may go 200 into credit; everyone else keeps a reserve of 50.
    ManaLedger.Options options =
        ManaLedger.Options.defaults().withFloor(50).withFloorOf(ALICE, -200);
    ManaLedger floors = ledgerWith(options);
    floors.mint("m1", ALICE, 100, "");
    floors.mint("m2", BOB, 100, "");

    Hold credit = floors.createHold("h1", ALICE, 300, "job-1", Duration.ZERO, "");
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.INSUFFICIENT_MANA,
        () -> floors.createHold("h2", ALICE, 1, "job-2", Duration.ZERO, ""));
    assertFailure(
        MeshException.Kind.FAILED_PRECONDITION,
        LedgerErrors.INSUFFICIENT_MANA,
        () -> floors.transfer("t1", BOB, CAROL, 51, "", ""));
    floors.transfer("t2", BOB, CAROL, 50, "", "");

    assertEquals(-200, floors.account(ALICE).available());
    // The audit holds each account to its own floor: sound for these options, while without
    // Alice's own floor she (at -200) is the one account below the common floor of 50.
    floors.audit().check();
    assertEquals(
        1, ledgerWith(ManaLedger.Options.defaults().withFloor(50)).audit().accountsBelowFloor());
    // The after-each audit uses the floor of 0 for everyone; put Alice back above it.
    floors.voidHold("v1", credit.holdId(), "");
  }

  @Test
  void regenerationIsComputedExactlyFromTheClockAndShowsInHistory() {
    // 7 mana every 3 seconds, up to 100: not a whole number per millisecond, on purpose.
    Regeneration rule = new Regeneration(7, Duration.ofSeconds(3), 100);
    ManaLedger regen = ledgerWith(ManaLedger.Options.defaults().withRegeneration(rule));
    regen.mint("m1", ALICE, 10, "");

    // Touch the account at uneven moments; what it regains depends only on the total time.
    long[] stepsMillis = {1, 999, 1_000, 1_001, 2_999, 4_000, 1};
    long elapsed = 0;
    for (long step : stepsMillis) {
      clock.advance(Duration.ofMillis(step));
      elapsed += step;
      assertEquals(10 + elapsed * 7 / 3_000, regen.account(ALICE).balance(), "after " + elapsed);
    }
    assertEquals(10_001, elapsed);
    assertEquals(10 + 7 * 10_001 / 3_000, regen.account(ALICE).balance());

    List<HistoryEntry> entries = regen.history(ALICE, "", 0, "").entries();
    long regained =
        entries.stream()
            .filter(e -> e.kind() == EntryKind.REGENERATE)
            .mapToLong(HistoryEntry::balanceDelta)
            .sum();
    assertEquals(7 * 10_001 / 3_000, regained);
    HistoryEntry last = entries.get(0);
    assertEquals(EntryKind.REGENERATE, last.kind());
    assertEquals(ManaLedger.MINT_ACCOUNT, last.counterpartyDid());
    assertEquals("", last.requestId());
    // Regeneration is created mana, so it counts as minted.
    assertEquals(BigInteger.valueOf(10 + regained), regen.audit().minted());
  }

  @Test
  void regenerationStopsAtTheCapAndCountsOnlyTimeBelowIt() {
    Regeneration rule = new Regeneration(1, Duration.ofSeconds(1), 100);
    ManaLedger regen = ledgerWith(ManaLedger.Options.defaults().withRegeneration(rule));
    regen.mint("m1", ALICE, 90, "");

    clock.advance(Duration.ofSeconds(60));
    assertEquals(100, regen.account(ALICE).balance(), "capped at 100, not 150");

    // An hour at the cap earns nothing; spending 30 starts the count again from that moment.
    clock.advance(Duration.ofHours(1));
    Hold hold = regen.createHold("h1", ALICE, 30, "job-1", Duration.ZERO, "");
    regen.postHold("p1", hold.holdId(), BOB, 30, true, "task-1", "");
    assertEquals(70, regen.account(ALICE).balance());
    clock.advance(Duration.ofSeconds(12));
    assertEquals(82, regen.account(ALICE).balance());
    // The payee started at 30, below the cap, when it was paid.
    assertEquals(30 + 12, regen.account(BOB).balance());
    // Minting above the cap is allowed; regeneration simply stays off while it lasts.
    regen.mint("m2", ALICE, 500, "");
    clock.advance(Duration.ofSeconds(100));
    assertEquals(582, regen.account(ALICE).balance());
  }

  @Test
  void writesQueuedTogetherCommitOnTheirOwnAndAFailingOneIsUndoneAlone() {
    ledger.mint("m1", ALICE, 1000, "");

    // Queued back to back, these are likely to share one commit; each must still stand alone.
    var first = ledger.createHoldAsync("h1", ALICE, 600, "job-1", Duration.ZERO, "");
    var second = ledger.createHoldAsync("h2", ALICE, 600, "job-2", Duration.ZERO, "");
    var third = ledger.createHoldAsync("h3", ALICE, 400, "job-3", Duration.ZERO, "");
    var retry = ledger.createHoldAsync("h1", ALICE, 600, "job-1", Duration.ZERO, "");

    Hold one = LedgerStore.await(first);
    MeshException refused = assertThrows(MeshException.class, () -> LedgerStore.await(second));
    assertEquals(LedgerErrors.INSUFFICIENT_MANA, refused.reason());
    Hold three = LedgerStore.await(third);
    assertEquals(one, LedgerStore.await(retry));
    assertEquals(1000, ledger.account(ALICE).held());
    assertEquals(Set.of(one, three), Set.copyOf(ledger.pendingHolds(ALICE)));
    assertEquals(
        3, ledger.history(ALICE, "", 0, "").entries().size(), "a mint and two holds, no more");
  }

  /**
   * Must-show 2: many threads hold, post, void and transfer at random, retry acknowledged requests
   * and send some twice at once, while the clock runs and holds expire. Afterwards the ledger
   * balances, no account is below the floor, every acknowledged operation is in the history exactly
   * once, and nothing refused left a trace.
   */
  @Test
  void concurrentOperationsWithRandomRetriesKeepEveryInvariant() throws Exception {
    List<String> people = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String did = "did:key:user" + i;
      people.add(did);
      ledger.mint("seed-" + i, did, 5_000, "");
    }
    int threads = 8;
    int opsPerThread = 150;
    Map<String, EntryKind> acknowledged = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean running =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread ticker =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (running.get()) {
                    clock.advance(Duration.ofSeconds(1));
                    ledger.expireDue();
                    try {
                      Thread.sleep(5);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      workers.add(
          pool.submit(
              () -> {
                Random random = new Random(1000 + thread);
                List<String> myHolds = new ArrayList<>();
                for (int i = 0; i < opsPerThread; i++) {
                  String rid = "w" + thread + "-" + i;
                  int action = random.nextInt(10);
                  String payer = people.get(random.nextInt(people.size()));
                  String other = people.get((people.indexOf(payer) + 1) % people.size());
                  java.util.function.Supplier<Object> call;
                  EntryKind kind;
                  if (action < 4 || myHolds.isEmpty()) {
                    long amount = 1 + random.nextInt(1_500);
                    Duration timeout = Duration.ofSeconds(5 + random.nextInt(60));
                    call = () -> ledger.createHold(rid, payer, amount, "job-" + rid, timeout, "");
                    kind = EntryKind.HOLD;
                  } else if (action < 7) {
                    String hold = myHolds.get(random.nextInt(myHolds.size()));
                    long amount = 1 + random.nextInt(300);
                    boolean last = random.nextInt(3) == 0;
                    call = () -> ledger.postHold(rid, hold, other, amount, last, "task", "");
                    kind = EntryKind.POST;
                  } else if (action < 8) {
                    String hold = myHolds.remove(random.nextInt(myHolds.size()));
                    call = () -> ledger.voidHold(rid, hold, "");
                    kind = EntryKind.RELEASE;
                  } else {
                    long amount = 1 + random.nextInt(700);
                    call = () -> ledger.transfer(rid, payer, other, amount, "", "");
                    kind = EntryKind.TRANSFER;
                  }
                  // Now and then the same request twice at once, as a caller's timeout and retry
                  // might send it.
                  var racer =
                      random.nextInt(5) == 0
                          ? java.util.concurrent.CompletableFuture.supplyAsync(call::get)
                          : null;
                  Object first = null;
                  try {
                    first = call.get();
                  } catch (MeshException refused) {
                    // Refusals are part of the load; a refused request leaves nothing.
                  }
                  if (racer != null) {
                    try {
                      Object second = racer.join();
                      if (first == null) {
                        first = second;
                      } else {
                        assertEquals(first, second, "both copies get the same outcome");
                      }
                    } catch (java.util.concurrent.CompletionException refused) {
                      // As above.
                    }
                  }
                  if (first == null) {
                    continue;
                  }
                  acknowledged.put(rid, kind);
                  if (first instanceof Hold h && kind == EntryKind.HOLD) {
                    myHolds.add(h.holdId());
                  }
                  if (random.nextInt(3) == 0) {
                    assertEquals(first, call.get(), "a retry returns the first outcome");
                  }
                }
                return null;
              }));
    }
    try {
      for (var w : workers) {
        w.get(3, java.util.concurrent.TimeUnit.MINUTES);
      }
    } finally {
      running.set(false);
      ticker.join();
      pool.shutdownNow();
    }

    LedgerAudit audit = ledger.audit();
    audit.check();
    assertEquals(0, audit.accountsBelowFloor());
    Map<String, Map<EntryKind, Integer>> seen = new java.util.HashMap<>();
    for (String did : people) {
      String token = "";
      do {
        HistoryPage page = ledger.history(did, "", ManaLedger.MAX_PAGE_SIZE, token);
        for (HistoryEntry e : page.entries()) {
          if (!e.requestId().isEmpty()) {
            seen.computeIfAbsent(e.requestId(), r -> new EnumMap<>(EntryKind.class))
                .merge(e.kind(), 1, Integer::sum);
          }
        }
        token = page.nextPageToken();
      } while (!token.isEmpty());
    }
    assertTrue(acknowledged.size() > threads * opsPerThread / 2, "most operations went through");
    for (var ack : acknowledged.entrySet()) {
      Map<EntryKind, Integer> kinds = seen.getOrDefault(ack.getKey(), Map.of());
      switch (ack.getValue()) {
        case HOLD -> assertEquals(Map.of(EntryKind.HOLD, 1), kinds, ack.getKey());
        case POST -> {
          assertEquals(2, kinds.get(EntryKind.POST), ack.getKey());
          assertTrue(kinds.getOrDefault(EntryKind.RELEASE, 0) <= 1, ack.getKey());
        }
        case TRANSFER -> assertEquals(Map.of(EntryKind.TRANSFER, 2), kinds, ack.getKey());
        default -> assertTrue(kinds.getOrDefault(EntryKind.RELEASE, 0) <= 1, ack.getKey());
      }
    }
    for (String rid : seen.keySet()) {
      assertTrue(
          rid.startsWith("seed-") || acknowledged.containsKey(rid),
          rid + " left entries but was never acknowledged");
    }
  }

  private static MeshException assertFailure(
      MeshException.Kind kind, String reason, Executable call) {
    MeshException e = assertThrows(MeshException.class, call);
    assertEquals(kind, e.kind(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }
}
