package io.meshwork.executor.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberCapacity;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.TlsTestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeats of a member over mutual TLS, against an orchestrator the test plays: they flow,
 * they come back after the orchestrator drops the stream or stops answering (the member joining
 * again first), they say when the member drains, an orchestrator's request to drain is handed on,
 * and Leave ends them.
 */
class MembershipLinkTest {
  private static final String TOKEN = "mwjt_test-token";

  @TempDir Path dir;
  private Path caDir;
  private ServiceHost orchestratorHost;
  private TestOrchestrator orchestrator;
  private ManagedChannel channel;
  private MembershipLink link;
  private final Identity executor = Identity.generate();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final CountDownLatch drainAsked = new CountDownLatch(1);
  private final List<String> rejoinedWith = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    caDir = dir.resolve("ca");
    CertificateAuthority.loadOrCreate(caDir);
    AtomicReference<TestOrchestrator> made = new AtomicReference<>();
    orchestratorHost =
        ServiceHost.start(
            "orchestrator",
            TestOrchestrator.SCHEMA,
            new MapSettings(
                Map.of(
                    "data-dir", dir.resolve("orchestrator").toString(),
                    "tls.dev-ca", caDir.toString())),
            ctx -> {
              made.set(new TestOrchestrator(ctx, TOKEN, caDir));
              return made.get();
            });
    orchestrator = made.get();
    channel = TlsTestClients.party(orchestratorHost.grpcPort(), caDir, executor);
  }

  @AfterEach
  void stop() {
    if (link != null) {
      link.close();
    }
    channel.shutdownNow();
    orchestratorHost.close();
  }

  private MembershipLink link(Optional<Duration> timeout) throws InterruptedException {
    Joiner joiner = new Joiner(executor, "127.0.0.1:7100", "chicory test", true);
    BearerCredentials credentials = new BearerCredentials(executor);
    Joiner.Joined first =
        joiner.join(
            channel,
            credentials,
            Optional.of(TOKEN),
            Optional.empty(),
            MemberCapacity.getDefaultInstance());
    expect("join " + executor.did() + " endpoint=127.0.0.1:7100 token=" + TOKEN + " csr=false");
    link =
        new MembershipLink(
            new MembershipLink.Orchestrator(channel, credentials, joiner, "orchestrator"),
            first,
            () -> MemberCapacity.newBuilder().setTaskSlots(3).build(),
            draining::get,
            timeout,
            j -> rejoinedWith.add(j.orchestratorDid()),
            drainAsked::countDown);
    link.start();
    return link;
  }

  /** Waits for the next event that is not a heartbeat, or for a heartbeat when one is expected. */
  private void expect(String event) throws InterruptedException {
    boolean heartbeat = event.startsWith("heartbeat ");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      String next = orchestrator.events.poll(100, TimeUnit.MILLISECONDS);
      if (next == null || (!heartbeat && next.startsWith("heartbeat "))) {
        continue;
      }
      if (next.equals(event)) {
        return;
      }
      if (!heartbeat) {
        fail("expected '" + event + "', the orchestrator saw '" + next + "'");
      }
    }
    fail("the orchestrator never saw '" + event + "'");
  }

  @Test
  void heartbeatsCarryTheCapacityAndCountUp() throws Exception {
    link(Optional.empty());

    expect("heartbeat 1 draining=false slots=3");
    expect("heartbeat 2 draining=false slots=3");
    expect("heartbeat 3 draining=false slots=3");
    assertEquals(Optional.of(orchestrator.did()), link.orchestratorDid());
  }

  @Test
  void aDroppedStreamIsFollowedByAJoinWithoutTokenAndANewStream() throws Exception {
    link(Optional.empty());
    expect("heartbeat 2 draining=false slots=3");

    orchestrator.dropStreams();

    expect("join " + executor.did() + " endpoint=127.0.0.1:7100 token= csr=false");
    expect("heartbeat 1 draining=false slots=3");
    assertEquals(List.of(orchestrator.did()), rejoinedWith);
  }

  @Test
  void unansweredHeartbeatsAreGivenUpAndTheMemberJoinsAgain() throws Exception {
    link(Optional.of(Duration.ofMillis(300)));
    expect("heartbeat 1 draining=false slots=3");

    orchestrator.silent = true;

    expect("join " + executor.did() + " endpoint=127.0.0.1:7100 token= csr=false");
    orchestrator.silent = false;
    expect("heartbeat 1 draining=false slots=3");
  }

  @Test
  void heartbeatsSayWhenTheMemberDrainsAndTheOrchestratorsAskIsHandedOn() throws Exception {
    link(Optional.empty());
    expect("heartbeat 1 draining=false slots=3");

    orchestrator.askDrain = true;
    assertTrue(drainAsked.await(10, TimeUnit.SECONDS), "the request to drain was not handed on");
    draining.set(true);

    String event;
    do {
      event = orchestrator.events.poll(10, TimeUnit.SECONDS);
      assertNotNull(event, "no heartbeat said draining");
    } while (!event.contains("draining=true"));
  }

  @Test
  void leaveDeregistersAndEndsTheHeartbeats() throws Exception {
    link(Optional.empty());
    expect("heartbeat 1 draining=false slots=3");

    link.leave("drained");

    expect("leave " + executor.did() + " drained");
    expect("heartbeats ended by " + executor.did());
  }
}
