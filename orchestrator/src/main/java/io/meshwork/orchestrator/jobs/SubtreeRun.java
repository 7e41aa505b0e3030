package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.orchestrator.tasks.TreeNode;
import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.HostSplitter;
import io.meshwork.wasm.abi.SplitStrategy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * A task a peer delegated here, run as a job submitted here would be: scored against this
 * orchestrator's capacity ({@link ChunkPlan}), and run as one task, or cut and spread over its
 * executors and its own peers, whose results are merged here with the module's {@code merge} (a
 * task with its own receipt) into the one result returned up.
 *
 * <p>It pays from its own slice ({@link SubtreeBudget}) and reports what it paid as its price.
 */
final class SubtreeRun {
  /**
   * The outcome: the result's bytes, the receipt of the run that produced them (the task's own, or
   * the merge's), the price (all this orchestrator paid), and its part of the delegation tree.
   */
  record Outcome(
      byte[] result,
      String resultCid,
      io.meshwork.orchestrator.tasks.Receipt receipt,
      long price,
      long fuelUsed,
      List<TreeNode> subtree) {}

  private final ChunkPlanner planner;
  private final PartRunner parts;
  private final ExecutorService threads;

  SubtreeRun(ChunkPlanner planner, PartRunner parts, ExecutorService threads) {
    this.planner = planner;
    this.parts = parts;
    this.threads = threads;
  }

  /** Runs {@code task}, whose module {@code hasMerge} or not, paying from {@code budget}. */
  Outcome run(TaskSpec task, boolean hasMerge, SubtreeBudget budget) {
    long size = task.chunk().size();
    // Only a range of a host split whose module can merge is cut again; anything else runs whole.
    boolean cuttable = task.route().splittable() && hasMerge && task.chunk().inline();
    ChunkPlan.Plan plan =
        planner.plan(
            task.taskId(),
            cuttable ? size : 0,
            task.route().operationWeight(),
            task.moduleCid(),
            task.route().minChunkSize(),
            task.route().maxChunkSize(),
            task.delegationDepth());
    List<TreeNode> nodes = new CopyOnWriteArrayList<>();
    boolean executorsHere = plan.decision() != ChunkPlan.Decision.ONE_TASK_TO_PEER;
    List<String> peers = plan.peers().stream().map(ChunkPlan.PeerSlots::peer).toList();
    PartRunner.Level level =
        new PartRunner.Level(
            budget, budget::settle, nodes::add, task.taskId(), peers, hasExecutors(plan));
    List<ChunkSlice> slices =
        cuttable && plan.targetChunkBytes() < size ? cut(task, plan.targetChunkBytes()) : List.of();
    List<ChunkPlan.Group> planned =
        slices.size() <= 1 ? List.of() : plan.assign(slices.size(), true);
    List<Long> boundaries = new ArrayList<>(List.of(0L));
    planned.stream().skip(1).forEach(g -> boundaries.add(slices.get(g.from()).offset()));
    boundaries.add(size);
    // A resumed task is cut as it was before the restart (or not cut, if it was not), whatever
    // the capacity now, so that a part settled then is the same part now.
    List<Long> cut = budget.fixCut(boundaries);
    boolean asPlanned = cut.equals(boundaries);
    if (cut.size() <= 2) {
      Optional<DelegationJournal.SettledPart> before = budget.settledBefore(task.taskId());
      if (before.isPresent()) {
        return outcome(before.get(), budget, nodes);
      }
      String peer = executorsHere ? null : peers.get(0);
      PartRunner.Done done = parts.run(level, task, peer, 0, size);
      return outcome(done, budget, nodes);
    }
    // Each part is handed its share of the slice, as each chunk of a job is: the slice over the
    // chunks plus one for the merge, times the chunks the part covers.
    long share = Math.max(1, task.maxPrice() / (Math.max(1, slices.size()) + 1));
    int groups = cut.size() - 1;
    byte[] input = task.chunk().bytes();
    ResultContent[] results = new ResultContent[groups];
    List<Future<?>> running = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      long from = cut.get(g);
      long to = cut.get(g + 1);
      String peer =
          asPlanned
              ? planned.get(g).peer()
              : hasExecutors(plan) || peers.isEmpty() ? null : peers.get(g % peers.size());
      TaskSpec part =
          task.part(
              task.taskId() + "/" + g,
              g,
              "execute",
              Chunk.inline(Arrays.copyOfRange(input, (int) from, (int) to)),
              asPlanned
                  ? share * (planned.get(g).to() - planned.get(g).from())
                  : Math.max(1, task.maxPrice() / (groups + 1)),
              task.route());
      int index = g;
      Optional<DelegationJournal.SettledPart> before = budget.settledBefore(part.taskId());
      if (before.isPresent()) {
        results[index] = ResultContent.inline(before.get().result(), before.get().resultCid());
        continue;
      }
      running.add(
          threads.submit(
              () -> results[index] = parts.run(level, part, peer, from, to - from).kept()));
    }
    awaitAll(running, budget);
    List<byte[]> frames = new ArrayList<>();
    for (ResultContent r : results) {
      frames.add(r.bytes());
    }
    TaskSpec merge =
        task.part(
            task.taskId() + "/merge",
            groups,
            "merge",
            Chunk.inline(FrameList.encode(frames)),
            Math.max(1, budget.budgetLeft()),
            task.route().whole());
    Optional<DelegationJournal.SettledPart> merged = budget.settledBefore(merge.taskId());
    if (merged.isPresent()) {
      return outcome(merged.get(), budget, nodes);
    }
    String mergePeer = hasExecutors(plan) || peers.isEmpty() ? null : peers.get(0);
    return outcome(parts.run(level, merge, mergePeer, 0, size), budget, nodes);
  }

  private static boolean hasExecutors(ChunkPlan.Plan plan) {
    return plan.ownExecutors() > 0 || plan.peers().isEmpty();
  }

  private static Outcome outcome(
      DelegationJournal.SettledPart settled, SubtreeBudget budget, List<TreeNode> nodes) {
    return new Outcome(
        settled.result(),
        settled.resultCid(),
        settled.receipt(),
        budget.spent(),
        settled.receipt().fuelUsed(),
        List.copyOf(nodes));
  }

  private static Outcome outcome(PartRunner.Done done, SubtreeBudget budget, List<TreeNode> nodes) {
    byte[] bytes = done.kept().bytes();
    return new Outcome(
        bytes,
        Cid.of(bytes),
        done.outcome().receipt(),
        budget.spent(),
        done.outcome().receipt().fuelUsed(),
        List.copyOf(nodes));
  }

  private static List<ChunkSlice> cut(TaskSpec task, long chunkBytes) {
    byte[] input = task.chunk().bytes();
    try (ByteArrayInputStream in = new ByteArrayInputStream(input)) {
      Iterator<ChunkSlice> it =
          HostSplitter.slices(
              SplitStrategy.parse(task.route().splitStrategy()),
              in,
              input.length,
              task.route().minChunkSize(),
              chunkBytes);
      List<ChunkSlice> out = new ArrayList<>();
      it.forEachRemaining(out::add);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitAll(List<Future<?>> running, SubtreeBudget budget) {
    RuntimeException first = null;
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first =
              e.getCause() instanceof RuntimeException re
                  ? re
                  : new IllegalStateException(e.getCause());
          // One failed part fails the task: stop the others rather than pay for wasted work.
          budget.stop();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        budget.stop();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
