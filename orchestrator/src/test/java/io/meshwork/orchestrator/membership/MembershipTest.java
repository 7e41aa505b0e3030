package io.meshwork.orchestrator.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.meshwork.identity.Identity;
import io.meshwork.identity.JoinSignature;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Membership's domain against fakes of its ports: the join handshake and admission, heartbeats and
 * the sweep (suspect, lost, back), draining and leaving, restarts, and what the receipt log and the
 * roles are told.
 */
class MembershipTest {
  private static final Duration BEAT = Duration.ofMillis(200);
  private static final Duration LOST = Duration.ofMillis(1500);

  private final MemoryMembershipStore store = new MemoryMembershipStore();
  private final Clock clock = Clock.systemUTC();
  private final JoinTokens tokens = new JoinTokens(store, clock);
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final List<List<MemberPeriod>> published = new CopyOnWriteArrayList<>();
  // What each endpoint proves to be when called back; absent: not listening yet.
  private final Map<String, String> listening = new ConcurrentHashMap<>();
  private final Identity self = Identity.generate();
  private final List<Membership> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    open.forEach(Membership::close);
  }

  private Membership membership(Admission.Policy policy, Set<String> allowed) {
    MembershipOptions options =
        new MembershipOptions(
            policy, allowed, BEAT, 3, LOST, Duration.ofHours(1), Duration.ofDays(30));
    Membership m =
        new Membership(
            options,
            store,
            tokens,
            MemberPorts.CertificateIssuer.NONE,
            new MemberPorts.Roles() {
              @Override
              public void admit(String did) {
                admitted.add(did);
              }

              @Override
              public void dismiss(String did) {
                admitted.remove(did);
              }
            },
            endpoint -> new FakeEndpoint(endpoint, listening),
            (members, version) -> published.add(List.copyOf(members)),
            did -> 0.5,
            self.did(),
            clock);
    open.add(m);
    m.start();
    return m;
  }

  private JoinClaim claim(Membership m, Identity executor, String endpoint, String token) {
    byte[] challenge = m.challenge().bytes();
    return new JoinClaim(
        executor.did(),
        executor.did(),
        challenge,
        endpoint,
        new MemberLoad(4, 2048, 2, 0, 0),
        "chicory test",
        token,
        "",
        executor.sign(JoinSignature.bytes(self.did(), executor.did(), endpoint, challenge)));
  }

  private static void await(BooleanSupplier condition, String what) {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private static MemberState state(Membership m, String did) {
    return m.list(true).stream()
        .filter(v -> v.did().equals(did))
        .findFirst()
        .map(MemberView::state)
        .orElseThrow();
  }

  private static void refusedAs(Status.Code code, String reason, Runnable call) {
    MeshException e = assertThrows(MeshException.class, call::run);
    assertEquals(code, ErrorMapping.toStatus(e).getStatus().getCode(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
  }

  @Test
  void aJoinerWithATokenIsLiveOnceItsEndpointAnswersAsItAndTheReceiptLogKnowsIt() {
    Membership m = membership(Admission.Policy.TOKEN, Set.of());
    Identity executor = Identity.generate();
    String token = tokens.create(Duration.ofMinutes(5), 1, "test", "op").token();

    JoinOutcome joined = m.join(claim(m, executor, "10.0.0.2:7000", token));

    assertEquals(MemberState.JOINING, joined.state());
    assertFalse(joined.rejoined());
    assertEquals(BEAT.toMillis(), joined.heartbeatIntervalMs());
    assertTrue(admitted.contains(executor.did()), "the executor role comes with admission");
    assertEquals(List.of(), m.executors(), "no work before it is reached at its endpoint");
    m.heartbeat(executor.did(), new MemberLoad(4, 2048, 2, 0, 0), false);
    listening.put("10.0.0.2:7000", executor.did());
    await(() -> state(m, executor.did()) == MemberState.LIVE, "it is live");
    assertEquals(1, m.executors().size());
    assertEquals("10.0.0.2:7000", m.executors().get(0).endpoint());
    assertTrue(
        published.stream()
            .anyMatch(
                l ->
                    l.stream()
                        .anyMatch(p -> p.executorDid().equals(executor.did()) && p.leftAt() == 0)),
        published.toString());
  }

  @Test
  void admissionRefusesWrongSpentAndExpiredTokensAndDidsOffTheAllowList() {
    Membership m = membership(Admission.Policy.TOKEN, Set.of());
    Identity executor = Identity.generate();
    String token = tokens.create(Duration.ofMinutes(5), 1, "", "op").token();
    refusedAs(
        Status.Code.PERMISSION_DENIED,
        "JOIN_TOKEN_INVALID",
        () -> m.join(claim(m, executor, "h:1", token.substring(0, token.length() - 2) + "xx")));
    refusedAs(
        Status.Code.PERMISSION_DENIED,
        "JOIN_TOKEN_REQUIRED",
        () -> m.join(claim(m, executor, "h:1", "")));
    String expired = tokens.create(Duration.ofMillis(1), 5, "", "op").token();
    sleep(Duration.ofMillis(5));
    refusedAs(
        Status.Code.PERMISSION_DENIED,
        "JOIN_TOKEN_EXPIRED",
        () -> m.join(claim(m, executor, "h:1", expired)));
    m.join(claim(m, Identity.generate(), "h:2", token));
    refusedAs(
        Status.Code.PERMISSION_DENIED,
        "JOIN_TOKEN_SPENT",
        () -> m.join(claim(m, executor, "h:1", token)));
    assertFalse(admitted.contains(executor.did()));
    assertEquals(1, m.list(true).size(), "only the one admitted");

    Identity listed = Identity.generate();
    Membership strict = membership(Admission.Policy.ALLOW_LIST, Set.of(listed.did()));
    refusedAs(
        Status.Code.PERMISSION_DENIED,
        "NOT_ON_ALLOW_LIST",
        () -> strict.join(claim(strict, executor, "h:1", "")));
    assertEquals(MemberState.JOINING, strict.join(claim(strict, listed, "h:3", "")).state());
  }

  @Test
  void aJoinMustBeSignedByTheJoinerOverAFreshChallengeAndItsEndpoint() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    JoinClaim good = claim(m, executor, "h:1", "");
    JoinClaim moved =
        new JoinClaim(
            good.callerDid(),
            good.executorDid(),
            good.challenge(),
            "h:2",
            good.load(),
            "",
            "",
            "",
            good.signature());
    refusedAs(Status.Code.INVALID_ARGUMENT, "JOIN_SIGNATURE_INVALID", () -> m.join(moved));
    // The challenge was spent by the refused attempt.
    refusedAs(Status.Code.FAILED_PRECONDITION, "JOIN_CHALLENGE_UNKNOWN", () -> m.join(good));
    JoinClaim other = claim(m, executor, "h:1", "");
    JoinClaim asAnother =
        new JoinClaim(
            "did:key:z6MkSomeoneElse",
            other.executorDid(),
            other.challenge(),
            other.endpoint(),
            other.load(),
            "",
            "",
            "",
            other.signature());
    refusedAs(Status.Code.PERMISSION_DENIED, "JOIN_AS_ANOTHER", () -> m.join(asAnother));
    refusedAs(
        Status.Code.INVALID_ARGUMENT,
        "ENDPOINT_INVALID",
        () -> m.join(claim(m, executor, "0.0.0.0:7000", "")));
    assertEquals(List.of(), m.list(true));
  }

  @Test
  void aSilentMemberIsSuspectThenLostAndLiveAgainWhenItsHeartbeatsComeBack() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("h:1", executor.did());
    m.join(claim(m, executor, "h:1", ""));
    await(() -> state(m, executor.did()) == MemberState.LIVE, "live");

    await(() -> state(m, executor.did()) == MemberState.SUSPECT, "suspect after 3 beats");
    assertEquals(List.of(), m.executors(), "a suspect gets no new work");
    // Membership's own word: the suspect still runs what it has.
    assertFalse(m.lost(executor.did()));
    await(() -> m.lost(executor.did()), "lost");
    assertEquals(MemberState.LOST, state(m, executor.did()));

    HeartbeatAnswer back = m.heartbeat(executor.did(), MemberLoad.UNKNOWN, false);
    assertEquals(MemberState.LIVE, back.state());
    assertEquals(1, m.executors().size());
    assertEquals(
        List.of(
            "- -> JOINING",
            "JOINING -> LIVE",
            "LIVE -> SUSPECT",
            "SUSPECT -> LOST",
            "LOST -> LIVE"),
        m.history(executor.did()).stream().map(h -> h.substring(0, h.indexOf(':'))).toList());
  }

  @Test
  void aDrainedMemberGetsNoWorkIsToldToDrainAndAfterLeavingIsNoMember() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("h:1", executor.did());
    m.join(claim(m, executor, "h:1", ""));
    await(() -> state(m, executor.did()) == MemberState.LIVE, "live");

    assertEquals(MemberState.DRAINING, m.drain(executor.did()));
    assertEquals(List.of(), m.executors());
    HeartbeatAnswer told = m.heartbeat(executor.did(), MemberLoad.UNKNOWN, true);
    assertTrue(told.drain());
    assertEquals(MemberState.DRAINING, told.state());

    m.leave(executor.did(), "drained");
    assertEquals(MemberState.LEFT, state(m, executor.did()));
    assertFalse(admitted.contains(executor.did()));
    assertTrue(m.lost(executor.did()), "a task it still held will not come back");
    await(
        () ->
            published.get(published.size() - 1).stream()
                .anyMatch(p -> p.executorDid().equals(executor.did()) && p.leftAt() > 0),
        "the receipt log is told when it left");
    refusedAs(
        Status.Code.NOT_FOUND,
        "NOT_A_MEMBER",
        () -> m.heartbeat(executor.did(), MemberLoad.UNKNOWN, false));
    assertEquals(List.of(), m.list(false));
  }

  @Test
  void aReturnAfterLeavingBeginsANewPeriodSoReceiptsSignedWhileAwayDoNotAnchor() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("h:1", executor.did());
    m.join(claim(m, executor, "h:1", ""));
    await(() -> state(m, executor.did()) == MemberState.LIVE, "live");
    long firstAdmitted = period(executor.did()).admittedAt();
    m.leave(executor.did(), "going");
    await(() -> period(executor.did()).leftAt() > 0, "the log is told it left");
    long left = period(executor.did()).leftAt();
    sleep(Duration.ofMillis(20));

    assertTrue(m.join(claim(m, executor, "h:1", "")).rejoined());
    await(() -> state(m, executor.did()) == MemberState.LIVE, "live again");
    MemberPeriod now = period(executor.did());
    assertEquals(0, now.leftAt());
    assertTrue(
        now.admittedAt() > left && left >= firstAdmitted,
        "the new period starts after it left: " + now + ", left at " + left);
  }

  /** The newest period the receipt log was told for {@code did}. */
  private MemberPeriod period(String did) {
    for (int i = published.size() - 1; i >= 0; i--) {
      for (MemberPeriod p : published.get(i)) {
        if (p.executorDid().equals(did)) {
          return p;
        }
      }
    }
    return new MemberPeriod(did, 0, 0);
  }

  @Test
  void anEndpointThatAnswersAsSomeoneElseEndsTheMembership() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("h:1", Identity.generate().did());
    m.join(claim(m, executor, "h:1", ""));
    await(() -> state(m, executor.did()) == MemberState.LEFT, "refused at call-back");
    assertFalse(admitted.contains(executor.did()));
    assertEquals(List.of(), m.executors());
  }

  @Test
  void aRestartedOrchestratorKnowsItsMembersWhoRejoinWithoutAToken() {
    Membership first = membership(Admission.Policy.TOKEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("h:1", executor.did());
    first.join(
        claim(first, executor, "h:1", tokens.create(Duration.ofMinutes(1), 1, "", "op").token()));
    await(() -> state(first, executor.did()) == MemberState.LIVE, "live");
    first.close();
    admitted.clear();

    Membership second = membership(Admission.Policy.TOKEN, Set.of());
    assertEquals(MemberState.SUSPECT, state(second, executor.did()));
    assertTrue(admitted.contains(executor.did()), "its role is back before its first heartbeat");
    assertEquals(
        MemberState.LIVE, second.heartbeat(executor.did(), MemberLoad.UNKNOWN, false).state());
    JoinOutcome again = second.join(claim(second, executor, "h:1", ""));
    assertTrue(again.rejoined());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
