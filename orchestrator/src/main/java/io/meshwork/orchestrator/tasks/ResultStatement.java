package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import io.meshwork.identity.DidKey;
import io.meshwork.identity.Ed25519;
import java.nio.charset.StandardCharsets;

/**
 * What a delegate orchestrator signs when it returns a delegated task's result: the task and
 * delegation it answers, how it ended, the result's CID, the price it charges, and the CID of every
 * receipt it returns. By signing it vouches for those receipts' executors and its price, so a
 * delegator can hold it to them; the text is fixed so that any implementation can produce it.
 *
 * <pre>
 * meshwork-delegated-result-v1
 * task TASK_ID
 * delegation REQUEST_ID
 * status STATUS
 * result RESULT_CID
 * price PRICE
 * receipt RECEIPT_CID        (one line per receipt, in order)
 * </pre>
 */
public final class ResultStatement {
  private ResultStatement() {}

  /** The statement's bytes for {@code result} (UTF-8, each line ending in a newline). */
  public static byte[] of(TaskResult result) {
    StringBuilder s = new StringBuilder("meshwork-delegated-result-v1\n");
    s.append("task ").append(result.taskId()).append('\n');
    s.append("delegation ").append(result.assignmentId()).append('\n');
    s.append("status ").append(result.status()).append('\n');
    s.append("result ").append(result.resultHash()).append('\n');
    s.append("price ").append(Long.toUnsignedString(result.price())).append('\n');
    for (Receipt r : result.receipts()) {
      s.append("receipt ").append(r.leaf() == null ? "-" : Cid.of(r.leaf())).append('\n');
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Whether {@code result} carries its worker's valid signature over its statement. */
  static boolean signedByWorker(TaskResult result) {
    if (!DidKey.isDidKey(result.workerId()) || result.workerSignature().length == 0) {
      return false;
    }
    try {
      return Ed25519.verify(
          DidKey.publicKey(result.workerId()), of(result), result.workerSignature());
    } catch (IllegalArgumentException notAKey) {
      return false;
    }
  }
}
