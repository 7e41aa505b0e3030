package io.meshwork.receiptlog.testing;

import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.receipt.format.ReceiptSigner;
import java.nio.charset.StandardCharsets;

/** Real execution receipts signed by real executor identities, for the receipt log's tests. */
public final class TestReceipts {
  private TestReceipts() {}

  /** When {@link #signed(Identity, String, String)} says its receipts finished, epoch ms. */
  public static final long FINISHED_AT = 1_700_000_000_250L;

  /** A receipt for {@code taskId} of {@code jobId}, signed by {@code executor}. */
  public static ExecutionReceipt signed(Identity executor, String jobId, String taskId) {
    return signed(executor, jobId, taskId, FINISHED_AT);
  }

  /**
   * A receipt for {@code taskId} of {@code jobId} that finished at {@code finishedAt} (epoch ms,
   * started 250 ms before), signed by {@code executor}.
   */
  public static ExecutionReceipt signed(
      Identity executor, String jobId, String taskId, long finishedAt) {
    ExecutionReceipt unsigned =
        ExecutionReceipt.newBuilder()
            .setVersion(1)
            .setTaskId(taskId)
            .setJobId(jobId)
            .setExecutorDid(executor.did())
            .setModuleCid(cid("module"))
            .setInputCid(cid("input " + taskId))
            .setOutputCid(cid("output " + taskId))
            .setFuelUsed(12_345)
            .setLimits(
                ResourceLimits.newBuilder()
                    .setFuel(1_000_000)
                    .setMemoryBytes(16 * 65536)
                    .setWallTimeMs(5000)
                    .setStackBytes(1 << 20)
                    .setMaxOutputBytes(1 << 20))
            .setEngine("chicory-compiler")
            .setEngineVersion("1.7.5")
            .setStartedAt(finishedAt - 250)
            .setFinishedAt(finishedAt)
            .setAssignmentId("assignment-" + taskId)
            .setOrchestratorDid(executor.did())
            .setChunkIndex(0)
            .setExportName("execute")
            .build();
    return ReceiptSigner.sign(unsigned, executor);
  }

  private static String cid(String content) {
    return Cid.of(content.getBytes(StandardCharsets.UTF_8));
  }
}
