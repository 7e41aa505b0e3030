package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.TaskPacket;
import java.util.List;
import java.util.Map;

/**
 * Port: the tasks peers delegated here that this orchestrator accepted and has not finished, with
 * the parts of each it has already settled (paid), so that after a restart it can resume a task
 * without paying any part twice, or abandon it and release its hold.
 */
public interface DelegationJournal {
  /**
   * A delegated task as it was accepted.
   *
   * @param requestId the delegator's id for the delegation
   * @param delegatorDid who delegated it (the peer that may ask about it)
   * @param replyTo the delegator's address, for its result and for asking whether it still awaits
   *     it
   * @param packet the task as it arrived
   * @param holdId the hold of this orchestrator's own mana that pays for it
   * @param deadlineMillis when the delegator stops waiting for the result (epoch milliseconds)
   * @param acceptedAt when it was accepted (epoch milliseconds)
   */
  record Accepted(
      String requestId,
      String delegatorDid,
      String replyTo,
      TaskPacket packet,
      String holdId,
      long deadlineMillis,
      long acceptedAt) {}

  /**
   * A part of a delegated task this orchestrator settled: verified, anchored and paid.
   *
   * @param taskId the part's task id
   * @param result its result's bytes
   * @param resultCid their CID
   * @param receipt the receipt of the run that produced them
   * @param paid everything paid for it (its price and every agreeing run's)
   */
  record SettledPart(String taskId, byte[] result, String resultCid, Receipt receipt, long paid) {}

  /** Records a task accepted (idempotent by request id). */
  void accepted(Accepted delegation);

  /** Records a part of delegation {@code requestId} settled (idempotent by task id). */
  void settled(String requestId, SettledPart part);

  /** The parts of delegation {@code requestId} settled so far, by task id. */
  Map<String, SettledPart> settledParts(String requestId);

  /**
   * Records how delegation {@code requestId}'s input was cut into parts, once: the parts' byte
   * boundaries, from 0 to the input's size. A resumed task must cut its input exactly as before, so
   * that a part settled before the restart is the same part after it. Returns the cut recorded
   * first.
   */
  List<Long> fixCut(String requestId, List<Long> boundaries);

  /** The accepted tasks not yet finished, oldest first. */
  List<Accepted> open();

  /** Forgets delegation {@code requestId}: its result was returned, or it was abandoned. */
  void finished(String requestId);
}
