package io.meshwork.orchestrator.wire;

import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.GetCapacityResponse;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.JobBidV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.orchestrator.tasks.AnnounceAnswer;
import io.meshwork.orchestrator.tasks.Announcement;
import io.meshwork.orchestrator.tasks.AssignAnswer;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.Offer;

/** What the orchestrator says to executors and what they answer, between proto and domain. */
public final class ExecutorMessages {
  private ExecutorMessages() {}

  /** An announcement for the wire. */
  public static JobAnnouncementV1 announcement(Announcement a) {
    return JobAnnouncementV1.newBuilder()
        .setJobId(a.taskId())
        .setOriginatorDid(a.originatorDid())
        .setParams(
            MeshJobParams.newBuilder()
                .setModuleCid(a.moduleCid())
                .setInputSize(a.inputSize())
                .setInputCid(a.inputCid())
                .setLimits(TaskMessages.limits(a.limits()))
                .setOperationType(a.operationType())
                .setMaxPrice(a.maxPrice())
                .setTimeoutMs(a.timeoutMs()))
        .setTimestamp(a.timestamp())
        .setAnnouncementId(a.announcementId())
        .build();
  }

  /** A bid or decline from the wire. */
  public static AnnounceAnswer answer(AnnounceResponse r) {
    if (!r.hasBid()) {
      return AnnounceAnswer.declined(r.getDecline().getReason(), r.getDecline().getMessage());
    }
    JobBidV1 bid = r.getBid();
    return AnnounceAnswer.of(
        new Offer(
            bid.getExecutorDid(),
            bid.getPrice(),
            bid.getCurrentLoad(),
            bid.getModuleCached(),
            bid.getTaskSlots()));
  }

  /** An assignment for the wire; its request id is the assignment id, so a resend is the same. */
  public static AssignTaskRequest assignment(Assignment a) {
    return AssignTaskRequest.newBuilder()
        .setAssignment(
            AssignJobV1.newBuilder()
                .setJobId(a.taskId())
                .setExecutorDid(a.executorDid())
                .setAssignmentId(a.assignmentId())
                .setTimestamp(a.timestamp())
                .setPrice(a.price()))
        .setTask(TaskMessages.packet(a.task()))
        .setResultEndpoint(a.resultEndpoint())
        .setRequestId(a.assignmentId())
        .setCommitFirst(a.commitFirst())
        .setInlineWaitMs(a.inlineWaitMs())
        .build();
  }

  /** An executor's answer to an assignment, from the wire. */
  public static AssignAnswer answer(AssignTaskResponse r) {
    return new AssignAnswer(
        r.getAccepted(),
        r.getReason(),
        r.getReasonCode(),
        r.getQueued(),
        r.hasResult() ? TaskMessages.result(r.getResult()) : null);
  }

  /** An executor's capacity report, from the wire. */
  public static ExecutorCapacity capacity(GetCapacityResponse c) {
    return new ExecutorCapacity(
        c.getExecutorDid(),
        c.getCpuCores(),
        c.getRamMb(),
        c.getCurrentLoad(),
        c.getTaskSlots(),
        c.getRunningTasks(),
        c.getQueuedTasks());
  }
}
