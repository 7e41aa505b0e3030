package io.meshwork.receipt.format;

import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import java.nio.charset.StandardCharsets;

/** A fixed executor, orchestrator and receipt, so encodings and CIDs can be pinned in tests. */
final class Receipts {
  static final Identity EXECUTOR = Identity.fromSeed(sequence(0));
  static final Identity ORCHESTRATOR = Identity.fromSeed(sequence(32));

  private Receipts() {}

  static ExecutionReceipt unsigned() {
    return ExecutionReceipt.newBuilder()
        .setVersion(1)
        .setTaskId("task-0001")
        .setJobId("job-42")
        .setExecutorDid(EXECUTOR.did())
        .setModuleCid(Cid.of(ascii("module")))
        .setInputCid(Cid.of(ascii("input")))
        .setOutputCid(Cid.of(ascii("output")))
        .setFuelUsed(123_456)
        .setLimits(
            ResourceLimits.newBuilder()
                .setFuel(1_000_000)
                .setMemoryBytes(16L << 20)
                .setWallTimeMs(5_000)
                .setStackBytes(1L << 20)
                .setMaxOutputBytes(65_536))
        .setEngine("chicory-compiler")
        .setEngineVersion("1.7.5")
        .setStartedAt(1_767_225_600_000L)
        .setFinishedAt(1_767_225_600_250L)
        .setAssignmentId("assign-7")
        .setOrchestratorDid(ORCHESTRATOR.did())
        .setChunkIndex(3)
        .setExportName("execute")
        .build();
  }

  static ExecutionReceipt signed() {
    return ReceiptSigner.sign(unsigned(), EXECUTOR);
  }

  /** Bytes start, start + 1, ..., start + 31. */
  static byte[] sequence(int start) {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) (start + i);
    }
    return seed;
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
