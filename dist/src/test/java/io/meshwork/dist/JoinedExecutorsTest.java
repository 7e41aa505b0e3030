package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors that join a running mesh, on loopback, as separate processes: the orchestrator's own
 * executor runs a job when nobody else is there and nothing when a remote one is; two joined
 * executors share a job and are paid; one frozen with SIGSTOP is noticed by heartbeats alone (the
 * assignment probes are off) and its task placed again within seconds; one told to stop with
 * SIGTERM mid-task returns that task's result, takes nothing more, and deregisters. The stages run
 * in order on one mesh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JoinedExecutorsTest {
  // Comfortably longer than any stage needs, and far shorter than a task's wall-time limit (2 min):
  // a task taken back "at the deadline" could not finish inside it.
  private static final Duration STAGE = Duration.ofSeconds(90);

  @TempDir static Path dataDir;
  private JoiningMesh mesh;
  private MeshClient operator;
  private MeshClient user;
  private String localDid;
  private String did1;
  private String did2;
  // Bytes of slow-echo input that take about a second of one engine thread here.
  private int bytesPerSecond;

  @BeforeAll
  void startCore() throws Exception {
    mesh =
        new JoiningMesh(
            dataDir,
            "127.0.0.1",
            Optional.empty(),
            Map.of(
                "orchestrator.admission", "token",
                "orchestrator.probe-interval-ms", "0",
                "rfc0016.t2-ms", "3000",
                "limits.fuel", "100000000000000",
                "limits.wall-time-ms", "120000"));
    operator = mesh.operator();
    user = mesh.client(Identity.generate());
    did1 = mesh.identity("executor-1").did();
    did2 = mesh.identity("executor-2").did();
  }

  @AfterAll
  void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  @Order(1)
  void withNoExecutorTheOrchestratorsOwnRunsTheJob() {
    List<ExecutorMember> members = operator.members(false);
    assertEquals(1, members.size(), members.toString());
    assertEquals("local", members.get(0).source());
    localDid = members.get(0).did();

    JobRequest job = MeshFixtures.wordCountJob(SampleText.generate(3_000, 7), 1_000).build();
    JobResult result = MeshFixtures.runWordCount(user, job, STAGE);

    for (TaskPlacement p : user.placements(result.jobId())) {
      assertEquals(localDid, p.getWinnerDid(), p.toString());
    }
    assertTrue(user.placements(result.jobId()).size() > 2);
  }

  @Test
  @Order(2)
  void twoJoinedExecutorsShareAJobAreBothPaidAndNothingRunsLocally() throws Exception {
    String token = operator.createJoinToken(Duration.ofMinutes(10), 2, "two executors").token();
    mesh.executor("executor-1", token, Optional.empty(), "127.0.0.1", Map.of());
    mesh.executor("executor-2", token, Optional.empty(), "127.0.0.1", Map.of());
    awaitState(did1, ExecutorMember.State.LIVE);
    awaitState(did2, ExecutorMember.State.LIVE);

    JobRequest job = MeshFixtures.wordCountJob(SampleText.generate(8_000, 11), 1_000).build();
    JobResult result = MeshFixtures.runWordCount(user, job, STAGE);

    Set<String> winners =
        user.placements(result.jobId()).stream()
            .map(TaskPlacement::getWinnerDid)
            .collect(Collectors.toSet());
    assertEquals(Set.of(did1, did2), winners, "both ran tasks, and the local executor none");
    Path ca = mesh.caCertificate().getParent();
    assertTrue(MeshFixtures.balance(mesh.base + 1, ca, mesh.identity("executor-1")) > 0);
    assertTrue(MeshFixtures.balance(mesh.base + 1, ca, mesh.identity("executor-2")) > 0);
    bytesPerSecond = SlowEcho.bytesPerSecond(user, STAGE);
  }

  @Test
  @Order(3)
  void aFrozenExecutorIsLostByItsSilenceAndItsTaskFinishesElsewhereWithinSeconds()
      throws Exception {
    // Tasks of about 3 s each, more than the two executors have slots, so each runs some.
    byte[] input = SlowEcho.lines(4, 3 * bytesPerSecond);
    long submittedAt = System.currentTimeMillis();
    String jobId = user.submit(SlowEcho.job(input));
    awaitRunning(did1, jobId, submittedAt);
    mesh.signal("executor-1", "STOP");
    long stoppedAt = System.currentTimeMillis();

    JoiningMesh.await(
        () ->
            state(did1) == ExecutorMember.State.SUSPECT || state(did1) == ExecutorMember.State.LOST,
        STAGE,
        "executor-1 is suspect");
    JoiningMesh.await(() -> state(did1) == ExecutorMember.State.LOST, STAGE, "executor-1 is lost");
    long lostAt = System.currentTimeMillis();
    JobResult result = user.result(jobId, STAGE);
    assertTrue(result.success(), result.error());
    assertEquals(
        new String(input, StandardCharsets.UTF_8),
        new String(result.bytes(), StandardCharsets.UTF_8));

    List<TaskPlacement> placements = user.placements(jobId);
    // The task it was running when frozen is given up as lost. (An assignment sent to it after
    // the signal may fail first, unacknowledged, and be placed again: that is not the one.)
    TaskPlacement lostOne =
        placements.stream()
            .filter(p -> p.getWinnerDid().equals(did1) && p.getOutcome().contains("was lost"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(placements.toString()));
    TaskPlacement again =
        placements.stream()
            .filter(
                p ->
                    p.getTaskId().equals(lostOne.getTaskId())
                        && p.getAttempt() > lostOne.getAttempt())
            .findFirst()
            .orElseThrow(() -> new AssertionError(placements.toString()));
    assertFalse(again.getWinnerDid().equals(did1));
    long takenBack = again.getDecidedAt() - stoppedAt;
    System.out.printf(
        "frozen executor: lost %d ms after SIGSTOP, its task placed again after %d ms%n",
        lostAt - stoppedAt, takenBack);
    // Five seconds of silence and a sweep make it lost, and its attempt is given up then: the
    // task is auctioned again at once (and may wait there for a free slot), nowhere near the
    // two-minute wall-time limit at which it would otherwise have been given up.
    assertTrue(lostAt - stoppedAt < 8_000, "lost after " + (lostAt - stoppedAt) + " ms");
    assertTrue(takenBack < 30_000, "placed again after " + takenBack + " ms");

    double standing = member(did1).reputation();
    mesh.signal("executor-1", "CONT");
    awaitState(did1, ExecutorMember.State.LIVE);
    assertEquals(standing, member(did1).reputation(), 1e-9, "it keeps its reputation");
  }

  @Test
  @Order(4)
  void sigtermMidTaskReturnsThatResultTakesNothingMoreAndDeregisters() throws Exception {
    byte[] input = SlowEcho.lines(4, 3 * bytesPerSecond);
    long submittedAt = System.currentTimeMillis();
    String jobId = user.submit(SlowEcho.job(input));
    awaitRunning(did2, jobId, submittedAt);
    mesh.signal("executor-2", "TERM");
    long signalledAt = System.currentTimeMillis();

    JobResult result = user.result(jobId, STAGE);
    assertTrue(result.success(), result.error());
    assertEquals(
        new String(input, StandardCharsets.UTF_8),
        new String(result.bytes(), StandardCharsets.UTF_8));
    awaitState(did2, ExecutorMember.State.LEFT);

    List<TaskPlacement> placements = user.placements(jobId);
    List<TaskPlacement> onTwo =
        placements.stream().filter(p -> p.getWinnerDid().equals(did2)).toList();
    assertFalse(onTwo.isEmpty(), placements.toString());
    for (TaskPlacement p : onTwo) {
      // Whatever it had started it finished and returned; a task placed there that had not
      // started may have been withdrawn for an executor with a free slot, or refused by the
      // draining executor and auctioned again (under load its assignment can arrive after the
      // signal); nothing placed after the signal was taken by it.
      if (p.getDecidedAt() < signalledAt) {
        assertTrue(
            p.getOutcome().startsWith("accepted")
                || p.getOutcome().startsWith("withdrawn")
                || p.getOutcome().startsWith("the executor is draining"),
            p.toString());
      } else {
        assertFalse(p.getOutcome().startsWith("accepted"), p.toString());
      }
    }
    for (TaskPlacement p : placements) {
      assertFalse(p.getOutcome().startsWith("failed"), p.toString());
    }
    assertTrue(
        onTwo.stream()
            .anyMatch(p -> p.getDecidedAt() < signalledAt && p.getOutcome().startsWith("accepted")),
        "the task it ran when told to stop came back from it: " + onTwo);
  }

  @Test
  @Order(5)
  void anOperatorsDrainMakesAnExecutorLeaveAndStop() throws Exception {
    assertEquals(ExecutorMember.State.DRAINING, operator.drain(did1));
    awaitState(did1, ExecutorMember.State.LEFT);
    JoiningMesh.await(() -> !mesh.alive("executor-1"), STAGE, "executor-1 stops");
    // With no member left, the orchestrator's own executor takes the work again.
    JobResult result =
        MeshFixtures.runWordCount(
            user, MeshFixtures.wordCountJob(SampleText.generate(2_000, 3), 1_000).build(), STAGE);
    for (TaskPlacement p : user.placements(result.jobId())) {
      assertEquals(localDid, p.getWinnerDid(), p.toString());
    }
  }

  private ExecutorMember member(String did) {
    return JoiningMesh.member(operator, did)
        .orElseThrow(() -> new AssertionError("no member " + did));
  }

  private ExecutorMember.State state(String did) {
    return JoiningMesh.member(operator, did).map(ExecutorMember::state).orElse(null);
  }

  /** Waits until a heartbeat of {@code did} sent after {@code since} says it runs a task. */
  private void awaitRunning(String did, String jobId, long since) throws InterruptedException {
    try {
      JoiningMesh.await(
          () ->
              JoiningMesh.member(operator, did)
                  .filter(m -> m.lastHeartbeat() != null)
                  .filter(m -> m.lastHeartbeat().toEpochMilli() > since)
                  .filter(m -> m.capacity().running() > 0)
                  .isPresent(),
          STAGE,
          did + " runs a task of " + jobId);
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage()
              + "; members "
              + operator.members(true)
              + "; placements "
              + user.placements(jobId),
          e);
    }
  }

  private void awaitState(String did, ExecutorMember.State state) throws InterruptedException {
    JoiningMesh.await(
        () -> state(did) == state, STAGE, did + " is " + state + " (it is " + state(did) + ")");
  }
}
