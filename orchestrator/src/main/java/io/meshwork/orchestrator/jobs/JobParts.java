package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.Placement;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.TaskPipeline;
import io.meshwork.orchestrator.tasks.TaskSpec;
import io.meshwork.orchestrator.tasks.TreeRoute;
import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.SplitStrategy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A job's own level of the delegation tree: its parts, as the complexity decision shares the chunks
 * out between this orchestrator's executors and its peers, each run once the scheduler admits it
 * and settled from the job's hold; and the job's tasks as they are built.
 */
final class JobParts {
  private final ChunkPlanner planner;
  private final TreeCapacity capacity;
  private final InputChunks inputs;
  private final ResultStorage results;
  private final Settlement settlement;
  private final TaskPipeline pipeline;
  private final PartRunner runner;
  private final TaskScheduler scheduler;
  private final ExecutorService threads;
  private final Clock clock;
  private final int maxChunks;
  private final int maxDelegationDepth;

  JobParts(
      ChunkPlanner planner,
      TreeCapacity capacity,
      InputChunks inputs,
      ResultStorage results,
      Settlement settlement,
      TaskPipeline pipeline,
      PartRunner runner,
      TaskScheduler scheduler,
      ExecutorService threads,
      Clock clock,
      int maxChunks,
      int maxDelegationDepth) {
    this.planner = planner;
    this.capacity = capacity;
    this.inputs = inputs;
    this.results = results;
    this.settlement = settlement;
    this.pipeline = pipeline;
    this.runner = runner;
    this.scheduler = scheduler;
    this.threads = threads;
    this.clock = clock;
    this.maxChunks = maxChunks;
    this.maxDelegationDepth = maxDelegationDepth;
  }

  /**
   * Chunks from the module's own {@code split}, run as a task of its own on an executor, with a
   * receipt and pay like any other. A journaled split (before a restart) is not run again: its
   * result is in the journal.
   */
  private List<Supplier<Chunk>> moduleSplit(RunningJob job, TaskRecord journaled) {
    byte[] frames =
        results.bytes(
            journaled != null
                ? journaled.content()
                : settlement.settle(
                    job,
                    pipeline.runOnExecutors(
                        task(
                            job,
                            job.spec.jobId() + ":split",
                            0,
                            "split",
                            inputs.whole(job.spec.input()),
                            job.spec.manaBudget(),
                            TreeRoute.NONE),
                        job)));
    List<byte[]> chunks;
    try {
      chunks = FrameList.decode(frames);
    } catch (IllegalArgumentException e) {
      throw new TaskFailedException(
          "BAD_SPLIT", "split returned something that is not a frame list: " + e.getMessage());
    }
    if (chunks.isEmpty()) {
      throw new TaskFailedException("BAD_SPLIT", "split returned no chunks");
    }
    return chunks.stream().<Supplier<Chunk>>map(bytes -> () -> Chunk.inline(bytes)).toList();
  }

  /**
   * One part of the job: a chunk run here, or a range of consecutive chunks handed to a peer (which
   * cuts it again), at {@code offset} of the input; {@code index} is its place among the parts.
   *
   * @param from the first chunk it covers
   * @param to one past the last chunk it covers
   */
  record Part(
      int index, int from, int to, String peer, long offset, long length, Supplier<Chunk> input) {
    int chunks() {
      return to - from;
    }

    /**
     * Its task id: {@code <job>:<chunk>} for one chunk, {@code <job>:<first>-<last>} for a range,
     * so that a resumed job finds in the journal which chunks a settled part covered.
     */
    String taskId(String jobId) {
      return jobId + ":" + from + (chunks() > 1 ? "-" + (to - 1) : "");
    }
  }

  /**
   * The job's parts, as the complexity decision shares its chunks out between this orchestrator's
   * executors and its peers. Only a host split whose module merges, without a chunk prefix, is
   * handed to peers by range; other chunks go one by one. Parts settled before a restart ({@code
   * recorded}, by first chunk) are kept as they were: the chunks they cover are not planned again.
   */
  List<Part> parts(
      RunningJob job, TaskRecord splitRecord, int depth, Map<Integer, TaskRecord> recorded) {
    JobSpec spec = job.spec;
    ChunkPlan.Plan plan = planner.plan(spec, depth);
    List<Supplier<Chunk>> chunks;
    List<ChunkSlice> slices = null;
    boolean byRange = false;
    if (spec.splitStrategy() == SplitStrategy.WASM) {
      chunks = moduleSplit(job, splitRecord);
      checkChunkCount(chunks.size());
    } else {
      slices = inputs.cut(spec, plan.targetChunkBytes(), maxChunks);
      checkChunkCount(slices.size());
      byRange =
          spec.moduleInfo().hasMerge()
              && spec.chunkPrefix().length == 0
              && spec.splitStrategy() != SplitStrategy.NONE;
      chunks = null;
    }
    int count = chunks != null ? chunks.size() : slices.size();
    List<ChunkPlan.Group> groups = new ArrayList<>();
    boolean[] covered = new boolean[count];
    recorded.forEach(
        (from, t) -> {
          int to = lastChunk(t, from) + 1;
          if (from < count && to <= count) {
            groups.add(new ChunkPlan.Group(null, from, to));
            for (int c = from; c < to; c++) {
              covered[c] = true;
            }
          }
        });
    if (groups.isEmpty()) {
      groups.addAll(plan.assign(count, byRange));
    } else {
      // Resumed: the chunks no settled part covers are planned again, one by one.
      List<ChunkPlan.Group> each = plan.assign(count, false);
      for (ChunkPlan.Group g : each) {
        if (!covered[g.from()]) {
          groups.add(g);
        }
      }
      groups.sort(Comparator.comparingInt(ChunkPlan.Group::from));
    }
    List<Part> out = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      ChunkPlan.Group g = groups.get(i);
      if (chunks != null) {
        out.add(new Part(i, g.from(), g.to(), g.peer(), 0, 0, chunks.get(g.from())));
        continue;
      }
      ChunkSlice first = slices.get(g.from());
      ChunkSlice range =
          new ChunkSlice(i, first.offset(), slices.get(g.to() - 1).end() - first.offset());
      out.add(
          new Part(
              i,
              g.from(),
              g.to(),
              g.peer(),
              range.offset(),
              range.length(),
              () -> inputs.load(spec.input(), range, spec.chunkPrefix())));
    }
    return out;
  }

  /** The last chunk a settled part covered, from its task id ({@code <job>:<first>-<last>}). */
  private static int lastChunk(TaskRecord t, int from) {
    String id = t.taskId();
    String tail = id.substring(id.lastIndexOf(':') + 1);
    int dash = tail.indexOf('-');
    return dash < 0 ? from : Integer.parseInt(tail.substring(dash + 1));
  }

  private void checkChunkCount(int chunks) {
    if (chunks > maxChunks) {
      throw new TaskFailedException(
          "TOO_MANY_CHUNKS",
          "the input was cut into "
              + chunks
              + " chunks; this mesh runs at most "
              + maxChunks
              + " per job");
    }
  }

  /**
   * The job's level of the delegation tree: its budget, its settlement, its tree nodes journaled as
   * placements, and the peers the plan counted.
   */
  PartRunner.Level level(RunningJob job, int depth) {
    ChunkPlan.Capacity here = capacity.capacity(depth);
    List<String> counted =
        here.peers().stream()
            .sorted(Comparator.comparingInt(ChunkPlan.PeerSlots::freeSlots).reversed())
            .map(ChunkPlan.PeerSlots::peer)
            .toList();
    return new PartRunner.Level(
        job,
        outcome -> settlement.settle(job, outcome),
        node ->
            job.placed(
                Placement.ofTreeNode(
                    node,
                    0,
                    node.kind().startsWith("merge") ? "merge" : "execute",
                    clock.millis())),
        "",
        counted,
        here.ownExecutors() > 0 || counted.isEmpty());
  }

  /** Runs every part without a result yet, each on its own thread once the scheduler admits it. */
  void runParts(RunningJob job, PartRunner.Level level, List<Part> parts, ResultContent[] results) {
    List<Future<?>> futures = new ArrayList<>();
    int chunks = parts.stream().mapToInt(Part::chunks).sum();
    long share =
        Math.max(1, job.spec.manaBudget() / (chunks + (job.spec.moduleInfo().hasMerge() ? 1 : 0)));
    JobSpec spec = job.spec;
    TreeRoute route =
        new TreeRoute(
            List.of(),
            spec.splitStrategy() == SplitStrategy.WASM ? "" : spec.splitStrategy().wireName(),
            spec.minChunkSize(),
            spec.maxChunkSize(),
            spec.operationWeight());
    for (Part part : parts) {
      if (results[part.index()] != null) {
        continue;
      }
      futures.add(
          threads.submit(
              () -> {
                try {
                  scheduler.acquire(job.spec.priority());
                } catch (InterruptedException e) {
                  throw new TaskFailedException("CANCELLED", "interrupted while queued");
                }
                try {
                  if (job.stopped()) {
                    throw new TaskFailedException("CANCELLED", "job stopped");
                  }
                  // Loaded only now: the chunks of the tasks in flight are all that is held.
                  TaskSpec task =
                      task(
                          job,
                          part.taskId(job.spec.jobId()),
                          part.from(),
                          "execute",
                          part.input().get(),
                          share * part.chunks(),
                          part.chunks() > 1 ? route : route.whole());
                  results[part.index()] =
                      runner.run(level, task, part.peer(), part.offset(), part.length()).kept();
                } finally {
                  scheduler.release();
                }
                return null;
              }));
    }
    RuntimeException first = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) {
          first =
              e.getCause() instanceof RuntimeException re
                  ? re
                  : new IllegalStateException(e.getCause());
          // One failed part fails the job: stop the others rather than pay for wasted work.
          job.abandoned = true;
          job.cancelAssignments();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TaskFailedException("CANCELLED", "interrupted");
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * A task of the job.
   *
   * @param maxPrice the most the task may cost: its chunks' fair share of the budget, so that a
   *     peer it is delegated to is handed that slice and no more; the whole budget for the split
   *     and the merge
   */
  TaskSpec task(
      RunningJob job,
      String taskId,
      int index,
      String export,
      Chunk chunk,
      long maxPrice,
      TreeRoute route) {
    JobSpec spec = job.spec;
    return new TaskSpec(
        taskId,
        spec.jobId(),
        index,
        export,
        chunk,
        spec.moduleCid(),
        spec.module(),
        spec.limits(),
        maxPrice,
        spec.operationType(),
        spec.retryCount(),
        spec.verification(),
        maxDelegationDepth,
        job.submittedAt + TimeUnit.SECONDS.toMillis(spec.timeoutSecs()),
        spec.redundancy(),
        route);
  }
}
