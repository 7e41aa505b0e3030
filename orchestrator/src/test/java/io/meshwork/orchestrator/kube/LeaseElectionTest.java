package io.meshwork.orchestrator.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshwork.orchestrator.leadership.Leadership;
import io.meshwork.orchestrator.scaling.ScalePolicy;
import io.meshwork.runtime.errors.MeshException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas contend for one Lease on the mock API server: exactly one leads, the other stands by
 * naming it; when the leader stops renewing (its process is gone), the other takes over within the
 * lease duration plus 5 s at a higher epoch; and a leader whose Lease is taken is deposed.
 */
class LeaseElectionTest {
  private static final Duration LEASE = Duration.ofSeconds(3);

  private final MockApiServer api = new MockApiServer();
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    api.close();
  }

  /** One replica: its Leadership, the epochs it fenced its journal at, whether it stopped. */
  private final class Replica {
    final List<Long> fenced = new CopyOnWriteArrayList<>();
    final AtomicBoolean stopped = new AtomicBoolean();
    final Leadership leadership;
    final KubernetesClient client;

    Replica(String identity, KubernetesClient client) {
      this.client = client;
      leadership =
          new Leadership(
              identity, List.of(fenced::add), List.of(), leads -> {}, () -> stopped.set(true));
      LeaseElection election = new LeaseElection(client, "test", options(identity), leadership);
      open.add(election);
      election.start();
    }
  }

  private static KubernetesOptions options(String identity) {
    return new KubernetesOptions(
        Optional.empty(),
        Optional.of("test"),
        "",
        "grpc",
        "meshwork-orchestrator",
        LEASE,
        Duration.ofSeconds(2),
        Duration.ofMillis(250),
        identity,
        "",
        new ScalePolicy(1, 10, 1, Duration.ZERO),
        Duration.ofSeconds(15));
  }

  private static void await(BooleanSupplier condition, Duration within, String what) {
    long until = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      pause(Duration.ofMillis(20));
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private Lease lease() {
    return api.client().leases().inNamespace("test").withName("meshwork-orchestrator").get();
  }

  @Test
  void oneLeadsTheOtherTakesOverAtAHigherEpochWhenTheLeaderStopsRenewing() {
    Replica first = new Replica("orchestrator-a", api.client());
    Replica second = new Replica("orchestrator-b", api.client());

    await(
        () -> first.leadership.leads() || second.leadership.leads(),
        Duration.ofSeconds(10),
        "one replica leads");
    // Several renewals later, still exactly one.
    pause(Duration.ofSeconds(1));
    Replica leader = first.leadership.leads() ? first : second;
    Replica standBy = leader == first ? second : first;
    assertTrue(leader.leadership.leads());
    assertFalse(standBy.leadership.leads(), "exactly one leads");
    // A new Lease counts 0 transitions; its first leader fences above the never-fenced epoch 0.
    assertEquals(List.of(1L), leader.fenced, "the first leader's epoch");
    assertEquals(List.of(), standBy.fenced, "a stand-by never fences");
    String leaderName = lease().getSpec().getHolderIdentity();
    try {
      standBy.leadership.requireLeading();
      throw new AssertionError("a stand-by must refuse");
    } catch (MeshException e) {
      assertEquals(
          "this orchestrator replica is standing by; the leader is " + leaderName, e.getMessage());
    }

    // The leader's process is gone: it renews nothing from now on, nor releases the Lease.
    long gone = System.nanoTime();
    leader.client.close();
    await(
        standBy.leadership::leads,
        LEASE.plusSeconds(5),
        "the stand-by takes over within the lease duration plus 5 s");
    assertTrue(System.nanoTime() - gone <= LEASE.plusSeconds(5).toNanos());
    assertEquals(1, standBy.fenced.size());
    assertTrue(
        standBy.fenced.get(0) > leader.fenced.get(0),
        "the new leader's epoch is higher: " + standBy.fenced + " after " + leader.fenced);
    assertEquals(standBy.fenced.get(0), lease().getSpec().getLeaseTransitions() + 1L);
  }

  @Test
  void aLeaderWhoseLeaseIsTakenIsDeposedAndStops() {
    Replica only = new Replica("orchestrator-a", api.client());
    await(only.leadership::leads, Duration.ofSeconds(10), "it leads");

    // Someone else holds the Lease now, freshly renewed.
    KubernetesClient intruder = api.client();
    await(
        () -> {
          Lease taken = lease();
          taken.getSpec().setHolderIdentity("orchestrator-z");
          taken.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
          taken.getSpec().setLeaseTransitions(taken.getSpec().getLeaseTransitions() + 1);
          try {
            intruder.resource(taken).update();
            return true;
          } catch (KubernetesClientException renewedMeanwhile) {
            return false;
          }
        },
        Duration.ofSeconds(10),
        "the Lease is taken");

    await(only.stopped::get, Duration.ofSeconds(10), "the deposed leader stops");
    assertFalse(only.leadership.leads());
  }
}
