package io.meshwork.executor.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.executor.ExecutorNode;
import io.meshwork.executor.ExecutorSettings;
import io.meshwork.executor.v1.AnnounceRequest;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.executor.v1.AssignTaskRequest;
import io.meshwork.executor.v1.AssignTaskResponse;
import io.meshwork.executor.v1.ExecutorServiceGrpc;
import io.meshwork.executor.v1.ExecutorServiceGrpc.ExecutorServiceBlockingStub;
import io.meshwork.executor.work.OrchestratorLink;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.Settings;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member executor that drains, wired as in the product (ServiceHost, ExecutorNode, the real task
 * runner and engine) on the in-process transport, with the test playing its orchestrator: on stop
 * it declines and refuses new work as DRAINING, says so in its heartbeats, runs its running and
 * queued tasks to their delivery, and only then leaves; asked to drain by its orchestrator, it does
 * the same and stops.
 */
class ExecutorDrainTest {
  private static final String TOKEN = "mwjt_test-token";
  private static final String ENDPOINT = "orchestrator.test:7000";

  @TempDir Path dir;
  private final String orchestratorName = InProcessServerBuilder.generateName();
  private final String executorName = InProcessServerBuilder.generateName();
  private ServiceHost orchestratorHost;
  private TestOrchestrator orchestrator;
  private ServiceHost executorHost;
  private ManagedChannel toExecutor;
  // Deliveries wait here until the test lets them through.
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch delivering = new CountDownLatch(1);
  private byte[] wordCount;

  @BeforeEach
  void start() throws Exception {
    wordCount = Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    orchestratorHost =
        ServiceHost.start(
            "orchestrator",
            TestOrchestrator.SCHEMA,
            new MapSettings(Map.of("data-dir", dir.resolve("orchestrator").toString())),
            ctx -> {
              orchestrator = new TestOrchestrator(ctx, TOKEN, null);
              return orchestrator;
            },
            InProcessServerBuilder.forName(orchestratorName),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    Settings settings =
        new MapSettings(
            Map.of(
                "data-dir",
                dir.resolve("executor").toString(),
                "executor.task-slots",
                "1",
                "executor.join",
                orchestratorName,
                "executor.join-token",
                TOKEN,
                "grpc.advertise",
                "executor.test:7100",
                // Trusted by a join over TLS; on the in-process transport nothing reads it.
                "tls.dev-ca",
                dir.resolve("ca").toString()));
    UnaryOperator<OrchestratorLink> held = real -> new HeldDeliveries();
    executorHost =
        ServiceHost.start(
            "executor",
            ExecutorSettings.SCHEMA,
            settings,
            ctx ->
                ExecutorNode.create(
                    ctx,
                    new ExecutorNode.Alterations(
                        UnaryOperator.identity(),
                        held,
                        UnaryOperator.identity(),
                        UnaryOperator.identity())),
            InProcessServerBuilder.forName(executorName),
            target -> InProcessChannelBuilder.forName(target).build(),
            ServiceMetrics.none(),
            Clock.systemUTC());
    toExecutor = InProcessChannelBuilder.forName(executorName).build();
  }

  @AfterEach
  void stop() {
    release.countDown();
    toExecutor.shutdownNow();
    executorHost.close();
    orchestratorHost.close();
  }

  /** The orchestrator's end of result delivery: each result is an event, after the release. */
  private final class HeldDeliveries implements OrchestratorLink {
    @Override
    public boolean deliver(String endpoint, ComputeTaskResult result) {
      delivering.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      orchestrator.events.add("delivered " + result.getAssignmentId() + " " + result.getStatus());
      return true;
    }

    @Override
    public byte[] fetchModule(String endpoint, String moduleCid) {
      throw new IllegalStateException("the packets carry their module");
    }

    @Override
    public void fetchRange(
        String endpoint,
        String blobCid,
        long offset,
        long length,
        Duration deadline,
        Consumer<ByteBuffer> frames) {
      throw new IllegalStateException("the packets carry their chunk");
    }
  }

  private ExecutorServiceBlockingStub asOrchestrator() {
    return ExecutorServiceGrpc.newBlockingStub(toExecutor)
        .withCallCredentials(new BearerCredentials(orchestratorHost.context().identity()));
  }

  private AssignTaskResponse assign(String assignmentId) {
    String did = executorHost.context().identity().did();
    return asOrchestrator()
        .assignTask(
            AssignTaskRequest.newBuilder()
                .setAssignment(
                    AssignJobV1.newBuilder()
                        .setJobId("job-1:0")
                        .setExecutorDid(did)
                        .setAssignmentId(assignmentId)
                        .setPrice(5))
                .setTask(
                    ComputeTaskPacket.newBuilder()
                        .setTaskId("job-1:" + assignmentId)
                        .setParentJobId("job-1")
                        .setChunkData(ByteString.copyFromUtf8("the quick brown fox\n"))
                        .setWasmModuleHash(Cid.of(wordCount))
                        .setWasmModule(ByteString.copyFrom(wordCount)))
                .setResultEndpoint(ENDPOINT)
                .build());
  }

  private AnnounceResponse announce() {
    return asOrchestrator()
        .announce(
            AnnounceRequest.newBuilder()
                .setAnnouncement(
                    JobAnnouncementV1.newBuilder()
                        .setJobId("job-2")
                        .setParams(MeshJobParams.newBuilder().setInputSize(10)))
                .build());
  }

  /** The orchestrator's events from now until {@code last} (inclusive), heartbeats left out. */
  private List<String> eventsUntil(String last) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String e = orchestrator.events.poll(100, TimeUnit.MILLISECONDS);
      if (e == null || e.startsWith("heartbeat ")) {
        continue;
      }
      seen.add(e);
      if (e.equals(last)) {
        return seen;
      }
    }
    fail("the orchestrator never saw '" + last + "'; it saw " + seen);
    return seen;
  }

  private void awaitHeartbeatSaying(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      String e = orchestrator.events.poll(100, TimeUnit.MILLISECONDS);
      if (e != null && e.startsWith("heartbeat ") && e.contains(text)) {
        return;
      }
    }
    fail("no heartbeat said " + text);
  }

  @Test
  void aStoppingExecutorRunsItsTasksToDeliveryRefusesNewOnesAndLeavesLast() throws Exception {
    String did = executorHost.context().identity().did();
    eventsUntil("join " + did + " endpoint=executor.test:7100 token=" + TOKEN + " csr=false");
    assertTrue(assign("a-1").getAccepted());
    // One slot: the second waits in the queue, and must run all the same.
    assertTrue(assign("a-2").getAccepted());
    assertTrue(delivering.await(30, TimeUnit.SECONDS), "the first task was never delivered");

    Thread stopping = Thread.ofPlatform().start(executorHost::close);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!announce().getDecline().getReason().equals("DRAINING")) {
      if (System.nanoTime() > deadline) {
        fail("the executor never declined as DRAINING");
      }
      Thread.sleep(20);
    }
    AssignTaskResponse refused = assign("a-3");
    assertFalse(refused.getAccepted());
    assertEquals("DRAINING", refused.getReasonCode());
    awaitHeartbeatSaying("draining=true");
    assertTrue(stopping.isAlive(), "the drain ended before the held delivery");

    release.countDown();
    List<String> seen = eventsUntil("leave " + did + " drained");
    stopping.join(Duration.ofSeconds(30));

    // Both tasks delivered, in whichever order they ran, and the Leave after them.
    assertEquals(
        Set.of("delivered a-1 completed", "delivered a-2 completed"),
        Set.copyOf(seen.subList(0, seen.size() - 1)));
    assertEquals(3, seen.size(), seen.toString());
  }

  @Test
  void anExecutorTheOrchestratorAsksToDrainLeavesAndStops() throws Exception {
    String did = executorHost.context().identity().did();
    eventsUntil("join " + did + " endpoint=executor.test:7100 token=" + TOKEN + " csr=false");
    release.countDown();

    orchestrator.askDrain = true;

    eventsUntil("leave " + did + " drained");
    Thread waiting = Thread.ofPlatform().start(executorHost::awaitStop);
    waiting.join(Duration.ofSeconds(30));
    assertFalse(waiting.isAlive(), "the executor did not stop after it left");
  }
}
