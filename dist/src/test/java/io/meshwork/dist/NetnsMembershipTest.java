package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.ExecutorMember;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.TaskPlacement;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors on other hosts: three network namespaces on a private subnet, the core (orchestrator,
 * ledger, receipt log) in one and an executor in each of the others, joining over the subnet with
 * {@code --join}. Both run a job's chunks and are paid; then one executor's link is cut, as a
 * pulled cable would: no connection is told, only its silence shows. It is lost within seconds, its
 * task finishes on the other, the result is right; the link back, it rejoins with its reputation.
 * Where namespaces cannot be made (not root), the test says why and is skipped; JoinedExecutorsTest
 * runs the same membership over loopback everywhere.
 */
class NetnsMembershipTest {
  private static final Duration STAGE = Duration.ofSeconds(120);

  @TempDir Path dataDir;

  @Test
  void executorsJoinFromOtherHostsAndOneWhoseLinkIsCutIsLostAndRejoins() throws Exception {
    StringBuilder whyNot = new StringBuilder();
    Optional<TestSubnet> made = TestSubnet.create(whyNot);
    Assumptions.assumeTrue(
        made.isPresent(),
        "network namespaces cannot be made here ("
            + whyNot
            + "); JoinedExecutorsTest covers membership over loopback");
    try (TestSubnet subnet = made.get()) {
      TestSubnet.Host core = subnet.add("c", 1);
      TestSubnet.Host one = subnet.add("a", 2);
      TestSubnet.Host two = subnet.add("b", 3);
      try (JoiningMesh mesh =
          new JoiningMesh(
              dataDir,
              core.address(),
              Optional.of(core.namespace()),
              Map.of(
                  "orchestrator.admission", "token",
                  "orchestrator.local-slots", "0",
                  "rfc0016.t2-ms", "3000",
                  "limits.fuel", "100000000000000",
                  "limits.wall-time-ms", "120000"))) {
        run(mesh, subnet, one, two);
      }
    }
  }

  private static void run(
      JoiningMesh mesh, TestSubnet subnet, TestSubnet.Host one, TestSubnet.Host two)
      throws Exception {
    MeshClient operator = mesh.operator();
    MeshClient user = mesh.client(Identity.generate());
    String token = operator.createJoinToken(Duration.ofMinutes(10), 2, "netns").token();
    String did1 = mesh.identity("executor-1").did();
    String did2 = mesh.identity("executor-2").did();
    mesh.executor("executor-1", token, Optional.of(one.namespace()), one.address(), Map.of());
    mesh.executor("executor-2", token, Optional.of(two.namespace()), two.address(), Map.of());
    awaitState(operator, did1, ExecutorMember.State.LIVE);
    awaitState(operator, did2, ExecutorMember.State.LIVE);
    assertEquals(one.address(), member(operator, did1).endpoint().split(":")[0]);

    JobRequest words = MeshFixtures.wordCountJob(SampleText.generate(8_000, 13), 1_000).build();
    JobResult counted = MeshFixtures.runWordCount(user, words, STAGE);
    Set<String> winners =
        user.placements(counted.jobId()).stream()
            .map(TaskPlacement::getWinnerDid)
            .collect(Collectors.toSet());
    assertEquals(Set.of(did1, did2), winners);
    Path ca = mesh.caCertificate().getParent();
    assertTrue(balance(mesh, ca, "executor-1") > 0, "executor-1 was paid");
    assertTrue(balance(mesh, ca, "executor-2") > 0, "executor-2 was paid");

    // Tasks of about 3 s, so that executor-1 holds one when its cable is pulled.
    byte[] input = SlowEcho.lines(4, 3 * SlowEcho.bytesPerSecond(user, STAGE));
    long submittedAt = System.currentTimeMillis();
    String jobId = user.submit(SlowEcho.job(input));
    JoiningMesh.await(
        () ->
            JoiningMesh.member(operator, did1)
                .filter(m -> m.lastHeartbeat() != null)
                .filter(m -> m.lastHeartbeat().toEpochMilli() > submittedAt)
                .filter(m -> m.capacity().running() > 0)
                .isPresent(),
        STAGE,
        "executor-1 runs a task");
    subnet.cut(one);
    long cutAt = System.currentTimeMillis();
    awaitState(operator, did1, ExecutorMember.State.LOST);
    long lostAfter = System.currentTimeMillis() - cutAt;
    JobResult echoed = user.result(jobId, STAGE);
    // Read once the job is over: the lost attempt counts against it by then.
    double standing = member(operator, did1).reputation();
    assertTrue(echoed.success(), echoed.error());
    assertEquals(
        new String(input, StandardCharsets.UTF_8),
        new String(echoed.bytes(), StandardCharsets.UTF_8));
    List<TaskPlacement> placements = user.placements(jobId);
    assertTrue(
        placements.stream()
            .anyMatch(p -> p.getWinnerDid().equals(did1) && p.getOutcome().contains("was lost")),
        placements.toString());
    System.out.printf("cut link: executor-1 lost %d ms after the cut%n", lostAfter);
    assertTrue(lostAfter < 8_000, "lost " + lostAfter + " ms after the cut");

    subnet.restore(one);
    awaitState(operator, did1, ExecutorMember.State.LIVE);
    assertEquals(standing, member(operator, did1).reputation(), 1e-9, "it keeps its reputation");
  }

  private static long balance(JoiningMesh mesh, Path ca, String executor) throws Exception {
    return MeshFixtures.balance(mesh.host, mesh.base + 1, ca, mesh.identity(executor));
  }

  private static ExecutorMember member(MeshClient operator, String did) {
    return JoiningMesh.member(operator, did).orElseThrow(() -> new AssertionError("no " + did));
  }

  private static void awaitState(MeshClient operator, String did, ExecutorMember.State state)
      throws InterruptedException {
    JoiningMesh.await(
        () -> JoiningMesh.member(operator, did).map(ExecutorMember::state).orElse(null) == state,
        STAGE,
        did + " is " + state);
  }
}
