package io.meshwork.orchestrator.trust;

/**
 * What this orchestrator verified about one executor: the basis of its reputation. Only outcomes
 * the orchestrator checked itself are counted, never what the executor reports about itself.
 *
 * @param verified results confirmed by another executor's independent run (redundancy or audit)
 * @param caught results shown wrong (outvoted by a majority, or a receipt that does not match)
 * @param failed assignments that ended without a result (crash, stall, timeout, error)
 */
public record ExecutorRecord(String did, long verified, long caught, long failed, long updatedAt) {
  /** The record of an executor never seen. */
  public static ExecutorRecord unknown(String did) {
    return new ExecutorRecord(did, 0, 0, 0, 0);
  }
}
