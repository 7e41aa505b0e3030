package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.jobs.DelegationRecovery.Step;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.PeerOrchestrators.DelegationState;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.orchestrator.tasks.VerificationMode;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sub-manager restarted from its journal with a delegated task it had not finished: it resumes
 * the task only while its delegator still awaits the result, keeping (and not paying again) the
 * parts it settled before the crash; otherwise it releases the task's hold and pays nothing more.
 */
class DelegationRecoveryTest {
  private static final String REQUEST = "delegation-1";
  private static final long SLICE = 100;
  private static final long PAID_BEFORE = 10;
  private static final byte[] INPUT = "alpha\nbravo\n".getBytes(StandardCharsets.UTF_8);

  private final JobCore core = new JobCore();
  private final Identity delegator = Identity.generate();
  private final Identity earlierExecutor = Identity.generate();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  @Test
  void theDecision() {
    long deadline = 1_000;
    Optional<DelegationState> awaited = Optional.of(DelegationState.AWAITED);
    assertEquals(Step.RESUME, DelegationRecovery.decide(deadline, 999, awaited));
    assertEquals(Step.ABANDON, DelegationRecovery.decide(deadline, 1_000, awaited), "too late");
    assertEquals(
        Step.ABANDON,
        DelegationRecovery.decide(deadline, 10, Optional.of(DelegationState.UNKNOWN)),
        "the delegator placed it elsewhere, finished, or restarted itself");
    assertEquals(
        Step.ABANDON,
        DelegationRecovery.decide(deadline, 10, Optional.of(DelegationState.RUNNING)));
    assertEquals(
        Step.ASK_AGAIN,
        DelegationRecovery.decide(deadline, 10, Optional.empty()),
        "a delegator that does not answer may still wait");
    assertEquals(Step.ABANDON, DelegationRecovery.decide(deadline, 1_001, Optional.empty()));
  }

  /**
   * A delegator that answers GetDelegation with {@code state} (none: it does not answer), and takes
   * the results returned to it.
   */
  private static final class Delegator implements PeerOrchestrators {
    final List<TaskResult> returned = new CopyOnWriteArrayList<>();
    final List<String> asked = new CopyOnWriteArrayList<>();
    private final DelegationState state;

    Delegator(DelegationState state) {
      this.state = state;
    }

    @Override
    public List<String> peers() {
      return List.of();
    }

    @Override
    public Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId) {
      throw new IllegalStateException("the sub-manager hands nothing on here");
    }

    @Override
    public void returnResult(String target, TaskResult result) {
      returned.add(result);
    }

    @Override
    public DelegationState delegationState(String target, String requestId) {
      asked.add(target + " " + requestId);
      if (state == null) {
        throw new RemoteCallFailed("connection refused", "UNAVAILABLE", true);
      }
      return state;
    }
  }

  /**
   * The journal and the ledger as a sub-manager killed mid-task left them: it had accepted a range
   * of two lines from the delegator, held its slice, cut the range in two parts, and settled and
   * paid the first part before it died.
   */
  private void crashedMidTask(long deadlineMillis) {
    core.ledger.grant(core.self.did(), 1_000);
    String self = core.self.did();
    String holdId =
        core.ledger.hold("hold:" + self + ":delegation:" + REQUEST, self, SLICE, "theirs", 600_000);
    core.ledger.pay(
        "pay:" + self + ":" + REQUEST + ":theirs:0/0",
        holdId,
        earlierExecutor.did(),
        PAID_BEFORE,
        REQUEST + ":theirs:0/0");
    TaskPacket packet =
        new TaskPacket(
            "theirs:0",
            "theirs",
            0,
            Chunk.inline(INPUT),
            Cid.of(JobCore.WITH_MERGE),
            JobCore.WITH_MERGE,
            1,
            60_000,
            new Limits(0, 0, 0, 0, 0),
            SLICE,
            VerificationMode.HASH,
            "execute",
            null,
            0,
            new TreeRoute(List.of(delegator.did()), "lines", 0, 0, 0));
    DelegationJournal journal = core.journal.delegations();
    journal.accepted(
        new DelegationJournal.Accepted(
            REQUEST,
            delegator.did(),
            "delegator:1",
            packet,
            holdId,
            deadlineMillis,
            core.clock.millis()));
    journal.fixCut(REQUEST, List.of(0L, 6L, 12L));
    byte[] first = "ALPHA\n".getBytes(StandardCharsets.UTF_8);
    journal.settled(
        REQUEST,
        new DelegationJournal.SettledPart(
            "theirs:0/0",
            first,
            Cid.of(first),
            new Receipt(
                "theirs:0/0",
                "theirs",
                earlierExecutor.did(),
                "assignment-before-the-crash",
                Cid.of(JobCore.WITH_MERGE),
                Cid.of("alpha\n".getBytes(StandardCharsets.UTF_8)),
                Cid.of(first),
                "execute",
                5,
                "leaf".getBytes(StandardCharsets.UTF_8)),
            PAID_BEFORE));
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("never happened: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void anAcceptedTaskIsJournaledWithItsHoldUntilItsResultIsReturned() throws Exception {
    FakeExecutor slow = core.executor("slow");
    slow.holding = true;
    Delegator waiting = new Delegator(DelegationState.AWAITED);
    core.peers = waiting;
    JobCoordinator coordinator = core.start();
    core.ledger.grant(core.self.did(), 1_000);
    TaskPacket packet =
        new TaskPacket(
            "theirs:0",
            "theirs",
            0,
            Chunk.inline(INPUT),
            Cid.of(JobCore.WITH_MERGE),
            JobCore.WITH_MERGE,
            1,
            60_000,
            new Limits(0, 0, 0, 0, 0),
            SLICE,
            VerificationMode.HASH,
            "execute",
            null,
            0,
            new TreeRoute(List.of(delegator.did()), "", 0, 0, 0));

    coordinator
        .delegations()
        .accept(packet, "delegator:1", REQUEST, Caller.of(delegator.did(), Role.PEER));
    slow.awaitAssignments(1);

    DelegationJournal.Accepted journaled = core.journal.delegations().open().get(0);
    assertEquals(REQUEST, journaled.requestId());
    assertEquals(delegator.did(), journaled.delegatorDid());
    assertEquals("delegator:1", journaled.replyTo());
    assertEquals(1, core.ledger.openHolds(), "the hold it names is open");
    assertTrue(
        coordinator.delegations().runsFor(REQUEST, delegator.did()), "GetDelegation: RUNNING");
    assertTrue(
        !coordinator.delegations().runsFor(REQUEST, Identity.generate().did()),
        "only to the delegator");

    slow.release();
    await(() -> !waiting.returned.isEmpty(), "the result returned");
    await(() -> core.journal.delegations().open().isEmpty(), "the delegation forgotten");
    assertTrue(!coordinator.delegations().runsFor(REQUEST, delegator.did()));
  }

  @Test
  void aDelegatorThatNoLongerAwaitsTheResultGetsNothingAndTheHoldIsReleased() throws Exception {
    FakeExecutor local = core.executor("local");
    Delegator gaveUp = new Delegator(DelegationState.UNKNOWN);
    core.peers = gaveUp;
    crashedMidTask(core.clock.millis() + 60_000);
    int movesBefore = core.ledger.requestIds().size();

    JobCoordinator restarted = core.start();
    restarted.resumeUnfinished();
    await(() -> core.ledger.openHolds() == 0, "the hold released");

    assertEquals(List.of("delegator:1 " + REQUEST), gaveUp.asked, "it asked its delegator first");
    assertEquals(
        List.of("release:" + core.self.did() + ":delegation:" + REQUEST),
        core.ledger.requestIds().subList(movesBefore, core.ledger.requestIds().size()),
        "nothing paid after the restart, only the hold's rest released");
    assertEquals(
        1_000 - PAID_BEFORE, core.ledger.balance(core.self.did()), "it bears its sunk pay");
    assertEquals(PAID_BEFORE, core.ledger.balance(earlierExecutor.did()), "paid once, before");
    assertTrue(local.assignments.isEmpty(), "no work resumed");
    assertTrue(gaveUp.returned.isEmpty(), "no result returned");
    await(() -> core.journal.delegations().open().isEmpty(), "the delegation forgotten");
  }

  @Test
  void aDelegatorThatStillAwaitsTheResultGetsItWithoutAnyPartPaidTwice() throws Exception {
    FakeExecutor local = core.executor("local");
    Delegator waiting = new Delegator(DelegationState.AWAITED);
    core.peers = waiting;
    crashedMidTask(core.clock.millis() + 60_000);

    JobCoordinator restarted = core.start();
    restarted.resumeUnfinished();
    await(() -> !waiting.returned.isEmpty(), "the result returned");

    TaskResult result = waiting.returned.get(0);
    assertEquals("completed", result.status(), result.errorMessage());
    assertEquals(REQUEST, result.assignmentId());
    // The part settled before the crash is kept; the second part and the merge run now.
    assertEquals("ALPHA\n|BRAVO\n", new String(result.data(), StandardCharsets.UTF_8));
    assertEquals(
        List.of("theirs:0/1", "theirs:0/merge"),
        local.assignments.stream().map(Assignment::taskId).sorted().toList(),
        "only what was not settled ran again");
    assertEquals(1, core.ledger.paymentsFor(REQUEST + ":theirs:0/0"), "the first part paid once");
    assertEquals(1, core.ledger.paymentsFor(REQUEST + ":theirs:0/1"));
    assertEquals(1, core.ledger.paymentsFor(REQUEST + ":theirs:0/merge"));
    long paidNow = core.ledger.balance(local.did);
    assertEquals(PAID_BEFORE + paidNow, result.price(), "the price counts every part, once");
    await(() -> core.ledger.openHolds() == 0, "the hold released");
    assertEquals(1_000 - PAID_BEFORE - paidNow, core.ledger.balance(core.self.did()));
    await(() -> core.journal.delegations().open().isEmpty(), "the delegation finished");
  }

  @Test
  void aDelegatorThatDoesNotAnswerIsWaitedForOnlyUntilTheDeadline() throws Exception {
    FakeExecutor local = core.executor("local");
    Delegator gone = new Delegator(null);
    core.peers = gone;
    crashedMidTask(core.clock.millis() + 60_000);
    // The restart comes after the task's deadline: the delegator stopped waiting long ago.
    core.clock.advance(Duration.ofMinutes(2));

    JobCoordinator restarted = core.start();
    restarted.resumeUnfinished();
    await(() -> core.ledger.openHolds() == 0, "the hold released");

    assertTrue(local.assignments.isEmpty(), "no work resumed");
    assertEquals(1, core.ledger.paymentsFor(REQUEST + ":theirs:0/0"));
    assertEquals(1_000 - PAID_BEFORE, core.ledger.balance(core.self.did()));
  }
}
