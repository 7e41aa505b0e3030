package io.meshwork.orchestrator.tasks;

import io.meshwork.mesh.v1.ExecutionReceipt;

/**
 * A task's verified result and what it costs.
 *
 * @param receipt the signed receipt of the executor run behind the result
 * @param price the mana owed to the receipt's executor
 * @param workerDid who returned the result (the executor, or the orchestrator it was delegated to)
 */
public record TaskOutcome(
    TaskSpec task,
    byte[] result,
    String resultCid,
    ExecutionReceipt receipt,
    long price,
    String workerDid) {}
