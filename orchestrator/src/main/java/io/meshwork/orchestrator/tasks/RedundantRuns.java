package io.meshwork.orchestrator.tasks;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.trust.Reputation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Redundant verification: {@code redundancy} different executors run the task, each first
 * committing to its result's hash (the signed receipt) before any bytes are revealed, so that none
 * can copy another's answer; the strict majority's result is accepted. Only the majority is paid;
 * the others lose reputation. Without a strict majority the task runs again on executors not tried
 * yet, up to the job's {@code retry_count} rounds.
 */
final class RedundantRuns implements Verification {
  private final Placer placer;
  private final Reputation reputation;
  private final ExecutorService calls;
  private final Duration revealWait;

  RedundantRuns(Placer placer, Reputation reputation, ExecutorService calls, Duration revealWait) {
    this.placer = placer;
    this.reputation = reputation;
    this.calls = calls;
    this.revealWait = revealWait;
  }

  @Override
  public TaskOutcome run(TaskSpec task, TaskControl control) {
    int r = Math.max(2, task.redundancy());
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    List<String> rounds = new ArrayList<>();
    for (int round = 0; round <= task.retryCount(); round++) {
      List<Run> runs = replicas(task, control, claimed, r);
      Map<String, List<Run>> byOutput = new LinkedHashMap<>();
      for (Run run : runs) {
        byOutput.computeIfAbsent(run.resultCid(), k -> new ArrayList<>()).add(run);
      }
      List<Run> majority =
          byOutput.values().stream().filter(g -> g.size() * 2 > r).findFirst().orElse(null);
      if (majority == null) {
        for (Run run : runs) {
          control.unreserve(run.price());
          run.record(
              control,
              "no strict majority among "
                  + r
                  + " results ("
                  + byOutput.size()
                  + " different outputs); not paid, the task runs again on other executors");
        }
        rounds.add(byOutput.size() + " different outputs from " + r + " executors");
        continue;
      }
      return settleMajority(task, control, runs, majority, r);
    }
    throw new TaskFailedException(
        "NO_MAJORITY",
        "task "
            + task.taskId()
            + " found no strict majority in "
            + rounds.size()
            + " rounds: "
            + String.join("; ", rounds));
  }

  /** Runs {@code r} replicas at once; if any cannot be placed, the others are taken back. */
  private List<Run> replicas(TaskSpec task, TaskControl control, Set<String> claimed, int r) {
    List<Future<Run>> replicas = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      String role = "replica " + (i + 1) + " of " + r;
      replicas.add(calls.submit(() -> placer.place(task, control, claimed, role, true)));
    }
    List<Run> runs = new ArrayList<>();
    RuntimeException failure = null;
    for (Future<Run> f : replicas) {
      try {
        runs.add(f.get());
      } catch (ExecutionException e) {
        if (failure == null) {
          failure =
              e.getCause() instanceof RuntimeException re
                  ? re
                  : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
    if (failure != null) {
      for (Run run : runs) {
        control.unreserve(run.price());
        run.handle().withdraw(run.assignmentId());
        run.record(control, "not used: another replica of the task could not be placed");
      }
      throw failure;
    }
    return runs;
  }

  private TaskOutcome settleMajority(
      TaskSpec task, TaskControl control, List<Run> runs, List<Run> majority, int r) {
    byte[] bytes = revealFromMajority(task, majority);
    String agreed = majority.get(0).resultCid();
    for (Run run : runs) {
      if (majority.contains(run)) {
        reputation.verified(run.did());
        run.record(
            control,
            "agreed with the majority ("
                + majority.size()
                + " of "
                + r
                + " committed to "
                + agreed
                + "); paid");
      } else {
        control.unreserve(run.price());
        reputation.caught(run.did(), "outvoted on " + task.taskId());
        run.record(
            control,
            "caught: committed to "
                + run.resultCid()
                + " against the majority's "
                + agreed
                + "; not paid, reputation lowered");
      }
    }
    Run primary = majority.get(0);
    List<TaskOutcome.Paid> others = new ArrayList<>();
    for (Run run : majority.subList(1, majority.size())) {
      others.add(new TaskOutcome.Paid(run.receipt(), run.price()));
    }
    return primary.withBytes(bytes).outcome(task, others);
  }

  /** The majority's bytes, from the first member that reveals bytes matching the commitment. */
  private byte[] revealFromMajority(TaskSpec task, List<Run> majority) {
    List<String> problems = new ArrayList<>();
    for (Run run : majority) {
      try {
        byte[] bytes = run.handle().reveal(run.assignmentId(), revealWait);
        if (Cid.of(bytes).equals(run.resultCid())) {
          return bytes;
        }
        reputation.caught(run.did(), "revealed bytes that do not match its commitment");
        problems.add(run.did() + " revealed bytes that do not match its commitment");
      } catch (RuntimeException e) {
        problems.add(run.did() + ": " + e.getMessage());
      }
    }
    throw new TaskFailedException(
        "REVEAL_FAILED",
        "the majority of task "
            + task.taskId()
            + " agreed but none revealed its result: "
            + String.join("; ", problems));
  }
}
