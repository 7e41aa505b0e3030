package io.meshwork.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.meshwork.runtime.errors.MeshException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ledger's arithmetic at the ends of the 64-bit range: floors down to {@link Long#MIN_VALUE},
 * balances and holds up to {@link Long#MAX_VALUE}, regeneration whose room to the cap is larger
 * than a long, and the audit's sums over such accounts. Every decision must be the one exact
 * integers give, and a result that does not fit in a long must be refused, never wrapped.
 *
 * <p>The random sequences are seeded, so a failure names its seed and replays. One suite that each
 * store must pass ({@code SqliteLedgerArithmeticTest}, {@code PostgresLedgerArithmeticTest}), since
 * the audit's sums are computed by the database.
 */
abstract class LedgerArithmeticTest {
  private static final long MAX = Long.MAX_VALUE;
  private static final long MIN = Long.MIN_VALUE;
  private static final BigInteger BIG_MAX = BigInteger.valueOf(MAX);
  private static final BigInteger BIG_MIN = BigInteger.valueOf(MIN);
  private static final String ALICE = "did:key:alice";
  private static final String BOB = "did:key:bob";
  private static final String CAROL = "did:key:carol";
  private static final String DAVE = "did:key:dave";
  private static final List<String> PEOPLE = List.of(ALICE, BOB, CAROL, DAVE);
  private static final Duration DAY = Duration.ofDays(1);

  /** Refusals a sequence of well-formed operations may meet; anything else is a bug. */
  private static final Set<String> EXPECTED_REFUSALS =
      Set.of(
          LedgerErrors.INSUFFICIENT_MANA,
          LedgerErrors.AMOUNT_TOO_LARGE,
          LedgerErrors.AMOUNT_EXCEEDS_HOLD,
          LedgerErrors.HOLD_ALREADY_POSTED,
          LedgerErrors.HOLD_ALREADY_VOIDED,
          LedgerErrors.HOLD_EXPIRED);

  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private LedgerStore store;
  private ManaLedger ledger;
  private int request;

  /** Opens a new, empty store of the kind under test. */
  abstract LedgerStore openStore();

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    if (ledger != null) {
      ledger.audit().check();
    }
    store.close();
  }

  private ManaLedger ledgerWith(ManaLedger.Options options) {
    ledger = new ManaLedger(store, clock, options, LedgerObserver.none());
    return ledger;
  }

  /** No floor at all (the least long), and no cap on one operation's amount. */
  private static ManaLedger.Options unbounded() {
    return ManaLedger.Options.defaults().withFloor(MIN).withMaxAmount(MAX);
  }

  private String rid() {
    return "r" + request++;
  }

  @Test
  void theFloorIsExactAtTheLeastLong() {
    ledgerWith(unbounded());
    ledger.mint(rid(), ALICE, MAX, "");
    ledger.transfer(rid(), ALICE, BOB, MAX, "", "");
    // Alice owns nothing now, and on a floor of Long.MIN_VALUE may still reserve everything.
    ledger.createHold(rid(), ALICE, MAX, "job-a", DAY, "");
    ledger.transfer(rid(), ALICE, CAROL, 1, "", "");
    Account alice = ledger.account(ALICE);
    assertEquals(-1, alice.balance());
    assertEquals(MAX, alice.held());
    assertEquals(MIN, alice.available(), "exactly on the floor");

    // One more unit would put her below Long.MIN_VALUE: a subtraction that wraps would let it by.
    MeshException refused =
        assertRefused(
            LedgerErrors.INSUFFICIENT_MANA, () -> ledger.transfer(rid(), ALICE, CAROL, 1, "", ""));
    assertEquals(Long.toString(MIN), refused.metadata().get("available"));
    assertRefused(
        LedgerErrors.INSUFFICIENT_MANA,
        () -> ledger.createHold(rid(), ALICE, MAX, "job-b", DAY, ""));
    assertEquals(alice, ledger.account(ALICE), "nothing of the refusals was written");

    // Bob may reserve all he owns twice over as far as the floor goes, but held is a long too.
    ledger.createHold(rid(), BOB, MAX, "job-c", DAY, "");
    MeshException held =
        assertRefused(
            LedgerErrors.AMOUNT_TOO_LARGE,
            () -> ledger.createHold(rid(), BOB, 1, "job-d", DAY, ""));
    assertEquals("held", held.metadata().get("quantity"));
    assertEquals(BOB, held.metadata().get("did"));

    // Two accounts each hold nearly 2^63: the audit adds them up exactly.
    LedgerAudit audit = ledger.audit();
    audit.check();
    assertEquals(BIG_MAX.multiply(BigInteger.TWO), audit.held());
    assertEquals(BIG_MAX.multiply(BigInteger.TWO), audit.pendingHoldRemaining());
  }

  @Test
  void aPaymentThatWouldPassTheLargestLongIsRefusedAndTheHoldStaysOpen() {
    ledgerWith(unbounded());
    ledger.mint(rid(), ALICE, MAX, "");
    ledger.mint(rid(), CAROL, 1, "");
    Hold hold = ledger.createHold(rid(), ALICE, MAX, "job-1", DAY, "");

    MeshException refused =
        assertRefused(
            LedgerErrors.AMOUNT_TOO_LARGE,
            () -> ledger.postHold(rid(), hold.holdId(), CAROL, MAX, false, "t1", ""));
    assertEquals(CAROL, refused.metadata().get("did"));
    assertEquals("balance", refused.metadata().get("quantity"));
    assertEquals(MAX, ledger.hold(hold.holdId()).remaining(), "the hold is untouched");

    ledger.postHold(rid(), hold.holdId(), CAROL, MAX - 1, false, "t2", "");
    assertEquals(MAX, ledger.account(CAROL).balance());
    assertRefused(
        LedgerErrors.AMOUNT_TOO_LARGE,
        () -> ledger.postHold(rid(), hold.holdId(), CAROL, 1, true, "t3", ""));
    Hold closed = ledger.postHold(rid(), hold.holdId(), DAVE, 1, true, "t4", "");
    assertEquals(HoldState.POSTED, closed.state());
    assertEquals(1, ledger.account(DAVE).balance());
  }

  @Test
  void theSystemAccountIssuesAtMostTwoToTheSixtyThird() {
    ledgerWith(unbounded());
    ledger.mint(rid(), ALICE, MAX, "");
    ledger.mint(rid(), BOB, 1, "");
    assertEquals(MIN, ledger.account(ManaLedger.MINT_ACCOUNT).balance());

    MeshException refused =
        assertRefused(LedgerErrors.AMOUNT_TOO_LARGE, () -> ledger.mint(rid(), BOB, 1, ""));
    assertEquals(ManaLedger.MINT_ACCOUNT, refused.metadata().get("did"));
    assertTrue(refused.getMessage().contains("cannot create 1 more mana"), refused.getMessage());
    // What was minted, 2^63, is one more than a long holds.
    assertEquals(BIG_MAX.add(BigInteger.ONE), ledger.audit().minted());
  }

  @Test
  void manyHoldsFillHeldUpToTheLargestLongAndNoFurther() {
    ledgerWith(unbounded());
    ledger.mint(rid(), ALICE, MAX, "");
    long each = MAX / 200;
    // Queued together, so that they share commits and see each other's changes in one group.
    List<CompletableFuture<Hold>> holds = new ArrayList<>();
    ManaLedger.Batch batch = ledger.batch();
    for (int i = 0; i < 201; i++) {
      holds.add(batch.createHold(rid(), ALICE, each, "job-" + i, DAY, ""));
    }
    batch.submit();
    for (int i = 0; i < 200; i++) {
      LedgerStore.await(holds.get(i));
    }
    MeshException refused =
        assertThrows(MeshException.class, () -> LedgerStore.await(holds.get(200)));
    assertEquals(LedgerErrors.AMOUNT_TOO_LARGE, refused.reason());

    long rest = MAX - 200 * each;
    ledger.createHold(rid(), ALICE, rest, "job-rest", DAY, "");
    assertEquals(MAX, ledger.account(ALICE).held());
    assertRefused(
        LedgerErrors.AMOUNT_TOO_LARGE, () -> ledger.createHold(rid(), ALICE, 1, "job-x", DAY, ""));
    assertEquals(BIG_MAX, ledger.audit().pendingHoldRemaining());

    ManaLedger.Batch voids = ledger.batch();
    List<CompletableFuture<VoidedHold>> voided = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      voided.add(voids.voidHold(rid(), LedgerStore.await(holds.get(i)).holdId(), ""));
    }
    voids.submit();
    voided.forEach(LedgerStore::await);
    assertEquals(rest, ledger.account(ALICE).held());
  }

  @Test
  void regenerationFarBelowTheCapCreditsExactlyWhatIsLeftToIssue() {
    // A cap of Long.MAX_VALUE and a balance near Long.MIN_VALUE: the room to the cap is about
    // 2^64, which a subtraction of longs turns into a negative credit.
    Regeneration rule = new Regeneration(MAX, Duration.ofMillis(1), MAX);
    ledgerWith(unbounded().withRegeneration(rule));
    ledger.mint(rid(), ALICE, 1, "");
    ledger.transfer(rid(), ALICE, BOB, MAX, "", "");
    assertEquals(1 - MAX, ledger.account(ALICE).balance());

    clock.advance(Duration.ofMillis(5));
    // Due is far more than 2^63 (capped at Long.MAX_VALUE), the room to the cap too; what the
    // system account can still issue, 2^63 - 1, is the limit.
    assertEquals(1, ledger.account(ALICE).balance());
    assertEquals(MIN, ledger.account(ManaLedger.MINT_ACCOUNT).balance());

    // Nothing is left to issue: regeneration pauses rather than failing the account.
    clock.advance(Duration.ofHours(1));
    assertEquals(1, ledger.account(ALICE).balance());
    ledger.transfer(rid(), ALICE, CAROL, 1, "", "");
    assertEquals(0, ledger.account(ALICE).balance());
    ledger.audit().check();
  }

  @Test
  void theLargestAmountOfOneOperationIsASetting() {
    ledgerWith(ManaLedger.Options.defaults().withMaxAmount(1000));
    ledger.mint(rid(), ALICE, 1000, "");
    ledger.mint(rid(), ALICE, 1000, "");
    Hold hold = ledger.createHold(rid(), ALICE, 1000, "job-1", DAY, "");

    List<Executable> tooLarge =
        List.of(
            () -> ledger.mint(rid(), ALICE, 1001, ""),
            () -> ledger.createHold(rid(), ALICE, 1001, "job-2", DAY, ""),
            () -> ledger.postHold(rid(), hold.holdId(), BOB, 1001, false, "", ""),
            () -> ledger.transfer(rid(), ALICE, BOB, 1001, "", ""),
            () -> ledger.batch().transfer(rid(), ALICE, BOB, MAX, "", ""));
    for (Executable call : tooLarge) {
      MeshException e = assertThrows(MeshException.class, call);
      assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
      assertEquals(LedgerErrors.AMOUNT_ABOVE_MAX, e.reason(), e.getMessage());
      assertEquals("amount", e.metadata().get("field"));
      assertEquals("1000", e.metadata().get("max"));
      assertEquals("ledger.max-amount", e.metadata().get("setting"));
      assertTrue(e.getMessage().contains("ledger.max-amount"), e.getMessage());
    }
    // At the cap everything goes through.
    ledger.postHold(rid(), hold.holdId(), BOB, 1000, true, "", "");
    ledger.transfer(rid(), BOB, CAROL, 1000, "", "");
    assertEquals(1000, ledger.account(CAROL).balance());
    assertThrows(
        IllegalArgumentException.class,
        () -> ManaLedger.Options.defaults().withMaxAmount(1000).withDevGrant(1001));
  }

  /**
   * Random holds, posts, voids, transfers and mints with amounts drawn near the ends of the range,
   * on floors down to the least long, checked step by step against a model that computes in exact
   * integers: the same operations are accepted, the same refused for the same reason, and every
   * account ends each step with the model's balance and held.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void theLedgerAgreesWithAModelInExactIntegers(long seed) {
    Random random = new Random(seed);
    long floor = pick(random, MIN, MIN + 1, -(MAX / 2), -1, 0);
    long davesFloor = pick(random, MIN, MIN / 2, -1, 0);
    ledgerWith(unbounded().withFloor(floor).withFloorOf(DAVE, davesFloor));
    Model model = new Model(floor, Map.of(DAVE, davesFloor));

    // Everyone's account is opened first, so that every operation below names an existing one.
    for (String did : PEOPLE) {
      model.mint(did, 1);
    }
    for (String did : PEOPLE) {
      model.mint(did, amount(random, model, did));
    }
    for (int step = 0; step < 150; step++) {
      String who = PEOPLE.get(random.nextInt(PEOPLE.size()));
      String other = PEOPLE.get((PEOPLE.indexOf(who) + 1 + random.nextInt(3)) % PEOPLE.size());
      String context = "seed " + seed + ", step " + step;
      int action = random.nextInt(10);
      if (action < 3 || model.holds.isEmpty()) {
        model.hold(who, amount(random, model, who), context);
      } else if (action < 6) {
        ModelHold hold = model.holds.get(random.nextInt(model.holds.size()));
        long amount = random.nextBoolean() ? amount(random, model, who) : hold.remaining();
        model.post(hold, other, Math.max(1, amount), random.nextInt(3) == 0, context);
      } else if (action < 7) {
        model.voidHold(model.holds.get(random.nextInt(model.holds.size())), context);
      } else if (action < 9) {
        model.transfer(who, other, amount(random, model, who), context);
      } else {
        model.mint(who, amount(random, model, who));
      }
      model.compare(context);
      if (step % 25 == 0) {
        ledger.audit().check();
      }
    }
    ledger.audit().check();
  }

  /**
   * Random operations with regeneration on, at rules that reach the ends of the range (a cap of
   * Long.MAX_VALUE, an amount of Long.MAX_VALUE per millisecond), while the clock runs and holds
   * expire: every refusal is one a caller can expect, nothing else fails, and the ledger balances.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13, 14, 15})
  void regenerationNearTheEndsOfTheRangeKeepsEveryInvariant(long seed) {
    Random random = new Random(seed);
    Regeneration rule =
        switch ((int) (seed % 4)) {
          case 0 -> new Regeneration(MAX, Duration.ofMillis(1), MAX);
          case 1 -> new Regeneration(MAX / 3, Duration.ofSeconds(1), MAX / 2);
          case 2 -> new Regeneration(1, Duration.ofMillis(1), MAX);
          default -> new Regeneration(MAX, Duration.ofHours(1), 10);
        };
    long floor = pick(random, MIN, -(MAX / 2), 0);
    ledgerWith(unbounded().withFloor(floor).withRegeneration(rule));
    for (String did : PEOPLE) {
      ledger.mint(rid(), did, 1, "");
    }
    for (String did : PEOPLE) {
      attempt(() -> ledger.mint(rid(), did, edgeAmount(random), ""), "seed " + seed);
    }
    List<String> holds = new ArrayList<>();
    for (int step = 0; step < 150; step++) {
      String who = PEOPLE.get(random.nextInt(PEOPLE.size()));
      String other = PEOPLE.get((PEOPLE.indexOf(who) + 1) % PEOPLE.size());
      long amount = edgeAmount(random);
      String context = "seed " + seed + ", step " + step;
      int action = random.nextInt(10);
      if (action < 3 || holds.isEmpty()) {
        Duration timeout = Duration.ofMillis(1 + random.nextInt(5_000));
        Hold hold =
            attempt(() -> ledger.createHold(rid(), who, amount, "job", timeout, ""), context);
        if (hold != null) {
          holds.add(hold.holdId());
        }
      } else if (action < 5) {
        String hold = holds.get(random.nextInt(holds.size()));
        attempt(
            () -> ledger.postHold(rid(), hold, other, amount, random.nextBoolean(), "", ""),
            context);
      } else if (action < 6) {
        attempt(() -> ledger.voidHold(rid(), holds.get(random.nextInt(holds.size())), ""), context);
      } else if (action < 7) {
        attempt(() -> ledger.transfer(rid(), who, other, amount, "", ""), context);
      } else if (action < 8) {
        attempt(() -> ledger.mint(rid(), who, amount, ""), context);
      } else {
        clock.advance(Duration.ofMillis(random.nextInt(3) == 0 ? 3_600_000 : random.nextInt(50)));
        attempt(ledger::expireDue, context);
        attempt(() -> ledger.account(who), context);
      }
      if (step % 25 == 0) {
        ledger.audit().check();
      }
    }
    for (String did : PEOPLE) {
      Account account = ledger.account(did);
      assertTrue(account.held() >= 0, did + " " + account);
    }
    LedgerAudit audit = ledger.audit();
    audit.check();
    assertEquals(0, audit.accountsBelowFloor());
  }

  // ---------------------------------------------------------------------------------------------

  /** An operation the ledger may refuse only with one of the expected reasons; null if refused. */
  private static <T> T attempt(java.util.function.Supplier<T> call, String context) {
    try {
      return call.get();
    } catch (MeshException e) {
      if (!EXPECTED_REFUSALS.contains(e.reason())) {
        fail(context + ": unexpected refusal " + e.reason() + ": " + e.getMessage(), e);
      }
      return null;
    }
  }

  private static MeshException assertRefused(String reason, Executable call) {
    MeshException e = assertThrows(MeshException.class, call);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  private static long pick(Random random, long... values) {
    return values[random.nextInt(values.length)];
  }

  /** An amount near one end of the range or another, or anywhere in it. */
  private static long edgeAmount(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> 1;
      case 1 -> MAX;
      case 2 -> MAX - 1;
      case 3 -> MAX / 2;
      case 4 -> MAX / 2 + 1;
      case 5 -> MAX / 3;
      case 6 -> 1 + random.nextInt(1000);
      default -> 1 + (random.nextLong() & MAX) % MAX;
    };
  }

  /**
   * An amount for an operation by {@code did}: often exactly what it may still spend, or one more,
   * so that the boundary itself is tried; otherwise one near an end of the range.
   */
  private static long amount(Random random, Model model, String did) {
    BigInteger room = model.available(did).subtract(BigInteger.valueOf(model.floorOf(did)));
    int choice = random.nextInt(4);
    if (choice < 2 && room.signum() > 0) {
      BigInteger wanted = choice == 0 ? room : room.add(BigInteger.ONE);
      return wanted.min(BIG_MAX).longValueExact();
    }
    return edgeAmount(random);
  }

  /** A hold as the model sees it. */
  private static final class ModelHold {
    final String id;
    final String payer;
    final long amount;
    long posted;
    HoldState state = HoldState.PENDING;

    ModelHold(String id, String payer, long amount) {
      this.id = id;
      this.payer = payer;
      this.amount = amount;
    }

    long remaining() {
      return state == HoldState.PENDING ? amount - posted : 0;
    }
  }

  /**
   * The ledger's rules in exact integers: each method predicts the outcome, makes the call, checks
   * that the ledger did as predicted, and then applies the change to itself.
   */
  private final class Model {
    final long floor;
    final Map<String, Long> floors;
    final Map<String, BigInteger[]> accounts = new LinkedHashMap<>();
    final List<ModelHold> holds = new ArrayList<>();
    BigInteger mint = BigInteger.ZERO;

    Model(long floor, Map<String, Long> floors) {
      this.floor = floor;
      this.floors = floors;
    }

    long floorOf(String did) {
      return floors.getOrDefault(did, floor);
    }

    BigInteger[] of(String did) {
      return accounts.computeIfAbsent(
          did, d -> new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
    }

    BigInteger available(String did) {
      BigInteger[] a = of(did);
      return a[0].subtract(a[1]);
    }

    boolean fits(BigInteger value) {
      return value.compareTo(BIG_MIN) >= 0 && value.compareTo(BIG_MAX) <= 0;
    }

    boolean canSpend(String did, long amount) {
      return available(did)
              .subtract(BigInteger.valueOf(amount))
              .compareTo(BigInteger.valueOf(floorOf(did)))
          >= 0;
    }

    void mint(String did, long amount) {
      BigInteger minted = mint.subtract(BigInteger.valueOf(amount));
      BigInteger balance = of(did)[0].add(BigInteger.valueOf(amount));
      String expected = fits(minted) && fits(balance) ? null : LedgerErrors.AMOUNT_TOO_LARGE;
      if (expect(expected, () -> ledger.mint(rid(), did, amount, ""), "mint " + amount)) {
        mint = minted;
        of(did)[0] = balance;
      }
    }

    void hold(String payer, long amount, String context) {
      BigInteger held = of(payer)[1].add(BigInteger.valueOf(amount));
      String expected =
          !canSpend(payer, amount)
              ? LedgerErrors.INSUFFICIENT_MANA
              : fits(held) ? null : LedgerErrors.AMOUNT_TOO_LARGE;
      Hold[] made = new Hold[1];
      if (expect(
          expected,
          () -> made[0] = ledger.createHold(rid(), payer, amount, "job", DAY, ""),
          context + ": hold " + amount + " from " + payer)) {
        of(payer)[1] = held;
        holds.add(new ModelHold(made[0].holdId(), payer, amount));
      }
    }

    void post(ModelHold hold, String payee, long amount, boolean last, String context) {
      String expected;
      BigInteger payeeAfter =
          of(payee)[0]
              .add(BigInteger.valueOf(amount))
              .subtract(payee.equals(hold.payer) ? BigInteger.valueOf(amount) : BigInteger.ZERO);
      if (hold.state == HoldState.POSTED) {
        expected = LedgerErrors.HOLD_ALREADY_POSTED;
      } else if (hold.state == HoldState.VOIDED) {
        expected = LedgerErrors.HOLD_ALREADY_VOIDED;
      } else if (amount > hold.remaining()) {
        expected = LedgerErrors.AMOUNT_EXCEEDS_HOLD;
      } else if (!fits(payeeAfter)) {
        expected = LedgerErrors.AMOUNT_TOO_LARGE;
      } else {
        expected = null;
      }
      if (expect(
          expected,
          () -> ledger.postHold(rid(), hold.id, payee, amount, last, "", ""),
          context + ": post " + amount + " of " + hold.remaining() + " to " + payee)) {
        BigInteger paid = BigInteger.valueOf(amount);
        of(hold.payer)[0] = of(hold.payer)[0].subtract(paid);
        of(hold.payer)[1] = of(hold.payer)[1].subtract(paid);
        of(payee)[0] = of(payee)[0].add(paid);
        hold.posted += amount;
        if (last || hold.remaining() == 0) {
          of(hold.payer)[1] = of(hold.payer)[1].subtract(BigInteger.valueOf(hold.remaining()));
          hold.state = HoldState.POSTED;
        }
      }
    }

    void voidHold(ModelHold hold, String context) {
      String expected =
          switch (hold.state) {
            case POSTED -> LedgerErrors.HOLD_ALREADY_POSTED;
            case VOIDED -> LedgerErrors.HOLD_ALREADY_VOIDED;
            default -> null;
          };
      if (expect(expected, () -> ledger.voidHold(rid(), hold.id, ""), context + ": void")) {
        of(hold.payer)[1] = of(hold.payer)[1].subtract(BigInteger.valueOf(hold.remaining()));
        hold.state = HoldState.VOIDED;
      }
    }

    void transfer(String from, String to, long amount, String context) {
      BigInteger received = of(to)[0].add(BigInteger.valueOf(amount));
      String expected =
          !canSpend(from, amount)
              ? LedgerErrors.INSUFFICIENT_MANA
              : fits(received) ? null : LedgerErrors.AMOUNT_TOO_LARGE;
      if (expect(
          expected,
          () -> ledger.transfer(rid(), from, to, amount, "", ""),
          context + ": transfer " + amount + " from " + from + " to " + to)) {
        of(from)[0] = of(from)[0].subtract(BigInteger.valueOf(amount));
        of(to)[0] = received;
      }
    }

    /** Makes the call; true when it was accepted as predicted, false when refused as predicted. */
    private boolean expect(String reason, Executable call, String what) {
      try {
        call.execute();
      } catch (MeshException e) {
        assertEquals(reason, e.reason(), what + " was refused: " + e.getMessage());
        return false;
      } catch (Throwable t) {
        throw new AssertionError(what + " failed: " + t, t);
      }
      assertEquals(null, reason, what + " went through");
      return true;
    }

    void compare(String context) {
      for (Map.Entry<String, BigInteger[]> e : accounts.entrySet()) {
        Account actual = ledger.account(e.getKey());
        assertEquals(
            e.getValue()[0].longValueExact(), actual.balance(), context + " " + e.getKey());
        assertEquals(e.getValue()[1].longValueExact(), actual.held(), context + " " + e.getKey());
      }
      assertEquals(
          mint.longValueExact(), ledger.account(ManaLedger.MINT_ACCOUNT).balance(), context);
    }
  }
}
