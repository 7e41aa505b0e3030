package io.meshwork.orchestrator.jobs;

import static io.meshwork.orchestrator.jobs.JobCore.SUBMITTER;
import static io.meshwork.orchestrator.jobs.JobCore.job;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.orchestrator.tasks.PeerOrchestrators;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A delegator notices a peer that lost the task it was handed, by asking it (GetDelegation) while
 * it waits, and runs the task elsewhere long before the task's deadline: the peer says it no longer
 * runs it (it restarted), or its process is gone (connections refused).
 */
class LostDelegateTest {
  private final JobCore core = new JobCore();

  @AfterEach
  void close() throws Exception {
    core.close();
  }

  /** A peer that accepts every task and never returns a result; asked, it answers as told. */
  private static final class SilentPeer implements PeerOrchestrators {
    final List<TaskPacket> delegated = new CopyOnWriteArrayList<>();
    private final DelegationState answer;

    /** {@code answer} null: its process is gone, and connections to it are refused. */
    SilentPeer(DelegationState answer) {
      this.answer = answer;
    }

    @Override
    public List<String> peers() {
      return List.of("peer:1");
    }

    @Override
    public OptionalInt freeSlots(String peer, int peerDepth) {
      return OptionalInt.of(1_000);
    }

    @Override
    public Delegated delegate(String peer, TaskPacket task, String replyTo, String requestId) {
      delegated.add(task);
      return new Delegated(true, "", "");
    }

    @Override
    public void returnResult(String target, TaskResult result) {}

    @Override
    public DelegationState delegationState(String target, String requestId) {
      if (answer == null) {
        throw new RemoteCallFailed("connection refused", "UNAVAILABLE", true);
      }
      return answer;
    }
  }

  private void runsHereOnceThePeerIsFoundLost(SilentPeer peer) {
    FakeExecutor local = core.executor("local");
    core.peers = peer;
    JobCoordinator coordinator = core.start();
    // The clock stands still: only the probes can end the wait for the peer, not the deadline.
    String jobId =
        coordinator.submit(
            job("lost", "alpha\n", "bravo\n").module(JobCore.WITHOUT_MERGE).manifest(), SUBMITTER);
    JobResult result = JobCore.await(coordinator, jobId);

    assertEquals(JobState.COMPLETED, result.status().state());
    assertEquals("ALPHA\nBRAVO\n", new String(result.result(), StandardCharsets.UTF_8));
    assertTrue(!peer.delegated.isEmpty(), "the work went to the peer first");
    assertEquals(2, local.assignments.size(), "both chunks ran here once the peer was lost");
    assertEquals(0, core.ledger.balance("peer:1"), "the peer is not paid");
  }

  @Test
  void aPeerThatSaysItNoLongerRunsTheTaskIsGivenUpAtOnce() {
    runsHereOnceThePeerIsFoundLost(new SilentPeer(PeerOrchestrators.DelegationState.UNKNOWN));
  }

  @Test
  void aPeerWhoseProcessIsGoneIsGivenUpAfterTwoRefusedConnections() {
    runsHereOnceThePeerIsFoundLost(new SilentPeer(null));
  }
}
