package io.meshwork.orchestrator.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.Identity;
import io.meshwork.identity.JoinSignature;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Members that discovery finds (docs/MEMBERSHIP.md, "Discovered members"), against fakes of
 * membership's ports: called back, admitted as a join without a token would be, live once the
 * receipt log knows them, gone when their endpoint goes; one member with a join of the same DID;
 * and back after a restart only when found again.
 */
class DiscoveredMembersTest {
  private static final Duration BEAT = Duration.ofMillis(200);
  private static final Duration LOST = Duration.ofMillis(1500);

  private final MemoryMembershipStore store = new MemoryMembershipStore();
  private final Clock clock = Clock.systemUTC();
  private final JoinTokens tokens = new JoinTokens(store, clock);
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final List<List<MemberPeriod>> published = new CopyOnWriteArrayList<>();
  // What each endpoint proves to be when called back; absent: not listening.
  private final Map<String, String> listening = new ConcurrentHashMap<>();
  private final Identity self = Identity.generate();
  private final List<Membership> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    open.forEach(Membership::close);
  }

  private Membership membership(Admission.Policy policy, Set<String> allowed) {
    Membership m =
        new Membership(
            new MembershipOptions(
                policy, allowed, BEAT, 3, LOST, Duration.ofHours(1), Duration.ofDays(30)),
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

  private static Optional<MemberView> member(Membership m, String did) {
    return m.list(true).stream().filter(v -> v.did().equals(did)).findFirst();
  }

  private static MemberState state(Membership m, String did) {
    return member(m, did).map(MemberView::state).orElse(null);
  }

  private static void await(BooleanSupplier condition, String what) {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out waiting until " + what);
      }
      sleep(Duration.ofMillis(5));
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** The newest period the receipt log was told for {@code did}, if any. */
  private Optional<MemberPeriod> period(String did) {
    for (int i = published.size() - 1; i >= 0; i--) {
      for (MemberPeriod p : published.get(i)) {
        if (p.executorDid().equals(did)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
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

  @Test
  void aDiscoveredEndpointIsCalledBackAdmittedAndLiveThenLeavesWhenItVanishes() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("10.1.0.7:7000", executor.did());

    m.discovered("10.1.0.7:7000");

    await(() -> state(m, executor.did()) == MemberState.LIVE, "it is live");
    MemberView v = member(m, executor.did()).orElseThrow();
    assertEquals(MemberSource.DISCOVERED, v.source());
    assertEquals("10.1.0.7:7000", v.endpoint());
    assertTrue(admitted.contains(executor.did()), "the executor role comes with admission");
    assertEquals(1, m.executors().size());
    assertEquals(0, period(executor.did()).orElseThrow().leftAt());
    // A discovered member sends no heartbeats: silence is no reason to suspect it.
    sleep(LOST.plus(BEAT));
    assertEquals(MemberState.LIVE, state(m, executor.did()));

    m.discovered("10.1.0.7:7000");
    m.vanished("10.1.0.7:7000");

    await(() -> state(m, executor.did()) == MemberState.LEFT, "it left");
    assertFalse(admitted.contains(executor.did()));
    assertEquals(List.of(), m.executors());
    assertTrue(m.lost(executor.did()), "a task it still held is placed again");
    await(
        () -> period(executor.did()).orElseThrow().leftAt() > 0,
        "the receipt log is told when it left");
    assertEquals(
        List.of("- -> JOINING", "JOINING -> LIVE", "LIVE -> LEFT"),
        m.history(executor.did()).stream().map(h -> h.substring(0, h.indexOf(':'))).toList());
  }

  @Test
  void anEndpointNotListeningYetIsCalledBackUntilItAnswers() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    m.discovered("10.1.0.8:7000");
    sleep(BEAT);
    assertEquals(List.of(), m.list(true), "nobody answered yet");

    listening.put("10.1.0.8:7000", executor.did());

    await(() -> state(m, executor.did()) == MemberState.LIVE, "live once it answers");
  }

  @Test
  void tokenAdmissionTakesOnlyADidAdmittedBeforeAndAJoinOfTheSameDidIsOneMember() {
    Membership m = membership(Admission.Policy.TOKEN, Set.of());
    Identity stranger = Identity.generate();
    listening.put("10.1.0.9:7000", stranger.did());
    m.discovered("10.1.0.9:7000");
    sleep(BEAT.multipliedBy(2));
    assertEquals(List.of(), m.list(true), "no token, never admitted: not a member");
    assertFalse(admitted.contains(stranger.did()));
    assertTrue(period(stranger.did()).isEmpty(), "the receipt log never hears of it");

    // It joins by itself with a token, at the endpoint discovery offered: one member.
    String token = tokens.create(Duration.ofMinutes(5), 1, "", "op").token();
    m.join(claim(m, stranger, "10.1.0.9:7000", token));
    m.heartbeat(stranger.did(), MemberLoad.UNKNOWN, false);
    await(() -> state(m, stranger.did()) == MemberState.LIVE, "live by its join");
    assertEquals(1, m.list(true).size());
    assertEquals(MemberSource.JOIN, member(m, stranger.did()).orElseThrow().source());
    // Its heartbeats watch it now: the endpoint's going does not end the membership.
    m.vanished("10.1.0.9:7000");
    sleep(BEAT);
    assertEquals(MemberState.LIVE, state(m, stranger.did()));

    // One that joined before and left is admitted before: discovery takes it back without a token.
    Identity known = Identity.generate();
    listening.put("10.1.0.10:7000", known.did());
    m.join(
        claim(
            m, known, "10.1.0.10:7000", tokens.create(Duration.ofMinutes(5), 1, "", "op").token()));
    await(() -> state(m, known.did()) == MemberState.LIVE, "live by its join");
    m.leave(known.did(), "restarting");
    m.discovered("10.1.0.10:7000");
    await(() -> state(m, known.did()) == MemberState.LIVE, "live again, discovered");
    assertEquals(MemberSource.DISCOVERED, member(m, known.did()).orElseThrow().source());
  }

  @Test
  void anAllowListAdmitsOnlyItsDids() {
    Identity listed = Identity.generate();
    Identity other = Identity.generate();
    Membership m = membership(Admission.Policy.ALLOW_LIST, Set.of(listed.did()));
    listening.put("10.1.0.11:7000", other.did());
    listening.put("10.1.0.12:7000", listed.did());

    m.discovered("10.1.0.11:7000");
    m.discovered("10.1.0.12:7000");

    await(() -> state(m, listed.did()) == MemberState.LIVE, "the listed DID is live");
    assertEquals(null, state(m, other.did()));
    assertFalse(admitted.contains(other.did()));
  }

  @Test
  void aDiscoveredMemberThatJoinsIsOneMemberWatchedByItsHeartbeats() {
    Membership m = membership(Admission.Policy.OPEN, Set.of());
    Identity executor = Identity.generate();
    listening.put("10.1.0.13:7000", executor.did());
    m.discovered("10.1.0.13:7000");
    await(() -> state(m, executor.did()) == MemberState.LIVE, "live, discovered");

    assertTrue(m.join(claim(m, executor, "10.1.0.13:7000", "")).rejoined());
    m.heartbeat(executor.did(), MemberLoad.UNKNOWN, false);

    await(() -> state(m, executor.did()) == MemberState.LIVE, "live, joined");
    assertEquals(1, m.list(true).size());
    assertEquals(MemberSource.JOIN, member(m, executor.did()).orElseThrow().source());
    await(() -> state(m, executor.did()) == MemberState.SUSPECT, "suspect once it falls silent");
  }

  @Test
  void afterARestartADiscoveredMemberIsLiveWhenFoundAgainAndLostWhenNot() {
    Membership first = membership(Admission.Policy.OPEN, Set.of());
    Identity found = Identity.generate();
    Identity gone = Identity.generate();
    listening.put("10.1.0.14:7000", found.did());
    listening.put("10.1.0.15:7000", gone.did());
    first.discovered("10.1.0.14:7000");
    first.discovered("10.1.0.15:7000");
    await(() -> state(first, gone.did()) == MemberState.LIVE, "live");
    await(() -> state(first, found.did()) == MemberState.LIVE, "live");
    first.close();
    admitted.clear();

    Membership second = membership(Admission.Policy.OPEN, Set.of());
    assertEquals(MemberState.SUSPECT, state(second, found.did()));
    assertTrue(admitted.contains(found.did()), "its role is back at once");
    second.discovered("10.1.0.14:7000");

    await(() -> state(second, found.did()) == MemberState.LIVE, "found again: live");
    await(() -> second.lost(gone.did()), "not found again: lost");
    assertEquals(MemberState.LOST, state(second, gone.did()));
  }
}
