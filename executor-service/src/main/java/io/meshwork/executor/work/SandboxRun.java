package io.meshwork.executor.work;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.JobErrorKind;
import io.meshwork.mesh.v1.JobErrorV1;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.receipt.format.ReceiptSigner;
import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import java.time.Clock;
import java.time.Duration;

/**
 * One task's run for {@link TaskRunner}, once it holds a slot: reads its chunk (inline, or by
 * reference), calls the export in the sandbox under the task's limits, and signs the receipt of
 * what ran; or says, as a failed result, why it could not run.
 */
final class SandboxRun {
  private final WasmEngine engine;
  private final Identity identity;
  private final ReferencedChunks chunks;
  private final ExecutionHistory history;
  private final Clock clock;
  private final long maxInputBytes;

  SandboxRun(
      WasmEngine engine,
      Identity identity,
      ReferencedChunks chunks,
      ExecutionHistory history,
      Clock clock,
      long maxInputBytes) {
    this.engine = engine;
    this.identity = identity;
    this.chunks = chunks;
    this.history = history;
    this.clock = clock;
    this.maxInputBytes = maxInputBytes;
  }

  ComputeTaskResult execute(
      AssignJobV1 assignment,
      ComputeTaskPacket task,
      CompiledModule module,
      String endpoint,
      String orchestratorDid)
      throws InterruptedException {
    String export = task.getExportName().isEmpty() ? "execute" : task.getExportName();
    ResourceLimits limits = task.getLimits();
    SandboxLimits sandbox =
        new SandboxLimits(
            positive(limits.getFuel(), SandboxLimits.defaults().fuel()),
            positive(limits.getMemoryBytes(), SandboxLimits.defaults().memoryBytes()),
            positive(limits.getWallTimeMs(), SandboxLimits.defaults().wallTimeMillis()),
            positive(limits.getStackBytes(), SandboxLimits.defaults().stackBytes()),
            positive(limits.getMaxOutputBytes(), SandboxLimits.defaults().maxOutputBytes()),
            maxInputBytes);
    byte[] input;
    try {
      // The orchestrator waits for a result up to twice the wall-time limit (and a grace): a
      // download bounded by it leaves the run its own.
      input =
          task.hasChunkRef()
              ? chunks.read(
                  task.getChunkRef(), endpoint, Duration.ofMillis(sandbox.wallTimeMillis()))
              : task.getChunkData().toByteArray();
    } catch (SandboxException unavailable) {
      return failed(assignment, task, unavailable, clock.millis());
    }
    long started = clock.millis();
    ComputeTaskResult.Builder result =
        ComputeTaskResult.newBuilder()
            .setTaskId(task.getTaskId())
            .setWorkerId(identity.did())
            .setAssignmentId(assignment.getAssignmentId());
    try {
      CallOutcome outcome = engine.call(module, export, input, sandbox);
      long finished = clock.millis();
      if (export.equals("execute") && input.length > 0) {
        history.record(task.getWasmModuleHash(), input.length, outcome);
      }
      String outputCid = Cid.of(outcome.output());
      ExecutionReceipt receipt =
          ReceiptSigner.sign(
              ExecutionReceipt.newBuilder()
                  .setVersion(1)
                  .setTaskId(task.getTaskId())
                  .setJobId(task.getParentJobId())
                  .setExecutorDid(identity.did())
                  .setModuleCid(task.getWasmModuleHash())
                  // A referenced chunk was checked against its CID as it arrived (or when it
                  // was cached): no second pass over it.
                  .setInputCid(
                      task.hasChunkRef() ? task.getChunkRef().getChunkCid() : Cid.of(input))
                  .setOutputCid(outputCid)
                  .setFuelUsed(outcome.fuelUsed())
                  .setLimits(
                      ResourceLimits.newBuilder()
                          .setFuel(sandbox.fuel())
                          .setMemoryBytes(sandbox.memoryBytes())
                          .setWallTimeMs((int) sandbox.wallTimeMillis())
                          .setStackBytes(sandbox.stackBytes())
                          .setMaxOutputBytes(sandbox.maxOutputBytes()))
                  .setEngine(engine.engineName())
                  .setEngineVersion(engine.engineVersion())
                  .setStartedAt(started)
                  .setFinishedAt(finished)
                  .setAssignmentId(assignment.getAssignmentId())
                  .setOrchestratorDid(orchestratorDid)
                  .setChunkIndex(task.getChunkIndex())
                  .setExportName(export)
                  .build(),
              identity);
      return result
          .setStatus("completed")
          .setResultData(ByteString.copyFrom(outcome.output()))
          .setResultHash(outputCid)
          .addReceipts(receipt)
          .setExecutionTimeMs(finished - started)
          .setFuelUsed(outcome.fuelUsed())
          .build();
    } catch (SandboxException e) {
      if (e.kind() == FailureKind.CANCELLED) {
        throw new InterruptedException("cancelled");
      }
      return failed(assignment, task, e, started);
    }
  }

  /**
   * The result of a task that failed in the sandbox, or whose module or chunk could not be used.
   */
  ComputeTaskResult failed(
      AssignJobV1 assignment, ComputeTaskPacket task, SandboxException e, long started) {
    return ComputeTaskResult.newBuilder()
        .setTaskId(task.getTaskId())
        .setWorkerId(identity.did())
        .setAssignmentId(assignment.getAssignmentId())
        .setStatus("failed")
        .setExecutionTimeMs(clock.millis() - started)
        .setFuelUsed(e.fuelUsed())
        .setError(
            JobErrorV1.newBuilder()
                .setJobId(task.getTaskId())
                .setExecutorDid(identity.did())
                .setKind(kind(e.kind()))
                .setMessage(e.getMessage())
                .setExportName(e.exportName())
                .setFuelUsed(e.fuelUsed())
                .setTimestamp(clock.millis()))
        .build();
  }

  private static long positive(long value, long fallback) {
    return value > 0 ? value : fallback;
  }

  private static JobErrorKind kind(FailureKind k) {
    return switch (k) {
      case TRAP -> JobErrorKind.JOB_ERROR_KIND_TRAP;
      case FUEL_EXHAUSTED -> JobErrorKind.JOB_ERROR_KIND_FUEL_EXHAUSTED;
      case MEMORY_LIMIT -> JobErrorKind.JOB_ERROR_KIND_MEMORY_LIMIT;
      case WALL_TIME -> JobErrorKind.JOB_ERROR_KIND_WALL_TIME;
      case STACK_OVERFLOW -> JobErrorKind.JOB_ERROR_KIND_STACK_OVERFLOW;
      case OUTPUT_OUT_OF_BOUNDS -> JobErrorKind.JOB_ERROR_KIND_OUTPUT_OUT_OF_BOUNDS;
      case OUTPUT_TOO_LARGE -> JobErrorKind.JOB_ERROR_KIND_OUTPUT_TOO_LARGE;
      case INPUT_TOO_LARGE -> JobErrorKind.JOB_ERROR_KIND_INPUT_TOO_LARGE;
      case INVALID_MODULE -> JobErrorKind.JOB_ERROR_KIND_INVALID_MODULE;
      case CANCELLED -> JobErrorKind.JOB_ERROR_KIND_CANCELLED;
      case INTERNAL -> JobErrorKind.JOB_ERROR_KIND_INTERNAL;
    };
  }
}
