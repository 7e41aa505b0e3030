package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.await;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.ResultStatement;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.orchestrator.trust.Reputation;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Delegation between orchestrators: a peer's result must carry its signature and stay within the
 * slice it was given, and a peer may keep only so many tasks open here.
 */
class DelegationTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  /**
   * A peer orchestrator speaking the protocol: it accepts each delegated task and returns, as
   * ReturnTaskResult would, the result {@code answer} makes of it.
   */
  private static final class Peer implements PeerOrchestrators {
    /** How it answers. */
    enum Conduct {
      /** Charges half of the slice it was handed and signs its result. */
      HONEST,
      /** Its result is signed by another key, so nobody vouches for it. */
      UNSIGNED,
      /** Charges the whole budget, more than its slice, and signs that. */
      OVERCHARGES,
      /**
       * Hands the task to another peer, which signs and returns the result as itself: a peer the
       * delegator did not give the task to.
       */
      RELAYS,
      /** Returns a wrong output, with a receipt over it, signed: only a run elsewhere shows it. */
      FABRICATES
    }

    final Identity identity = Identity.generate();
    final Identity executor = Identity.generate();
    final Identity otherPeer = Identity.generate();
    final List<TaskPacket> delegated = new CopyOnWriteArrayList<>();
    private final JobCore core;
    private final Conduct conduct;

    Peer(JobCore core, Conduct conduct) {
      this.core = core;
      this.conduct = conduct;
    }

    @Override
    public List<String> peers() {
      return List.of("peer:1");
    }

    @Override
    public OptionalInt freeSlots(String peer, int peerDepth) {
      // Far more room than this orchestrator's one executor: every chunk is shared out to it.
      return OptionalInt.of(1_000);
    }

    @Override
    public Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId) {
      delegated.add(task);
      byte[] output =
          conduct == Conduct.FABRICATES
              ? "FABRICATED".getBytes(StandardCharsets.UTF_8)
              : FakeExecutor.honest(task.exportName(), task.chunk().bytes());
      Receipt receipt =
          new Receipt(
              task.taskId(),
              task.jobId(),
              executor.did(),
              "its-own-assignment",
              task.moduleCid(),
              task.chunk().cid(),
              Cid.of(output),
              task.exportName(),
              5,
              ("receipt by " + executor.did() + " of " + task.taskId())
                  .getBytes(StandardCharsets.UTF_8));
      Identity worker = conduct == Conduct.RELAYS ? otherPeer : identity;
      TaskResult result =
          new TaskResult(
              task.taskId(),
              requestId,
              "completed",
              output,
              Cid.of(output),
              worker.did(),
              List.of(receipt),
              null,
              null,
              "",
              5,
              conduct == Conduct.OVERCHARGES ? 1_000 : Math.max(1, task.maxPrice() / 2),
              1,
              new byte[0]);
      Identity signer =
          switch (conduct) {
            case UNSIGNED -> Identity.generate();
            case RELAYS -> otherPeer;
            default -> identity;
          };
      TaskResult returned = result.signedBy(signer::sign);
      // Returned after the call, as the real peer's ReturnTaskResult arrives on its own.
      CompletableFuture.runAsync(
          () -> core.pending.accept(returned, new PendingResults.Sender(worker.did(), true)));
      return new Delegated(true, "", identity.did());
    }

    @Override
    public void returnResult(String target, TaskResult result) {}
  }

  private JobResult runWith(Peer peer) {
    core.peers = peer;
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("delegated", "alpha\n", "bravo\n").module(JobCore.WITHOUT_MERGE).manifest(),
            SUBMITTER);
    return await(coordinator, jobId);
  }

  @Test
  void aSignedResultWithinItsSliceIsAcceptedAndThePeerReimbursed() {
    FakeExecutor local = core.executor("local");
    Peer peer = new Peer(core, Peer.Conduct.HONEST);

    JobResult result = runWith(peer);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\nBRAVO\n", new String(result.result(), StandardCharsets.UTF_8));
    // Each chunk was handed its fair share of the budget, 500 of 1,000, and charged half of it.
    assertEquals(2, peer.delegated.size());
    peer.delegated.forEach(p -> assertEquals(500, p.maxPrice()));
    peer.delegated.forEach(
        p -> assertEquals(List.of(core.self.did()), p.route().path(), "the path names us"));
    // The peer paid its executor from its own hold; this orchestrator reimburses the peer.
    assertEquals(500, core.ledger.balance(peer.identity.did()));
    assertEquals(500, result.status().manaSpent());
    assertTrue(local.assignments.isEmpty(), "nothing ran here");
  }

  @Test
  void aResultTheDelegateDidNotSignIsRefusedUnpaidAndTheChunkRunsHere() {
    FakeExecutor local = core.executor("local");
    // The peer's result, signed by someone else: nobody vouches for its receipt.
    Peer peer = new Peer(core, Peer.Conduct.UNSIGNED);

    JobResult result = runWith(peer);

    assertRanHereUnpaid(result, peer, local, "the fabrication is not paid");
    assertEquals(20, core.ledger.balance(local.did));
  }

  @Test
  void aPeerChargingMoreThanItsSliceIsRefusedUnpaid() {
    FakeExecutor local = core.executor("local");
    Peer greedy = new Peer(core, Peer.Conduct.OVERCHARGES);

    JobResult result = runWith(greedy);

    assertRanHereUnpaid(result, greedy, local, "an overcharge is not paid");
  }

  @Test
  void aResultFromAnotherPeerThanTheOneTheTaskWentToIsRefusedUnpaid() {
    FakeExecutor local = core.executor("local");
    // The peer's certificate proved one identity; the result comes signed and returned by
    // another peer, as if the first had passed the task on.
    Peer relay = new Peer(core, Peer.Conduct.RELAYS);

    JobResult result = runWith(relay);

    assertRanHereUnpaid(result, relay, local, "the relayed result is not paid");
  }

  /**
   * Asserts that the job completed with the right result, its peer's executor unpaid ({@code why}),
   * and both chunks run on {@code local} instead.
   */
  private void assertRanHereUnpaid(JobResult result, Peer peer, FakeExecutor local, String why) {
    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\nBRAVO\n", new String(result.result(), StandardCharsets.UTF_8));
    assertEquals(0, core.ledger.balance(peer.identity.did()), why);
    assertEquals(2, local.assignments.size(), "both chunks ran here instead");
  }

  /** Runs a two-chunk job under sample verification, every delegated result audited here. */
  private JobResult runAudited(Peer peer) {
    core.reputation =
        new Reputation.Options(0.2, 2.0, 0.5, 1.0, 1e12, java.time.Duration.ofMinutes(1));
    core.peers = peer;
    JobCoordinator coordinator = core.start();
    String jobId =
        coordinator.submit(
            job("audited", "alpha\n", "bravo\n")
                .module(JobCore.WITHOUT_MERGE)
                .verification("sample")
                .manifest(),
            SUBMITTER);
    return await(coordinator, jobId);
  }

  @Test
  void aFabricatedResultIsCaughtByAnAuditHereAndNotPaid() {
    FakeExecutor local = core.executor("local");
    Peer liar = new Peer(core, Peer.Conduct.FABRICATES);

    JobResult result = runAudited(liar);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\nBRAVO\n", new String(result.result(), StandardCharsets.UTF_8));
    assertEquals(0, core.ledger.balance(liar.identity.did()), "the fabrication is not paid");
    assertEquals(2, local.assignments.size(), "each chunk was audited here");
    assertEquals(20, core.ledger.balance(local.did), "the audits were paid");
    assertEquals(2, core.journal.executor(liar.identity.did()).caught(), "the peer was caught");
  }

  @Test
  void anHonestResultAuditedHereIsPaidToBoth() {
    FakeExecutor local = core.executor("local");
    Peer peer = new Peer(core, Peer.Conduct.HONEST);

    JobResult result = runAudited(peer);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals(2, local.assignments.size(), "each chunk was audited here");
    assertTrue(core.ledger.balance(peer.identity.did()) > 0, "the peer was reimbursed");
    assertEquals(20, core.ledger.balance(local.did), "and so were the audits");
    assertEquals(2, core.journal.executor(peer.identity.did()).verified());
  }

  @Test
  void aPeerKeepsOnlySoManyTasksOpenHereAndItsResultsComeBackSigned() throws Exception {
    core.maxDelegationsPerPeer = 1;
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    List<TaskResult> returned = new CopyOnWriteArrayList<>();
    core.peers =
        new PeerOrchestrators() {
          @Override
          public List<String> peers() {
            return List.of();
          }

          @Override
          public Delegated delegate(String p, TaskPacket t, String replyTo, String requestId) {
            throw new IllegalStateException("this orchestrator delegates nothing here");
          }

          @Override
          public void returnResult(String target, TaskResult result) {
            returned.add(result);
          }
        };
    JobCoordinator coordinator = core.start();
    // This orchestrator advances its executors' pay from its own mana.
    core.ledger.grant(core.self.did(), 1_000);
    Caller delegator = Caller.of(Identity.generate().did(), Role.PEER);
    byte[] chunk = "alpha\n".getBytes(StandardCharsets.UTF_8);
    TaskPacket task =
        new TaskPacket(
            "theirs:0",
            "theirs",
            0,
            Chunk.inline(chunk),
            Cid.of(JobCore.WITHOUT_MERGE),
            JobCore.WITHOUT_MERGE,
            1,
            60_000,
            new Limits(0, 0, 0, 0, 0),
            100,
            VerificationMode.HASH,
            "execute",
            null);

    coordinator.delegations().accept(task, "delegator:1", "their-request-1", delegator);
    slow.awaitAssignments(1);
    MeshException refused =
        assertThrows(
            MeshException.class,
            () ->
                coordinator
                    .delegations()
                    .accept(task, "delegator:1", "their-request-2", delegator));
    assertEquals(MeshException.Kind.RESOURCE_EXHAUSTED, refused.kind());
    assertEquals("TOO_MANY_DELEGATIONS", refused.reason());
    // A retry of the first call is the same delegation, not one more.
    assertEquals(
        0, coordinator.delegations().accept(task, "delegator:1", "their-request-1", delegator));

    slow.release();
    long until = System.nanoTime() + 30_000_000_000L;
    while (returned.isEmpty() && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    TaskResult result = returned.get(0);
    assertEquals("completed", result.status());
    assertEquals(core.self.did(), result.workerId());
    assertTrue(
        Ed25519.verify(
            DidKey.publicKey(core.self.did()),
            ResultStatement.of(result),
            result.workerSignature()),
        "this orchestrator vouches for what it returns");
    assertArrayEquals("ALPHA\n".getBytes(StandardCharsets.UTF_8), result.data());
    assertFalse(result.receipts().isEmpty());
  }

  /** A delegated packet of one short chunk, from {@code path}, offering {@code maxPrice}. */
  private static TaskPacket packet(List<String> path, long maxPrice) {
    byte[] chunk = "alpha\n".getBytes(StandardCharsets.UTF_8);
    return new TaskPacket(
        "theirs:0",
        "theirs",
        0,
        Chunk.inline(chunk),
        Cid.of(JobCore.WITHOUT_MERGE),
        JobCore.WITHOUT_MERGE,
        2,
        60_000,
        new Limits(0, 0, 0, 0, 0),
        maxPrice,
        VerificationMode.HASH,
        "execute",
        null,
        0,
        new TreeRoute(path, "", 0, 0, 0));
  }

  private MeshException refusal(TaskPacket task, Caller delegator) {
    JobCoordinator coordinator = core.start();
    core.ledger.grant(core.self.did(), 1_000);
    return assertThrows(
        MeshException.class,
        () -> coordinator.delegations().accept(task, "delegator:1", "request-1", delegator));
  }

  @Test
  void aTaskThatAlreadyPassedThisOrchestratorIsRefusedAsALoop() {
    Caller delegator = Caller.of(Identity.generate().did(), Role.PEER);
    MeshException e = refusal(packet(List.of(core.self.did(), delegator.did()), 100), delegator);
    assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind());
    assertEquals("DELEGATION_LOOP", e.reason());
    assertTrue(e.getMessage().contains(core.self.did()), e.getMessage());
  }

  @Test
  void aTaskThatTravelledFartherThanTheDepthAllowsIsRefused() {
    Caller delegator = Caller.of(Identity.generate().did(), Role.PEER);
    List<String> path =
        List.of(Identity.generate().did(), Identity.generate().did(), delegator.did());
    MeshException e = refusal(packet(path, 100), delegator);
    assertEquals(MeshException.Kind.FAILED_PRECONDITION, e.kind());
    assertEquals("DELEGATION_TOO_DEEP", e.reason());
  }

  @Test
  void aPathThatDoesNotEndWithTheCallerIsRefused() {
    Caller delegator = Caller.of(Identity.generate().did(), Role.PEER);
    MeshException e = refusal(packet(List.of(Identity.generate().did()), 100), delegator);
    assertEquals(MeshException.Kind.INVALID_ARGUMENT, e.kind());
    assertEquals("DELEGATION_PATH_MISMATCH", e.reason());
  }

  @Test
  void anOrchestratorWithoutTheManaToAdvanceItsExecutorsPayRefusesTheTask() {
    Caller delegator = Caller.of(Identity.generate().did(), Role.PEER);
    MeshException e = refusal(packet(List.of(delegator.did()), 5_000), delegator);
    assertEquals("INSUFFICIENT_MANA", e.reason());
  }

  @Test
  void aRangeSettledBeforeARestartIsKeptAndNotDelegatedAgain() throws Exception {
    core.executor("local");
    Peer peer = new Peer(core, Peer.Conduct.HONEST);
    core.peers = peer;
    // The process dies right after journaling its first task: the range of all five chunks the
    // peer ran, before its reimbursement.
    CrashingProcess first = new CrashingProcess(1);
    JobCoordinator before =
        core.start(
            first.port(JobStore.class, core.journal),
            first.port(ManaAccounts.class, core.ledger),
            first.port(ReceiptLog.class, core.receipts),
            first.port(io.meshwork.orchestrator.tasks.ExecutorFleet.class, core.fleet));
    String jobId =
        before.submit(
            job("ranged", "alpha\n", "bravo\n", "charlie\n", "delta\n", "echo\n").manifest(),
            SUBMITTER);
    first.awaitDeath();
    before.close();
    assertEquals(1, peer.delegated.size());
    assertEquals(jobId + ":0-4", peer.delegated.get(0).taskId(), "one range of the five chunks");

    JobCoordinator after = core.start();
    after.resumeUnfinished();
    JobResult result = await(after, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals(1, peer.delegated.size(), "the settled range was not delegated again");
    assertTrue(
        new String(result.result(), StandardCharsets.UTF_8).startsWith("ALPHA\nBRAVO\n"),
        new String(result.result(), StandardCharsets.UTF_8));
    assertEquals(1, core.ledger.paymentsFor(jobId + ":0-4"), "the peer was reimbursed once");
  }
}
