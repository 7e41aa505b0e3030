package io.meshwork.orchestrator.membership;

import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.identity.JoinSignature;
import io.meshwork.orchestrator.tasks.ExecutorFleet;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The registry of this orchestrator's executors, and the fleet the task pipeline announces to.
 *
 * <p>Executors join ({@link #join}: a signed challenge, admission, a certificate, then a call back
 * to the endpoint they named), stay by heartbeats ({@link #heartbeat}), and leave ({@link #leave}).
 * A sweep every quarter interval marks the silent: suspect after {@code suspect-after-beats}
 * intervals (no new work), lost after {@code lost-after} (the pipeline takes back their tasks, see
 * {@link #lost}). Configured executors ({@code orchestrator.executors}) are members that never
 * heartbeat and are always live; the probes of assignments in flight watch them as before. The
 * orchestrator's own fallback executor is a member that only gets work no other executor bid for.
 * Endpoints that discovery finds ({@link #discovered}) are called back and admitted as a join would
 * be, and leave when discovery loses them ({@link #vanished}).
 *
 * <p>Every state change is journaled with its reason, and the executors admitted here are published
 * to the receipt log ({@link ReceiptPublisher}), so that their receipts anchor.
 */
public final class Membership implements ExecutorFleet, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Membership.class.getName());
  private static final Duration CALL_BACK_DEADLINE = Duration.ofSeconds(2);

  private final MembershipOptions options;
  private final MembershipStore store;
  private final Admission admission;
  private final JoinChallenges challenges;
  private final MemberPorts.CertificateIssuer issuer;
  private final MemberPorts.Roles roles;
  private final MemberPorts.Handles handles;
  private final ReceiptPublisher publisher;
  private final ToDoubleFunction<String> reputation;
  private final String selfDid;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Map<String, Member> members = new ConcurrentHashMap<>();
  private final DiscoveredEndpoints discovery;
  // The handles that get work, rebuilt on every change of state: announcing reads it per task.
  private volatile List<ExecutorHandle> working = List.of();
  private volatile Member lastResort;
  // The fallback sends no heartbeats: its load is read when someone lists the members.
  private volatile Supplier<MemberLoad> localLoad = () -> MemberLoad.UNKNOWN;

  /**
   * The registry. The members the journal holds are taken up by {@link #start}: a stand-by replica
   * builds its registry without touching the journal its leader writes.
   */
  public Membership(
      MembershipOptions options,
      MembershipStore store,
      JoinTokens tokens,
      MemberPorts.CertificateIssuer issuer,
      MemberPorts.Roles roles,
      MemberPorts.Handles handles,
      MemberPorts.ReceiptMembers receipts,
      ToDoubleFunction<String> reputation,
      String selfDid,
      Clock clock) {
    this.options = options;
    this.store = store;
    this.admission = new Admission(options.admission(), options.allowList(), tokens);
    this.challenges = new JoinChallenges(clock);
    this.issuer = issuer;
    this.roles = roles;
    this.handles = handles;
    this.reputation = reputation;
    this.selfDid = selfDid;
    this.clock = clock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "membership");
              t.setDaemon(true);
              return t;
            });
    this.publisher = new ReceiptPublisher(receipts, this::periods);
    this.discovery =
        new DiscoveredEndpoints(
            this,
            handles,
            timer,
            Duration.ofMillis(Math.max(10, options.heartbeatInterval().toMillis() / 4)),
            options.lostAfter());
  }

  /**
   * Takes up the members the journal holds, then starts the sweep and the publication of members to
   * the receipt log. Members that were in the mesh when the orchestrator stopped come back suspect:
   * joined ones live again with their first heartbeat, discovered ones when discovery finds them
   * again.
   */
  public void start() {
    synchronized (this) {
      for (MemberView m : store.members()) {
        if (m.source() == MemberSource.JOIN || m.source() == MemberSource.DISCOVERED) {
          restore(m);
        }
      }
      rebuild();
    }
    long period = Math.max(10, options.heartbeatInterval().toMillis() / 4);
    timer.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.MILLISECONDS);
    publisher.start();
  }

  private void restore(MemberView m) {
    Member member = new Member(m.did(), m.source(), m.endpoint(), m.joinedAt(), m.state());
    member.leftAt = m.leftAt();
    member.engineVersion = m.engineVersion();
    member.load = m.load();
    members.put(m.did(), member);
    if (m.state().member()) {
      member.handle = handles.open(m.endpoint());
      member.reached = true;
      member.lastBeatNanos = System.nanoTime();
      roles.admit(m.did());
      move(
          member,
          MemberState.SUSPECT,
          m.source() == MemberSource.JOIN
              ? "the orchestrator restarted; waiting for a heartbeat"
              : "the orchestrator restarted; waiting for discovery to find it again");
    }
  }

  /** Adds the executors of {@code orchestrator.executors}: always live, never heartbeating. */
  public void addConfigured(List<String> endpoints) {
    for (String endpoint : endpoints) {
      Member m =
          new Member(
              "config:" + endpoint,
              MemberSource.CONFIG,
              endpoint,
              clock.millis(),
              MemberState.LIVE);
      m.handle = handles.open(endpoint);
      m.reached = true;
      members.put(m.did, m);
    }
    rebuild();
  }

  /**
   * Adds the orchestrator's own fallback executor, {@code did} at {@code endpoint}: it gets a task
   * only when no other executor bid for it ({@link #lastResort()}).
   */
  public void addLastResort(String did, String endpoint, Supplier<MemberLoad> load) {
    Member m = new Member(did, MemberSource.LOCAL, endpoint, clock.millis(), MemberState.LIVE);
    m.load = load.get();
    localLoad = load;
    m.handle = handles.open(endpoint);
    m.reached = true;
    roles.admit(did);
    members.put(did, m);
    lastResort = m;
    publisher.changed();
  }

  /** A fresh join challenge, with this orchestrator's DID. */
  public JoinChallenges.Challenge challenge() {
    return challenges.issue();
  }

  /** This orchestrator's DID, which joiners sign. */
  public String selfDid() {
    return selfDid;
  }

  /**
   * Admits a joiner: checks its signature over the challenge, asks admission, issues its
   * certificate, and registers it as joining; it is live once its endpoint answers with its
   * identity and the receipt log knows it.
   *
   * @throws MeshException INVALID_ARGUMENT for a malformed claim or a bad signature,
   *     FAILED_PRECONDITION for an unknown challenge, PERMISSION_DENIED when admission refuses
   */
  public JoinOutcome join(JoinClaim claim) {
    String did = claim.executorDid();
    if (!DidKey.isDidKey(did)) {
      throw MeshException.invalidArgument(
              "EXECUTOR_DID_INVALID", "executor_did is not an Ed25519 did:key: '" + did + "'")
          .with("field", "executor_did");
    }
    if (!did.equals(claim.callerDid())) {
      throw MeshException.permissionDenied(
          "JOIN_AS_ANOTHER",
          "the call is authenticated as " + claim.callerDid() + ", not as " + did);
    }
    String host = Endpoints.host(claim.endpoint());
    challenges.consume(claim.challenge());
    byte[] signed = JoinSignature.bytes(selfDid, did, claim.endpoint(), claim.challenge());
    if (!Ed25519.verify(DidKey.publicKey(did), signed, claim.signature())) {
      throw MeshException.invalidArgument(
              "JOIN_SIGNATURE_INVALID",
              "the join signature does not verify under "
                  + did
                  + " (it must sign the challenge, both DIDs and the endpoint)")
          .with("field", "signature");
    }
    Member known = members.get(did);
    boolean knownBefore = known != null;
    String how = admission.admit(did, claim.joinToken(), knownBefore);
    MemberPorts.Issued issued =
        claim.certificateRequest().isEmpty()
            ? null
            : issuer.issue(claim.certificateRequest(), did, host);
    Member m;
    synchronized (this) {
      m = members.get(did);
      boolean fresh = m == null;
      if (fresh) {
        m = new Member(did, MemberSource.JOIN, claim.endpoint(), clock.millis(), null);
      }
      boolean returning = m.state == MemberState.LEFT;
      if (returning) {
        // A new period: the receipt log must not take receipts signed while it was away.
        m.joinedAt = clock.millis();
      }
      // A discovered member that joins is one member, from now on watched by its heartbeats.
      m.source = MemberSource.JOIN;
      if (!claim.endpoint().equals(m.endpoint) || m.handle == null) {
        m.endpoint = claim.endpoint();
        m.handle = handles.open(claim.endpoint());
      }
      m.load = claim.load();
      m.engineVersion = claim.engineVersion();
      m.lastBeatNanos = System.nanoTime();
      m.lastBeatAt = clock.millis();
      m.leftAt = 0;
      m.drainRequested = false;
      m.reached = false;
      roles.admit(did);
      move(m, MemberState.JOINING, "joined from " + claim.endpoint() + " (" + how + ")");
      if (fresh) {
        // Only now: readers outside the lock (lists, placement) never see a member without a state.
        members.put(did, m);
      }
      if (!knownBefore || returning) {
        publisher.changed();
      }
    }
    Member joining = m;
    timer.execute(() -> callBack(joining));
    return new JoinOutcome(
        MemberState.JOINING,
        issued == null ? "" : issued.certificate(),
        issued == null ? issuer.caCertificate().orElse("") : issued.caCertificate(),
        knownBefore,
        options.heartbeatInterval().toMillis(),
        options.lostAfter().toMillis());
  }

  /**
   * Calls a joining member back at its endpoint: it is live once the endpoint proves to be it and
   * the receipt log knows it. Tried again every quarter interval while the member heartbeats (its
   * server starts after it has its certificate); an endpoint that proves to be someone else ends
   * the membership.
   */
  private void callBack(Member m) {
    if (m.state != MemberState.JOINING) {
      return;
    }
    String proved;
    try {
      proved = m.handle.identify(CALL_BACK_DEADLINE);
    } catch (RemoteCallFailed e) {
      retryCallBack(m);
      return;
    }
    synchronized (this) {
      if (m.state != MemberState.JOINING) {
        return;
      }
      if (!m.did.equals(proved)) {
        m.leftAt = clock.millis();
        roles.dismiss(m.did);
        move(m, MemberState.LEFT, "its endpoint " + m.endpoint + " answers as " + proved);
        publisher.changed();
        return;
      }
      m.reached = true;
    }
    // It gets work only once its receipts can anchor.
    publisher.whenPublished(() -> becomeLive(m));
  }

  private void retryCallBack(Member m) {
    if (m.state == MemberState.JOINING) {
      timer.schedule(
          () -> callBack(m),
          Math.max(10, options.heartbeatInterval().toMillis() / 4),
          TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void becomeLive(Member m) {
    if (m.state == MemberState.JOINING && m.reached) {
      move(
          m, m.drainRequested ? MemberState.DRAINING : MemberState.LIVE, "reached at its endpoint");
    }
  }

  /**
   * Takes one heartbeat of {@code did}.
   *
   * @throws MeshException NOT_FOUND {@code NOT_A_MEMBER} when {@code did} is not a member (it left,
   *     or was never admitted): it must join again
   */
  public HeartbeatAnswer heartbeat(String did, MemberLoad load, boolean draining) {
    Member m = members.get(did);
    if (m == null || m.state == MemberState.LEFT || m.source != MemberSource.JOIN) {
      throw MeshException.notFound(
          "NOT_A_MEMBER", did + " is not a member of this orchestrator; join first");
    }
    m.lastBeatNanos = System.nanoTime();
    m.lastBeatAt = clock.millis();
    m.load = load;
    MemberState s = m.state;
    if (draining && s != MemberState.DRAINING && s != MemberState.JOINING) {
      transition(m, MemberState.DRAINING, "it is draining");
    } else if (!draining && (s == MemberState.SUSPECT || s == MemberState.LOST)) {
      transition(
          m,
          m.drainRequested ? MemberState.DRAINING : MemberState.LIVE,
          "heartbeats again after being " + s.name().toLowerCase(java.util.Locale.ROOT));
    } else if (draining && s == MemberState.LOST) {
      transition(m, MemberState.DRAINING, "heartbeats again, draining");
    }
    return new HeartbeatAnswer(m.state, m.drainRequested);
  }

  private synchronized void transition(Member m, MemberState to, String reason) {
    if (m.state != MemberState.LEFT && m.state != to) {
      move(m, to, reason);
    }
  }

  /**
   * Deregisters {@code did}: it gets no more work, loses the executor role, and the receipt log
   * stops anchoring receipts it signs from now on.
   */
  public synchronized void leave(String did, String reason) {
    Member m = members.get(did);
    if (m == null || m.source != MemberSource.JOIN || m.state == MemberState.LEFT) {
      throw MeshException.notFound("NOT_A_MEMBER", did + " is not a member of this orchestrator");
    }
    m.leftAt = clock.millis();
    roles.dismiss(did);
    move(m, MemberState.LEFT, reason.isBlank() ? "left" : "left: " + reason);
    publisher.changed();
  }

  /** Asks {@code did} to drain and leave; its next heartbeat answer tells it. */
  public synchronized MemberState drain(String did) {
    Member m = members.get(did);
    if (m == null
        || (m.source != MemberSource.JOIN && m.source != MemberSource.DISCOVERED)
        || m.state == MemberState.LEFT) {
      throw MeshException.notFound(
          "NOT_A_MEMBER", did + " is not a member that joined this orchestrator");
    }
    m.drainRequested = true;
    if (m.state == MemberState.LIVE || m.state == MemberState.SUSPECT) {
      move(m, MemberState.DRAINING, "an operator asked it to drain");
    }
    return m.state;
  }

  /**
   * An executor endpoint ({@code host:port}) that discovery found ready. It is called back, and the
   * DID its TLS certificate proves passes admission as a join without a token would: open admission
   * takes anyone, the allow-list only its DIDs, and token admission only a DID admitted here before
   * (one that joined with a token). Admitted, it is a member, live once the receipt log knows it.
   * An endpoint offered again is ignored.
   */
  public void discovered(String endpoint) {
    discovery.offer(endpoint);
  }

  /**
   * An endpoint that discovery found before is gone (or no longer ready): its discovered member
   * leaves, as by {@link #leave}. A member that joined by itself stays, watched by its heartbeats.
   */
  public void vanished(String endpoint) {
    discovery.withdraw(endpoint);
  }

  /**
   * Admits {@code did}, proved at the discovered {@code endpoint}, as a join would be; false when
   * admission refuses it. A member that joined by itself, or one already discovered, is left as it
   * is.
   */
  synchronized boolean admitDiscovered(String did, String endpoint, ExecutorHandle handle) {
    Member m = members.get(did);
    if (m != null && m.state != MemberState.LEFT) {
      boolean waiting = m.state == MemberState.SUSPECT || m.state == MemberState.LOST;
      if (m.source != MemberSource.DISCOVERED || !waiting) {
        return true;
      }
    }
    String how;
    try {
      how = admission.admit(did, "", m != null);
    } catch (MeshException refused) {
      LOG.info(
          () -> "discovered " + did + " at " + endpoint + ", refused: " + refused.getMessage());
      return false;
    }
    boolean fresh = m == null;
    if (fresh) {
      m = new Member(did, MemberSource.DISCOVERED, endpoint, clock.millis(), null);
      members.put(did, m);
    } else if (m.state == MemberState.LEFT) {
      // A new period, as for a join after leaving.
      m.joinedAt = clock.millis();
      m.source = MemberSource.DISCOVERED;
      fresh = true;
    }
    m.endpoint = endpoint;
    m.handle = handle;
    m.lastBeatNanos = System.nanoTime();
    m.leftAt = 0;
    m.drainRequested = false;
    // The call back that proved the DID was this very call.
    m.reached = true;
    roles.admit(did);
    move(m, MemberState.JOINING, "discovered at " + endpoint + " (" + how + ")");
    if (fresh) {
      publisher.changed();
    }
    Member found = m;
    publisher.whenPublished(() -> becomeLive(found));
    return true;
  }

  /** The discovered {@code endpoint} of {@code did} is gone: its member leaves. */
  synchronized void vanishedDiscovered(String did, String endpoint) {
    Member m = members.get(did);
    if (m == null
        || m.source != MemberSource.DISCOVERED
        || m.state == MemberState.LEFT
        || !endpoint.equals(m.endpoint)) {
      return;
    }
    m.leftAt = clock.millis();
    roles.dismiss(did);
    move(m, MemberState.LEFT, "its endpoint " + endpoint + " is no longer discovered");
    publisher.changed();
  }

  /** Every member, by state and then DID; with {@code includeLeft}, those that left too. */
  public List<MemberView> list(boolean includeLeft) {
    List<MemberView> out = new ArrayList<>();
    Member local = lastResort;
    if (local != null) {
      local.load = localLoad.get();
    }
    for (Member m : members.values()) {
      if (includeLeft || m.state != MemberState.LEFT) {
        out.add(m.view(m.did.startsWith("config:") ? 0 : reputation.applyAsDouble(m.did)));
      }
    }
    out.sort(Comparator.comparing(MemberView::state).thenComparing(MemberView::did));
    return out;
  }

  /** The history of {@code did}'s states, oldest first. */
  public List<String> history(String did) {
    return store.history(did);
  }

  @Override
  public List<ExecutorHandle> executors() {
    return working;
  }

  @Override
  public Optional<ExecutorHandle> lastResort() {
    Member m = lastResort;
    return m == null ? Optional.empty() : Optional.of(m.handle);
  }

  @Override
  public boolean lost(String executorDid) {
    Member m = members.get(executorDid);
    return m != null
        && (m.source == MemberSource.JOIN || m.source == MemberSource.DISCOVERED)
        && (m.state == MemberState.LOST || m.state == MemberState.LEFT);
  }

  /** Marks the silent: suspect, then lost. Runs every quarter heartbeat interval. */
  void sweep() {
    long now = System.nanoTime();
    long suspectAfter = options.suspectAfter().toNanos();
    long lostAfter = options.lostAfter().toNanos();
    for (Member m : members.values()) {
      MemberState s = m.state;
      long silent = now - m.lastBeatNanos;
      if (m.source == MemberSource.DISCOVERED) {
        // No heartbeats: discovery watches it. Only one restored from the journal and not found
        // again since is given up on.
        if (s == MemberState.SUSPECT && silent >= lostAfter) {
          transition(m, MemberState.LOST, "not discovered again since the orchestrator restarted");
        }
        continue;
      }
      if (m.source != MemberSource.JOIN) {
        continue;
      }
      if (s == MemberState.LOST || s == MemberState.LEFT) {
        continue;
      }
      if (silent >= lostAfter) {
        transition(m, MemberState.LOST, "no heartbeat for " + silent / 1_000_000 + " ms");
      } else if (silent >= suspectAfter && s == MemberState.LIVE) {
        transition(m, MemberState.SUSPECT, "no heartbeat for " + silent / 1_000_000 + " ms");
      }
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the membership sweep failed; it runs again", e);
    }
  }

  /** Changes {@code m}'s state, journals it and rebuilds the working set. Under the lock. */
  private void move(Member m, MemberState to, String reason) {
    MemberState from = m.state;
    m.state = to;
    rebuild();
    try {
      store.record(m.view(0), from, reason, clock.millis());
    } catch (RuntimeException e) {
      // The state in memory is what placement acts on; a journal that cannot be written loses
      // only history, which the log line keeps.
      LOG.log(Level.WARNING, "could not journal " + m.did + " -> " + to, e);
    }
    LOG.info(() -> "member " + m.did + ": " + from + " -> " + to + " (" + reason + ")");
  }

  private void rebuild() {
    List<ExecutorHandle> live = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.source != MemberSource.LOCAL && m.state.takesWork() && m.handle != null) {
        live.add(m.handle);
      }
    }
    working = List.copyOf(live);
  }

  /** The membership periods of the executors admitted here, for the receipt log. */
  private List<MemberPeriod> periods() {
    List<MemberPeriod> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.source != MemberSource.CONFIG) {
        out.add(new MemberPeriod(m.did, m.joinedAt, m.state == MemberState.LEFT ? m.leftAt : 0));
      }
    }
    return out;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    publisher.close();
  }
}
