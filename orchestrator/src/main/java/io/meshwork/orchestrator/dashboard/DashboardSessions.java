package io.meshwork.orchestrator.dashboard;

import io.meshwork.identity.AuthenticationException;
import io.meshwork.identity.BearerTokens;
import io.meshwork.identity.TokenVerifier;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.MeshRoles;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The dashboard's sign-in: a short-lived token of the caller's key (docs/AUTH.md, audience {@link
 * BearerTokens#DASHBOARD_AUDIENCE}), checked and spent once, is traded for a session whose id the
 * browser keeps in an HttpOnly cookie. People hold keys, not passwords, so the token is the only
 * way in.
 *
 * <p>A session carries only the caller's DID: its roles are looked up on every request, so an
 * operator removed from {@code auth.operators} loses the operator's view at once. Only the roles a
 * token may carry count ({@code user} and {@code operator}); the parties' roles need the mesh
 * certificate, which a browser does not present.
 *
 * <p>Both limits hold at all times: one identity's sessions beyond {@code sessionsPerCaller} end
 * its oldest; a new session beyond {@code maxSessions} for everyone is refused until some expire.
 */
public final class DashboardSessions {
  private static final Set<Role> TOKEN_ROLES = EnumSet.of(Role.USER, Role.OPERATOR);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TokenVerifier verifier;
  private final MeshRoles roles;
  private final DashboardOptions options;
  private final Clock clock;
  private final Map<String, Session> sessions = new HashMap<>();
  // Each identity's session ids, oldest first.
  private final Map<String, Deque<String>> byCaller = new HashMap<>();

  private record Session(String did, long expiresAt) {}

  /** A session just opened: its id, for the cookie, and when it began and ends. */
  public record Opened(String id, String did, long openedAt, long expiresAt) {}

  /**
   * Creates the sessions of one dashboard.
   *
   * @param verifier checks tokens; its replay memory is the dashboard's own
   */
  public DashboardSessions(
      TokenVerifier verifier, MeshRoles roles, DashboardOptions options, Clock clock) {
    this.verifier = verifier;
    this.roles = roles;
    this.options = options;
    this.clock = clock;
  }

  /**
   * Trades a token for a new session.
   *
   * @throws MeshException UNAUTHENTICATED naming the check the token failed; RESOURCE_EXHAUSTED
   *     {@code DASHBOARD_SESSIONS} when every session is taken
   */
  public synchronized Opened open(String token) {
    String did = verify(token);
    long now = clock.millis();
    expire(now);
    Deque<String> own = byCaller.computeIfAbsent(did, d -> new ArrayDeque<>());
    if (own.size() >= options.sessionsPerCaller()) {
      sessions.remove(own.removeFirst());
    } else if (sessions.size() >= options.maxSessions()) {
      if (own.isEmpty()) {
        byCaller.remove(did);
      }
      throw new MeshException(
              MeshException.Kind.RESOURCE_EXHAUSTED,
              "DASHBOARD_SESSIONS",
              "the dashboard holds its "
                  + options.maxSessions()
                  + " sessions (dashboard.max-sessions); try again when some have expired")
          .with("max_sessions", Integer.toString(options.maxSessions()));
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    long expiresAt = now + options.sessionTtl().toMillis();
    sessions.put(id, new Session(did, expiresAt));
    own.addLast(id);
    return new Opened(id, did, now, expiresAt);
  }

  /**
   * The caller a token names, for one request of a script that brings its own token instead of a
   * session: the token is spent, and no session is opened.
   *
   * @throws MeshException UNAUTHENTICATED naming the check the token failed
   */
  public Caller once(String token) {
    return withTokenRoles(verify(token));
  }

  private String verify(String token) {
    try {
      return verifier.verify(token, BearerTokens.DASHBOARD_AUDIENCE);
    } catch (AuthenticationException e) {
      throw new MeshException(MeshException.Kind.UNAUTHENTICATED, "UNAUTHENTICATED", e.getMessage())
          .with("check", e.check());
    }
  }

  private Caller withTokenRoles(String did) {
    Set<Role> kept = EnumSet.copyOf(roles.callerFor(did).roles());
    kept.retainAll(TOKEN_ROLES);
    return new Caller(did, kept);
  }

  /** The caller behind a live session, with the roles it has now; empty for none. */
  public synchronized Optional<Caller> caller(String sessionId) {
    if (sessionId == null) {
      return Optional.empty();
    }
    Session s = sessions.get(sessionId);
    if (s == null) {
      return Optional.empty();
    }
    if (s.expiresAt() <= clock.millis()) {
      end(sessionId);
      return Optional.empty();
    }
    return Optional.of(withTokenRoles(s.did()));
  }

  /** Ends a session (signing out); nothing happens for an unknown one. */
  public synchronized void end(String sessionId) {
    Session s = sessions.remove(sessionId);
    if (s != null) {
      Deque<String> own = byCaller.get(s.did());
      own.remove(sessionId);
      if (own.isEmpty()) {
        byCaller.remove(s.did());
      }
    }
  }

  /** How many sessions are live. */
  public synchronized int size() {
    expire(clock.millis());
    return sessions.size();
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Session> e = it.next();
      if (e.getValue().expiresAt() <= now) {
        it.remove();
        Deque<String> own = byCaller.get(e.getValue().did());
        own.remove(e.getKey());
        if (own.isEmpty()) {
          byCaller.remove(e.getValue().did());
        }
      }
    }
  }
}
