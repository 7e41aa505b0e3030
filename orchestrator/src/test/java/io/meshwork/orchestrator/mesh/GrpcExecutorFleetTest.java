package io.meshwork.orchestrator.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.AssignTasksRequest;
import io.meshwork.executor.v1.AssignTasksResponse;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.Limits;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.VerificationMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the orchestrator's executor handles carry assignments: together in streamed AssignTasks calls
 * when the executor has them, one AssignTask each when it does not, every caller getting its own
 * answer either way.
 */
class GrpcExecutorFleetTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** An executor that answers each assignment with its own id as the reason, to tell them apart. */
  private static class Recording extends ExecutorServiceGrpc.ExecutorServiceImplBase {
    final AtomicInteger singles = new AtomicInteger();
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    // Every call is held until the test has queued the other assignments behind the first ones.
    final AtomicInteger calls = new AtomicInteger();
    final CountDownLatch release = new CountDownLatch(1);

    void hold() {
      calls.incrementAndGet();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void assignTask(AssignTaskRequest request, StreamObserver<AssignTaskResponse> out) {
      singles.incrementAndGet();
      hold();
      out.onNext(answer(request));
      out.onCompleted();
    }

    static AssignTaskResponse answer(AssignTaskRequest request) {
      return AssignTaskResponse.newBuilder()
          .setAccepted(true)
          .setReason(request.getAssignment().getAssignmentId())
          .build();
    }
  }

  /** The same executor with AssignTasks, answering a batch last to first. */
  private static final class Streaming extends Recording {
    private final BiConsumer<AssignTasksRequest, StreamObserver<AssignTasksResponse>> reply;

    /** Answers every assignment of a batch, last to first. */
    Streaming() {
      this(
          (request, out) -> {
            for (int i = request.getAssignmentsCount() - 1; i >= 0; i--) {
              out.onNext(answerTo(request, i));
            }
            out.onCompleted();
          });
    }

    Streaming(BiConsumer<AssignTasksRequest, StreamObserver<AssignTasksResponse>> reply) {
      this.reply = reply;
    }

    @Override
    public void assignTasks(AssignTasksRequest request, StreamObserver<AssignTasksResponse> out) {
      batches.add(request.getAssignmentsCount());
      hold();
      reply.accept(request, out);
    }

    static AssignTasksResponse answerTo(AssignTasksRequest request, int index) {
      return AssignTasksResponse.newBuilder()
          .setIndex(index)
          .setAnswer(answer(request.getAssignments(index)))
          .build();
    }
  }

  private ExecutorHandle handle(ExecutorServiceGrpc.ExecutorServiceImplBase executor)
      throws Exception {
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(executor).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    open.add(() -> channel.shutdownNow());
    open.add(() -> server.shutdownNow());
    return new GrpcExecutorFleet(
            List.of(name), e -> channel, new BearerCredentials(Identity.generate()))
        .executors()
        .get(0);
  }

  private static Assignment assignment(String id) {
    return assignment(id, null);
  }

  /** An assignment {@code id}, carrying {@code module} when it is not null. */
  private static Assignment assignment(String id, byte[] module) {
    TaskPacket task =
        new TaskPacket(
            "job:0",
            "job",
            0,
            Chunk.inline(new byte[0]),
            "bmodule",
            module,
            0,
            1000,
            new Limits(0, 0, 0, 0, 0),
            10,
            VerificationMode.HASH,
            "execute",
            null);
    return new Assignment("job:0", "did:key:zExecutor", id, 0, 10, task, "here", false, 0);
  }

  /**
   * Assigns {@code count} tasks at once. The calls that go out first (two may be in flight) are
   * held until the others have queued behind them.
   */
  private static ConcurrentHashMap<String, Object> assignAll(
      ExecutorHandle handle, Recording executor, int count) throws Exception {
    ConcurrentHashMap<String, Object> answers = new ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = "a-" + i;
      callers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      answers.put(id, handle.assign(assignment(id), WAIT).reason());
                    } catch (RuntimeException e) {
                      answers.put(id, e);
                    }
                  }));
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (executor.calls.get() == 0 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    // Time for a second call to go out and every caller to queue its assignment behind them;
    // nothing is asserted about time.
    Thread.sleep(200);
    executor.release.countDown();
    for (Thread t : callers) {
      t.join();
    }
    return answers;
  }

  private static void assertEachGotItsOwnAnswer(Map<String, Object> answers, int count) {
    for (int i = 0; i < count; i++) {
      assertEquals("a-" + i, answers.get("a-" + i), "answer to a-" + i);
    }
  }

  @Test
  void assignmentsMadeTogetherGoInStreamedCallsAndEachCallerGetsItsOwnAnswer() throws Exception {
    Streaming executor = new Streaming();
    ExecutorHandle handle = handle(executor);

    ConcurrentHashMap<String, Object> answers = assignAll(handle, executor, 20);

    assertEachGotItsOwnAnswer(answers, 20);
    // The first calls went out before the rest were queued; those queued behind them went
    // together.
    int batched = executor.batches.stream().mapToInt(Integer::intValue).sum();
    assertEquals(20, executor.singles.get() + batched);
    assertTrue(executor.batches.stream().anyMatch(n -> n > 1), "batches " + executor.batches);
    assertTrue(executor.batches.size() < 18, "batches " + executor.batches);
  }

  @Test
  void anExecutorWithoutAssignTasksGetsOneCallPerAssignment() throws Exception {
    Recording executor = new Recording();
    ExecutorHandle handle = handle(executor);

    ConcurrentHashMap<String, Object> answers = assignAll(handle, executor, 20);

    assertEachGotItsOwnAnswer(answers, 20);
    assertEquals(20, executor.singles.get());
  }

  @Test
  void aStreamThatEndsEarlyFailsOnlyTheAssignmentsItLeftUnanswered() throws Exception {
    Streaming executor =
        new Streaming(
            (request, out) -> {
              out.onNext(Streaming.answerTo(request, 0));
              out.onCompleted();
            });
    ExecutorHandle handle = handle(executor);

    ConcurrentHashMap<String, Object> answers = assignAll(handle, executor, 10);

    int answered = 0;
    for (var e : answers.entrySet()) {
      if (e.getValue() instanceof RemoteCallFailed failure) {
        assertTrue(failure.status().contains("INTERNAL"), failure.status());
        assertTrue(failure.getMessage().contains("without answering"), failure.getMessage());
      } else {
        assertEquals(e.getKey(), e.getValue());
        answered++;
      }
    }
    // Each single call and the first of each batch were answered; nothing waited forever.
    assertEquals(10, answers.size());
    assertEquals(executor.singles.get() + executor.batches.size(), answered);
    assertFalse(executor.batches.isEmpty());
  }

  @Test
  void aBatchTheExecutorRefusesAsTooLargeIsSentAgainOneByOne() throws Exception {
    Streaming executor =
        new Streaming(
            (request, out) ->
                out.onError(
                    Status.RESOURCE_EXHAUSTED.withDescription("message too large").asException()));
    ExecutorHandle handle = handle(executor);

    ConcurrentHashMap<String, Object> answers = assignAll(handle, executor, 20);

    assertEachGotItsOwnAnswer(answers, 20);
    assertFalse(executor.batches.isEmpty());
    assertEquals(20, executor.singles.get());
  }

  @Test
  void anAssignmentCarryingItsModuleGoesAlone() throws Exception {
    Streaming executor = new Streaming();
    executor.release.countDown();
    ExecutorHandle handle = handle(executor);
    Assignment big = assignment("big", new byte[2 << 20]);

    assertEquals("big", handle.assign(big, WAIT).reason());
    assertEquals(1, executor.singles.get());
    assertTrue(executor.batches.isEmpty());
  }
}
