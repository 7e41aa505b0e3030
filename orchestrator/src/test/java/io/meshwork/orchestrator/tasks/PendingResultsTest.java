package io.meshwork.orchestrator.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.mesh.v1.JobErrorV1;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.orchestrator.wire.TaskMessages;
import io.meshwork.receipt.format.ReceiptSigner;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PendingResultsTest {
  private static final String ASSIGNMENT = "assignment-1";
  private static final byte[] MODULE =
      "not really wasm, only hashed".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CHUNK = "one two three\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OUTPUT = "3".getBytes(StandardCharsets.UTF_8);

  private final Identity executor = Identity.generate();
  private final PendingResults pending = new PendingResults();

  private static TaskSpec task() {
    return new TaskSpec(
        "job-1:0",
        "job-1",
        0,
        "execute",
        Chunk.inline(CHUNK),
        Cid.of(MODULE),
        MODULE,
        new Limits(0, 0, 0, 0, 0),
        100,
        "word_count",
        0,
        VerificationMode.HASH,
        0,
        Long.MAX_VALUE,
        1);
  }

  private static ExecutionReceipt receipt(Identity signer, byte[] output) {
    return ReceiptSigner.sign(
        ExecutionReceipt.newBuilder()
            .setVersion(1)
            .setTaskId("job-1:0")
            .setJobId("job-1")
            .setExecutorDid(signer.did())
            .setModuleCid(Cid.of(MODULE))
            .setInputCid(Cid.of(CHUNK))
            .setOutputCid(Cid.of(output))
            .setFuelUsed(10)
            .setLimits(
                ResourceLimits.newBuilder()
                    .setFuel(1_000)
                    .setMemoryBytes(65_536)
                    .setWallTimeMs(1_000)
                    .setStackBytes(1 << 20)
                    .setMaxOutputBytes(1 << 20))
            .setEngine("test-engine")
            .setEngineVersion("1")
            .setStartedAt(1)
            .setFinishedAt(2)
            .setAssignmentId(ASSIGNMENT)
            .setOrchestratorDid("did:key:zOrchestrator")
            .setChunkIndex(0)
            .setExportName("execute")
            .build(),
        signer);
  }

  private static ComputeTaskResult.Builder completed(ExecutionReceipt receipt, byte[] data) {
    return ComputeTaskResult.newBuilder()
        .setTaskId("job-1:0")
        .setAssignmentId(ASSIGNMENT)
        .setStatus("completed")
        .setResultData(ByteString.copyFrom(data))
        .setResultHash(Cid.of(data))
        .setWorkerId(receipt.getExecutorDid())
        .addReceipts(receipt);
  }

  /** Hands the result over as it arrives over the wire, its receipts read on the way. */
  private PendingResults.Verdict accept(ComputeTaskResult result) {
    return pending.accept(
        TaskMessages.result(result), PendingResults.Sender.executor(executor.did()));
  }

  @Test
  void resultForAnUnknownAssignmentIsNotVerified() {
    PendingResults.Verdict verdict = accept(completed(receipt(executor, OUTPUT), OUTPUT).build());

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains(ASSIGNMENT), verdict.reason());
  }

  @Test
  void correctResultIsVerifiedAndReachesTheWaitingTask() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting =
        pending.expect(ASSIGNMENT, task(), executor.did());
    ComputeTaskResult result = completed(receipt(executor, OUTPUT), OUTPUT).build();

    PendingResults.Verdict verdict = accept(result);

    assertTrue(verdict.verified(), verdict.reason());
    assertEquals("", verdict.reason());
    assertTrue(waiting.isDone());
    PendingResults.Arrival arrival = waiting.get();
    assertEquals(ASSIGNMENT, arrival.result().assignmentId());
    assertArrayEquals(OUTPUT, arrival.result().data());
    assertEquals(executor.did(), arrival.result().receipts().get(0).executorDid());
    assertNull(arrival.rejection());
  }

  @Test
  void resultIsTakenOnlyOnce() {
    pending.expect(ASSIGNMENT, task(), executor.did());
    ComputeTaskResult result = completed(receipt(executor, OUTPUT), OUTPUT).build();

    assertTrue(accept(result).verified());
    assertFalse(accept(result).verified());
  }

  @Test
  void receiptSignedByAnotherExecutorIsRejected() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting =
        pending.expect(ASSIGNMENT, task(), executor.did());
    Identity stranger = Identity.generate();

    PendingResults.Verdict verdict = accept(completed(receipt(stranger, OUTPUT), OUTPUT).build());

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains(stranger.did()), verdict.reason());
    assertTrue(verdict.reason().contains("assigned executor"), verdict.reason());
    assertEquals(verdict.reason(), waiting.get().rejection());
  }

  @Test
  void bytesThatDoNotMatchResultHashAreRejected() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting =
        pending.expect(ASSIGNMENT, task(), executor.did());
    ComputeTaskResult tampered =
        completed(receipt(executor, OUTPUT), OUTPUT)
            .setResultData(ByteString.copyFromUtf8("4"))
            .build();

    PendingResults.Verdict verdict = accept(tampered);

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains("result_hash"), verdict.reason());
    assertNotNull(waiting.get().rejection());
  }

  @Test
  void bytesOtherThanTheReceiptCommitsToAreRejected() {
    pending.expect(ASSIGNMENT, task(), executor.did());
    byte[] other = "4".getBytes(StandardCharsets.UTF_8);
    // result_hash matches the returned bytes, but the signed receipt names other output.
    ComputeTaskResult swapped = completed(receipt(executor, OUTPUT), other).build();

    PendingResults.Verdict verdict = accept(swapped);

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains("receipt commits to"), verdict.reason());
  }

  @Test
  void receiptWithATamperedFieldIsRejected() {
    pending.expect(ASSIGNMENT, task(), executor.did());
    ExecutionReceipt forged = receipt(executor, OUTPUT).toBuilder().setFuelUsed(1).build();

    PendingResults.Verdict verdict = accept(completed(forged, OUTPUT).build());

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains("does not verify"), verdict.reason());
  }

  @Test
  void failedResultIsNotVerifiedButStillWakesTheTask() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting =
        pending.expect(ASSIGNMENT, task(), executor.did());
    ComputeTaskResult failed =
        ComputeTaskResult.newBuilder()
            .setTaskId("job-1:0")
            .setAssignmentId(ASSIGNMENT)
            .setStatus("failed")
            .setError(
                JobErrorV1.newBuilder()
                    .setKind(JobErrorKind.JOB_ERROR_KIND_TRAP)
                    .setMessage("execute trapped: unreachable"))
            .build();

    PendingResults.Verdict verdict = accept(failed);

    assertFalse(verdict.verified());
    assertTrue(verdict.reason().contains("unreachable"), verdict.reason());
    assertEquals("failed", waiting.get().result().status());
    assertEquals("TRAP", waiting.get().result().errorKind());
  }

  @Test
  void forgottenAssignmentNoLongerTakesResults() {
    pending.expect(ASSIGNMENT, task(), executor.did());
    pending.forget(ASSIGNMENT);

    assertFalse(accept(completed(receipt(executor, OUTPUT), OUTPUT).build()).verified());
  }

  @Test
  void aResultFromAnyoneButTheAssignedExecutorIsRefusedAndTheTaskGoesOnWaiting() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting =
        pending.expect(ASSIGNMENT, task(), executor.did());
    Identity intruder = Identity.generate();
    ComputeTaskResult junk = completed(receipt(intruder, OUTPUT), OUTPUT).build();

    PendingResults.Verdict refused =
        pending.accept(TaskMessages.result(junk), PendingResults.Sender.executor(intruder.did()));

    assertFalse(refused.verified());
    assertTrue(refused.reason().contains("was not given to " + intruder.did()), refused.reason());
    assertFalse(waiting.isDone(), "the intruder's result reaches nobody, so it blames nobody");
    assertTrue(accept(completed(receipt(executor, OUTPUT), OUTPUT).build()).verified());
    assertNull(waiting.get().rejection());
  }

  @Test
  void aDelegatedTasksResultIsTakenFromAPeerOnlyNeverFromAnExecutor() throws Exception {
    CompletableFuture<PendingResults.Arrival> waiting = pending.expectDelegated(ASSIGNMENT, task());
    // A member executor that learned the delegation's id returns a result naming itself as the
    // worker: it is no peer, so the result is refused and blames nobody.
    ComputeTaskResult posing =
        completed(receipt(executor, OUTPUT), OUTPUT).setWorkerId(executor.did()).build();
    PendingResults.Verdict refused =
        pending.accept(TaskMessages.result(posing), PendingResults.Sender.executor(executor.did()));
    assertFalse(refused.verified());
    assertTrue(refused.reason().contains("only a peer orchestrator returns"), refused.reason());
    assertFalse(waiting.isDone(), "the delegation still waits for its peer");
  }
}
