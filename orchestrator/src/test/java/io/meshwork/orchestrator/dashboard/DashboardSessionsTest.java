package io.meshwork.orchestrator.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.Identity;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.orchestrator.jobs.ManualClock;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's sign-in: which tokens open a session, what a session is, and its limits. */
class DashboardSessionsTest {
  private final ManualClock clock = new ManualClock();
  private final Identity user = Identity.generate();
  private final Identity operator = Identity.generate();
  private final Identity executor = Identity.generate();
  private final MeshRoles roles =
      new MeshRoles(
          Map.of(
              Role.OPERATOR, List.of(operator.did()),
              Role.EXECUTOR, List.of(executor.did())));

  private DashboardSessions sessions(int max, int perCaller) {
    return new DashboardSessions(
        new TokenVerifier(clock),
        roles,
        new DashboardOptions(0, Duration.ofMinutes(10), max, perCaller, 50),
        clock);
  }

  private String token(Identity who) {
    return BearerTokens.mint(
        who, BearerTokens.DASHBOARD_AUDIENCE, clock.instant(), Duration.ofSeconds(60));
  }

  @Test
  void aDashboardTokenOpensASessionOfItsCaller() {
    DashboardSessions s = sessions(10, 2);
    DashboardSessions.Opened opened = s.open(token(user));
    Caller caller = s.caller(opened.id()).orElseThrow();
    assertEquals(user.did(), caller.did());
    assertFalse(caller.is(Role.OPERATOR));
    assertEquals(opened.openedAt() + Duration.ofMinutes(10).toMillis(), opened.expiresAt());
  }

  @Test
  void anOperatorIsAnOperatorButAPartysRolesNeedItsCertificate() {
    DashboardSessions s = sessions(10, 2);
    assertTrue(s.caller(s.open(token(operator)).id()).orElseThrow().is(Role.OPERATOR));
    Caller borrowed = s.caller(s.open(token(executor)).id()).orElseThrow();
    assertFalse(borrowed.is(Role.EXECUTOR), "a token carries only user and operator");
  }

  @Test
  void aTokenForAGrpcServiceOrSpentBeforeIsRefused() {
    DashboardSessions s = sessions(10, 2);
    String grpc =
        BearerTokens.mint(
            user, "meshwork.compute.v1.ComputeService", clock.instant(), Duration.ofSeconds(60));
    MeshException wrongAudience = assertThrows(MeshException.class, () -> s.open(grpc));
    assertEquals(MeshException.Kind.UNAUTHENTICATED, wrongAudience.kind());
    assertEquals("audience", wrongAudience.metadata().get("check"));

    String once = token(user);
    s.open(once);
    MeshException replayed = assertThrows(MeshException.class, () -> s.open(once));
    assertEquals("replayed", replayed.metadata().get("check"));
    assertThrows(MeshException.class, () -> s.once(once), "nor for a single request");
  }

  @Test
  void aSessionEndsWhenItExpiresOrIsEnded() {
    DashboardSessions s = sessions(10, 2);
    String a = s.open(token(user)).id();
    String b = s.open(token(user)).id();
    s.end(a);
    assertTrue(s.caller(a).isEmpty());
    clock.advance(Duration.ofMinutes(10));
    assertTrue(s.caller(b).isEmpty(), "expired");
    assertEquals(0, s.size());
    assertTrue(s.caller("no-such-session").isEmpty());
    assertTrue(s.caller(null).isEmpty());
  }

  @Test
  void oneCallersSessionsBeyondItsLimitEndItsOldest() {
    DashboardSessions s = sessions(10, 2);
    String first = s.open(token(user)).id();
    String second = s.open(token(user)).id();
    clock.advance(Duration.ofSeconds(1));
    String third = s.open(token(user)).id();
    assertTrue(s.caller(first).isEmpty(), "the oldest made room");
    assertTrue(s.caller(second).isPresent());
    assertTrue(s.caller(third).isPresent());
    assertEquals(2, s.size());
  }

  @Test
  void aFullDashboardRefusesNewSessionsUntilSomeExpire() {
    DashboardSessions s = sessions(2, 2);
    s.open(token(user));
    s.open(token(operator));
    MeshException full =
        assertThrows(MeshException.class, () -> s.open(token(Identity.generate())));
    assertEquals(MeshException.Kind.RESOURCE_EXHAUSTED, full.kind());
    assertEquals("DASHBOARD_SESSIONS", full.reason());
    // One who already holds a session trades its oldest for the new one.
    assertEquals(2, s.size());
    clock.advance(Duration.ofMinutes(10));
    s.open(token(Identity.generate()));
    assertEquals(1, s.size());
  }
}
