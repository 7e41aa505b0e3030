package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.TaskControl;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.TaskOutcome;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.orchestrator.tasks.TreeNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * Runs one part of one level of the delegation tree where the plan put it, the same way for a job
 * submitted here and for a task a peer delegated here: on this orchestrator's executors, or handed
 * to a peer as one task or one range; settles it; and records it, with the subtree a peer reports,
 * as nodes of the tree.
 *
 * <p>A peer that refuses (one already on the task's path, one with no mana to advance its
 * executors' pay, one over its limits) or fails is recorded as such, and the part goes to the next
 * peer the plan counted, then to this orchestrator's executors.
 */
final class PartRunner {
  private static final Logger LOG = Logger.getLogger(PartRunner.class.getName());

  /**
   * One level of the tree: the budget it spends, how it settles a verified result, where its nodes
   * go, the task whose parts it runs ("" for a job's own parts), and the peers the plan counted, in
   * the order to try them.
   */
  record Level(
      TaskControl control,
      Function<TaskOutcome, ResultContent> settle,
      Consumer<TreeNode> nodes,
      String parentTaskId,
      List<String> peers,
      boolean executorsHere) {}

  /** A part's settled result as the level keeps it, and the verified outcome behind it. */
  record Done(ResultContent kept, TaskOutcome outcome) {}

  private final TaskPipeline pipeline;
  private final String self;
  private final UnaryOperator<Chunk> inline;

  /**
   * Runs parts through {@code pipeline} as orchestrator {@code self}; {@code inline} brings a
   * chunk's bytes here for a peer, which cannot read this orchestrator's blob store.
   */
  PartRunner(TaskPipeline pipeline, String self, UnaryOperator<Chunk> inline) {
    this.pipeline = pipeline;
    this.self = self;
    this.inline = inline;
  }

  /**
   * Runs {@code part}, which computes the bytes {@code [offset, offset + length)} of the job's
   * input, at {@code peer} (null: here), and returns its settled result.
   */
  Done run(Level level, TaskSpec part, String peer, long offset, long length) {
    List<String> order = new ArrayList<>();
    if (peer != null) {
      order.add(peer);
      level.peers().stream().filter(p -> !p.equals(peer)).forEach(order::add);
    }
    String merge = "merge".equals(part.exportName()) ? "merge-" : "";
    TaskSpec carried = order.isEmpty() ? part : part.withChunk(inline.apply(part.chunk()));
    for (String p : order) {
      TaskOutcome outcome;
      try {
        outcome = pipeline.delegate(carried, p, level.control());
      } catch (TaskFailedException e) {
        if (!"DELEGATION_FAILED".equals(e.reason())) {
          throw e;
        }
        level
            .nodes()
            .accept(
                node(
                    level,
                    part,
                    offset,
                    length,
                    merge + "peer",
                    p,
                    "refused: " + e.getMessage(),
                    0,
                    ""));
        continue;
      }
      ResultContent kept = level.settle().apply(outcome);
      String worker = outcome.delegated() ? p + " " + outcome.workerDid() : outcome.payee();
      level
          .nodes()
          .accept(
              node(
                  level,
                  part,
                  offset,
                  length,
                  outcome.delegated() ? merge + "peer" : merge + "executor",
                  worker,
                  "completed",
                  paid(outcome),
                  kept.cid()));
      // The peer's nodes are placed in its own input; here they are placed in the job's.
      outcome.subtree().forEach(n -> level.nodes().accept(n.shifted(offset)));
      return new Done(kept, outcome);
    }
    if (peer != null && !level.executorsHere()) {
      throw new TaskFailedException(
          "NO_PLACE", "task " + part.taskId() + ": no peer took it and there is no executor here");
    }
    if (peer != null) {
      LOG.info(() -> "task " + part.taskId() + " runs here: no peer took it");
    }
    TaskOutcome outcome = pipeline.runOnExecutors(part, level.control());
    ResultContent kept = level.settle().apply(outcome);
    level
        .nodes()
        .accept(
            node(
                level,
                part,
                offset,
                length,
                merge + "executor",
                outcome.payee(),
                "completed",
                paid(outcome),
                kept.cid()));
    return new Done(kept, outcome);
  }

  /** Everything paid for the outcome: its price and every agreeing run's. */
  static long paid(TaskOutcome outcome) {
    return outcome.price() + outcome.alsoPaid().stream().mapToLong(TaskOutcome.Paid::price).sum();
  }

  private TreeNode node(
      Level level,
      TaskSpec part,
      long offset,
      long length,
      String kind,
      String worker,
      String state,
      long price,
      String cid) {
    return new TreeNode(
        part.taskId(), level.parentTaskId(), self, offset, length, kind, worker, state, price, cid);
  }
}
