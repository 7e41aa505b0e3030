package io.meshwork.executor.membership;

import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshwork.membership.v1.HeartbeatRequest;
import io.meshwork.membership.v1.HeartbeatResponse;
import io.meshwork.membership.v1.LeaveRequest;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.membership.v1.MembershipServiceGrpc;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps this executor a member of the orchestrator it joined: one heartbeat stream, a heartbeat
 * every interval the orchestrator asked for, and the orchestrator's answers watched.
 *
 * <p>When no answer comes within the heartbeat timeout, or the stream fails, the link drops the
 * stream, waits (250 ms, doubling up to 2 s), joins again (no token, no certificate request: the
 * orchestrator knows the DID, which keeps its reputation) and opens a new stream. An answer asking
 * the member to drain is handed on once; {@link #leave} ends the membership.
 *
 * <p>One virtual thread sends the heartbeats and sleeps between them; answers arrive on gRPC's
 * threads and only stamp the time. A heartbeat costs the orchestrator one small message and no log
 * line on either side: a hundred executors per orchestrator must stay cheap.
 */
public final class MembershipLink implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(MembershipLink.class.getName());
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
  private static final long LEAVE_DEADLINE_SECONDS = 5;

  /**
   * How the link reaches the orchestrator and joins it again.
   *
   * @param channel a channel to the orchestrator that presents this executor's certificate
   * @param credentials what the calls on it carry (nothing more over mutual TLS)
   * @param joiner joins again after the stream was lost
   * @param target the orchestrator's host:port, for messages
   */
  public record Orchestrator(
      Channel channel, CallCredentials credentials, Joiner joiner, String target) {}

  private final Orchestrator orchestrator;
  private final Supplier<MemberCapacity> capacity;
  private final BooleanSupplier draining;
  private final Optional<Duration> heartbeatTimeout;
  private final Consumer<Joiner.Joined> onJoined;
  private final Runnable onDrainAsked;
  private final AtomicBoolean drainAsked = new AtomicBoolean();
  private volatile boolean running = true;
  private volatile boolean leaving;
  private volatile Joiner.Joined joined;
  private volatile Beats beats;
  private Thread thread;

  /**
   * A link for the membership {@code first} began; {@link #start} starts its heartbeats.
   *
   * @param capacity the executor's capacity now, for each heartbeat
   * @param draining whether the executor drains, for each heartbeat
   * @param heartbeatTimeout how long without an answer before the link joins again; empty for the
   *     orchestrator's lost timeout
   * @param onJoined told of every join again (the orchestrator's DID gets its role from it)
   * @param onDrainAsked run once, on a gRPC thread, when the orchestrator asks the member to drain
   */
  public MembershipLink(
      Orchestrator orchestrator,
      Joiner.Joined first,
      Supplier<MemberCapacity> capacity,
      BooleanSupplier draining,
      Optional<Duration> heartbeatTimeout,
      Consumer<Joiner.Joined> onJoined,
      Runnable onDrainAsked) {
    this.orchestrator = orchestrator;
    this.joined = first;
    this.capacity = capacity;
    this.draining = draining;
    this.heartbeatTimeout = heartbeatTimeout;
    this.onJoined = onJoined;
    this.onDrainAsked = onDrainAsked;
  }

  /** Starts the heartbeats. */
  public synchronized void start() {
    if (thread == null) {
      thread = Thread.ofVirtual().name("membership-heartbeats").start(this::run);
    }
  }

  private void run() {
    Duration backoff = FIRST_BACKOFF;
    boolean failing = false;
    while (running) {
      Joiner.Joined member = joined;
      if (member == null) {
        try {
          member =
              orchestrator
                  .joiner()
                  .join(
                      orchestrator.channel(),
                      orchestrator.credentials(),
                      Optional.empty(),
                      Optional.empty(),
                      capacity.get());
          joined = member;
          onJoined.accept(member);
          LOG.info(() -> "joined " + orchestrator.target() + " again");
        } catch (RuntimeException e) {
          if (!failing) {
            LOG.warning(
                "cannot join "
                    + orchestrator.target()
                    + " again ("
                    + e.getMessage()
                    + "); retrying");
            failing = true;
          }
          if (!pause(backoff)) {
            return;
          }
          backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
          continue;
        }
      }
      String lost = heartbeat(member);
      if (lost == null) {
        return;
      }
      joined = null;
      if (beats != null && beats.answered) {
        // The stream worked for a while: this is a new outage, so start the backoff over.
        backoff = FIRST_BACKOFF;
        failing = false;
      }
      if (!failing) {
        LOG.warning("lost the heartbeats to " + orchestrator.target() + " (" + lost + ")");
        failing = true;
      }
      if (!pause(backoff)) {
        return;
      }
      backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
    }
  }

  /**
   * Sends heartbeats on one stream until it fails or goes unanswered (returns why) or the link
   * stops (returns null).
   */
  private String heartbeat(Joiner.Joined member) {
    long interval = Math.max(1, member.response().getHeartbeatIntervalMs());
    long timeoutNanos =
        heartbeatTimeout
            .map(Duration::toNanos)
            .orElse(
                TimeUnit.MILLISECONDS.toNanos(
                    member.response().getLostAfterMs() > 0
                        ? member.response().getLostAfterMs()
                        : 5 * interval));
    Beats stream = new Beats();
    beats = stream;
    MembershipServiceGrpc.newStub(orchestrator.channel())
        .withCallCredentials(orchestrator.credentials())
        .heartbeat(stream);
    ClientCallStreamObserver<HeartbeatRequest> out = stream.requests;
    long sequence = 0;
    try {
      while (running) {
        if (!leaving) {
          out.onNext(
              HeartbeatRequest.newBuilder()
                  .setCapacity(capacity.get())
                  .setDraining(draining.getAsBoolean())
                  .setSequence(++sequence)
                  .build());
        }
        if (stream.ended.await(interval, TimeUnit.MILLISECONDS)) {
          if (!running) {
            break;
          }
          return stream.failure;
        }
        if (System.nanoTime() - stream.lastAnswer > timeoutNanos) {
          out.cancel("no answer to heartbeats", null);
          return "no answer for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
        }
      }
      try {
        out.onCompleted();
      } catch (RuntimeException alreadyEnded) {
        // The orchestrator ended the stream as the link stopped: nothing to half-close.
      }
      return null;
    } catch (InterruptedException e) {
      // Interrupted by close: the link stops.
      out.cancel("the executor stops", null);
      return null;
    } catch (RuntimeException e) {
      out.cancel("heartbeat failed", e);
      return e.getMessage();
    }
  }

  /** The answers of one heartbeat stream. */
  private final class Beats implements ClientResponseObserver<HeartbeatRequest, HeartbeatResponse> {
    final CountDownLatch ended = new CountDownLatch(1);
    ClientCallStreamObserver<HeartbeatRequest> requests;
    volatile long lastAnswer = System.nanoTime();
    volatile boolean answered;
    volatile String failure;

    @Override
    public void beforeStart(ClientCallStreamObserver<HeartbeatRequest> requests) {
      this.requests = requests;
    }

    @Override
    public void onNext(HeartbeatResponse answer) {
      lastAnswer = System.nanoTime();
      answered = true;
      if (answer.getDrain() && drainAsked.compareAndSet(false, true)) {
        onDrainAsked.run();
      }
    }

    @Override
    public void onError(Throwable t) {
      failure = Status.fromThrowable(t).toString();
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      failure = "the orchestrator ended the stream";
      ended.countDown();
    }
  }

  private boolean pause(Duration d) {
    try {
      Thread.sleep(d);
      return running;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The orchestrator's DID as of the last join. */
  public Optional<String> orchestratorDid() {
    Joiner.Joined j = joined;
    return j == null ? Optional.empty() : Optional.of(j.orchestratorDid());
  }

  /**
   * Deregisters the executor (Leave, once it has drained) and stops the heartbeats. No heartbeat is
   * sent after the Leave; the stream stays open until it has been answered, so that the
   * orchestrator sees the member leave rather than fall silent. A Leave that fails is logged: the
   * orchestrator then finds the member lost, as after a crash, with nothing left to take back.
   */
  public void leave(String reason) {
    leaving = true;
    try {
      MembershipServiceGrpc.newBlockingStub(orchestrator.channel())
          .withCallCredentials(orchestrator.credentials())
          .withDeadlineAfter(LEAVE_DEADLINE_SECONDS, TimeUnit.SECONDS)
          .leave(LeaveRequest.newBuilder().setReason(reason).build());
    } catch (StatusRuntimeException e) {
      LOG.warning("could not leave " + orchestrator.target() + ": " + e.getStatus());
    } finally {
      close();
    }
  }

  /** Stops the heartbeats without leaving (the orchestrator will find the member lost). */
  @Override
  public void close() {
    running = false;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    Beats b = beats;
    if (b != null) {
      // Wakes the heartbeat thread, which then half-closes its stream.
      b.ended.countDown();
    }
    if (t != null) {
      try {
        if (!t.join(Duration.ofSeconds(2))) {
          t.interrupt();
        }
      } catch (InterruptedException e) {
        t.interrupt();
        Thread.currentThread().interrupt();
      }
    }
  }
}
