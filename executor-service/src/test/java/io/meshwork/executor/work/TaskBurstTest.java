package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.internal.ChicoryEngine;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A burst of 200 small tasks on a runner with two slots: all complete, never more than two run at
 * once, their sandbox threads are reused, and afterwards the process has no more threads (but for
 * sandbox threads kept for the next call) and no more heap than before.
 */
class TaskBurstTest {
  private static final int SLOTS = 2;
  private static final int TASKS = 200;

  @Test
  void burstOfTwoHundredTasksRunsAtMostSlotsAtOnceAndLeavesNothingBehind() throws Exception {
    byte[] wordCount = Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    // The engine itself rather than WasmEngine.chicory(): only it can say how many guests run and
    // how many of its threads exist, which is what this test is about.
    ChicoryEngine engine = new ChicoryEngine();
    Map<String, ComputeTaskResult> results = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(TASKS);
    OrchestratorLink orchestrator =
        new OrchestratorLink() {
          @Override
          public boolean deliver(String endpoint, ComputeTaskResult result) {
            results.put(result.getAssignmentId(), result);
            done.countDown();
            return true;
          }

          @Override
          public byte[] fetchModule(String endpoint, String moduleCid) {
            throw new IllegalStateException("every assignment carries its module");
          }

          @Override
          public void fetchRange(
              String endpoint,
              String blobCid,
              long offset,
              long length,
              Duration deadline,
              Consumer<ByteBuffer> frames) {
            throw new IllegalStateException("every assignment carries its chunk");
          }
        };
    Identity identity = Identity.generate();

    // One warm-up task, so that compiled code and caches exist before the baseline is taken.
    try (TaskRunner warm = runner(engine, orchestrator, identity)) {
      warm.assign(assignment("warm-up"), task(wordCount, "warm up\n"), "o:1", "did:key:o");
      assertTrue(awaitCount(done, TASKS - 1), "the warm-up task never finished");
    }
    results.clear();
    int threadsBefore = settledThreadCount();
    int keptBefore = engine.idleSandboxThreads();
    long heapBefore = settledHeap();

    AtomicInteger mostAtOnce = new AtomicInteger();
    AtomicBoolean watching = new AtomicBoolean(true);
    // Samples the engine's own count of running guests, which includes a guest's thread from
    // start to finish, far more often than a task takes.
    Thread watcher =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (watching.get()) {
                    mostAtOnce.accumulateAndGet(engine.runningCalls(), Math::max);
                    Thread.onSpinWait();
                  }
                });
    CountDownLatch burst = new CountDownLatch(TASKS);
    OrchestratorLink counting =
        new OrchestratorLink() {
          @Override
          public boolean deliver(String endpoint, ComputeTaskResult result) {
            results.put(result.getAssignmentId(), result);
            burst.countDown();
            return true;
          }

          @Override
          public byte[] fetchModule(String endpoint, String moduleCid) {
            throw new IllegalStateException("every assignment carries its module");
          }

          @Override
          public void fetchRange(
              String endpoint,
              String blobCid,
              long offset,
              long length,
              Duration deadline,
              Consumer<ByteBuffer> frames) {
            throw new IllegalStateException("every assignment carries its chunk");
          }
        };
    try (TaskRunner runner = runner(engine, counting, identity)) {
      for (int i = 0; i < TASKS; i++) {
        String text = "word ".repeat(i % 50 + 1) + "\n";
        assertTrue(
            runner
                .assign(assignment("t-" + i), task(wordCount, text), "o:1", "did:key:o")
                .accepted(),
            "task " + i + " was refused");
      }
      assertTrue(burst.await(120, TimeUnit.SECONDS), burst.getCount() + " tasks never finished");
    } finally {
      watching.set(false);
      watcher.join();
    }

    assertEquals(TASKS, results.size());
    for (int i = 0; i < TASKS; i++) {
      ComputeTaskResult result = results.get("t-" + i);
      assertEquals("completed", result.getStatus(), result.toString());
      assertEquals(
          Integer.toString(i % 50 + 1), result.getResultData().toString(StandardCharsets.US_ASCII));
    }
    assertTrue(mostAtOnce.get() <= SLOTS, mostAtOnce.get() + " guests ran at once");
    assertTrue(mostAtOnce.get() >= 1, "the watcher saw no guest at all");
    assertEquals(0, engine.runningCalls());

    // The only threads allowed to stay are sandbox threads kept for the next call, and no more of
    // them than guests ran at once.
    int threadsAfter = settledThreadCount();
    int keptAfter = engine.idleSandboxThreads();
    assertTrue(keptAfter <= SLOTS, keptAfter + " idle sandbox threads kept");
    assertTrue(
        threadsAfter - keptAfter <= threadsBefore - keptBefore,
        "platform threads went from "
            + threadsBefore
            + " ("
            + keptBefore
            + " kept sandbox threads) to "
            + threadsAfter
            + " ("
            + keptAfter
            + ")");
    assertTrue(
        engine.sandboxThreadsStarted() < TASKS / 10,
        engine.sandboxThreadsStarted() + " sandbox threads started for " + TASKS + " tasks");
    long heapAfter = settledHeap();
    assertTrue(
        heapAfter - heapBefore < 8L << 20,
        "heap grew from " + (heapBefore >> 20) + " MiB to " + (heapAfter >> 20) + " MiB");
  }

  private static TaskRunner runner(ChicoryEngine engine, OrchestratorLink link, Identity id) {
    return new TaskRunner(
        engine,
        new ModuleCache(4),
        id,
        link,
        ChunkCache.disabled(),
        Clock.systemUTC(),
        SLOTS,
        TASKS,
        1L << 20,
        ServiceMetrics.none());
  }

  private static AssignJobV1 assignment(String id) {
    return AssignJobV1.newBuilder().setJobId(id).setAssignmentId(id).setPrice(1).build();
  }

  private static ComputeTaskPacket task(byte[] module, String text) {
    return ComputeTaskPacket.newBuilder()
        .setTaskId("burst")
        .setParentJobId("burst-job")
        .setChunkData(ByteString.copyFromUtf8(text))
        .setWasmModuleHash(Cid.of(module))
        .setWasmModule(ByteString.copyFrom(module))
        .build();
  }

  private static boolean awaitCount(CountDownLatch latch, long target) throws Exception {
    for (int i = 0; i < 3_000 && latch.getCount() > target; i++) {
      Thread.sleep(10);
    }
    return latch.getCount() <= target;
  }

  /**
   * Live platform threads once finished sandbox threads have had a moment to exit, leaving out the
   * JVM's virtual-thread carriers: that pool is sized by the JVM, not by what the runner did.
   */
  private static int settledThreadCount() throws InterruptedException {
    int count = Integer.MAX_VALUE;
    for (int i = 0; i < 20; i++) {
      int live = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && !t.getName().startsWith("ForkJoinPool")) {
          live++;
        }
      }
      count = Math.min(count, live);
      Thread.sleep(25);
    }
    return count;
  }

  private static long settledHeap() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
