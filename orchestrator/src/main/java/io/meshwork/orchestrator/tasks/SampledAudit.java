package io.meshwork.orchestrator.tasks;

import io.meshwork.orchestrator.trust.Reputation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sample verification: the result is accepted as returned unless the task is drawn for an audit, at
 * the executor's sample rate (falling as its verified record grows); an audited result is run again
 * elsewhere, and a disagreement is settled by a third run. Only the runs the majority confirms are
 * paid; the others lose reputation.
 */
final class SampledAudit implements Verification {
  private final Placer placer;
  private final Reputation reputation;
  private final AuditDraw draw;

  SampledAudit(Placer placer, Reputation reputation, AuditDraw draw) {
    this.placer = placer;
    this.reputation = reputation;
    this.draw = draw;
  }

  @Override
  public TaskOutcome run(TaskSpec task, TaskControl control) {
    Set<String> claimed = ConcurrentHashMap.newKeySet();
    Run primary = placer.place(task, control, claimed, "primary", false);
    double rate = reputation.sampleRate(primary.did());
    if (!draw.audits(task.taskId(), rate)) {
      primary.record(
          control,
          String.format(
              Locale.ROOT, "accepted: hash verified, not drawn for an audit (rate %.3f)", rate));
      return primary.outcome(task, List.of());
    }
    Run audit;
    try {
      audit = placer.place(task, control, claimed, "audit", false);
    } catch (TaskFailedException e) {
      primary.record(control, "accepted without an audit: " + e.getMessage());
      return primary.outcome(task, List.of());
    }
    if (audit.resultCid().equals(primary.resultCid())) {
      reputation.verified(primary.did());
      reputation.verified(audit.did());
      primary.record(control, "audited: an independent run returned the same result; paid");
      audit.record(control, "audit agreed with the primary; paid");
      return primary.outcome(task, List.of(new TaskOutcome.Paid(audit.receipt(), audit.price())));
    }
    Run tie = placer.place(task, control, claimed, "tie-break", false);
    return twoOfThree(task, control, List.of(primary, audit, tie));
  }

  /** Accepts the result two of the three runs agree on; fails the task when none do. */
  private TaskOutcome twoOfThree(TaskSpec task, TaskControl control, List<Run> all) {
    Run winner = null;
    for (Run candidate : all) {
      long agree = all.stream().filter(x -> x.resultCid().equals(candidate.resultCid())).count();
      if (agree >= 2) {
        winner = candidate;
        break;
      }
    }
    if (winner == null) {
      for (Run run : all) {
        control.unreserve(run.price());
        run.record(control, "three runs, three different results; not paid");
      }
      throw new TaskFailedException(
          "NO_MAJORITY", "task " + task.taskId() + " returned three different results");
    }
    List<TaskOutcome.Paid> others = new ArrayList<>();
    for (Run run : all) {
      if (run.resultCid().equals(winner.resultCid())) {
        reputation.verified(run.did());
        run.record(control, "agreed with the majority of 3 runs; paid");
        if (run != winner) {
          others.add(new TaskOutcome.Paid(run.receipt(), run.price()));
        }
      } else {
        control.unreserve(run.price());
        reputation.caught(run.did(), "outvoted 2 to 1 on " + task.taskId());
        run.record(
            control,
            "caught by the audit: returned "
                + run.resultCid()
                + ", two other executors "
                + winner.resultCid()
                + "; not paid, reputation lowered");
      }
    }
    return winner.outcome(task, others);
  }
}
