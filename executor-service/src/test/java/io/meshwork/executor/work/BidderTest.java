package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.compute.v1.ComputeTaskResult;
import io.meshwork.content.Cid;
import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.AssignJobV1;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.WasmEngine;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bids: price from the documented rule, fuel and time from what the module used here before. */
class BidderTest {
  private static final long MIB = 1L << 20;

  private final BlockingQueue<ComputeTaskResult> results = new LinkedBlockingQueue<>();
  private byte[] wordCount;
  private TaskRunner runner;
  private Bidder bidder;

  @BeforeEach
  void setUp() throws Exception {
    wordCount = Files.readAllBytes(Path.of("..", "examples", "wordcount", "wordcount.wasm"));
    OrchestratorLink link =
        new OrchestratorLink() {
          @Override
          public boolean deliver(String endpoint, ComputeTaskResult result) {
            results.add(result);
            return true;
          }

          @Override
          public byte[] fetchModule(String endpoint, String moduleCid) {
            throw new IllegalStateException("not needed");
          }

          @Override
          public void fetchRange(
              String endpoint,
              String blobCid,
              long offset,
              long length,
              Duration deadline,
              Consumer<ByteBuffer> frames) {
            throw new IllegalStateException("not needed");
          }
        };
    runner =
        new TaskRunner(
            WasmEngine.chicory(),
            new ModuleCache(4),
            Identity.generate(),
            link,
            ChunkCache.disabled(),
            Clock.systemUTC(),
            1,
            1,
            MIB,
            ServiceMetrics.none());
    bidder =
        new Bidder(
            runner, new PricingRule(1, 16, 0.5), "did:key:zExecutor", 64 * MIB, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    runner.close();
  }

  private JobAnnouncementV1 announcement(long inputSize, long memory, long maxPrice) {
    return JobAnnouncementV1.newBuilder()
        .setJobId("job:0")
        .setParams(
            MeshJobParams.newBuilder()
                .setModuleCid(Cid.of(wordCount))
                .setInputSize(inputSize)
                .setMaxPrice(maxPrice)
                .setLimits(
                    ResourceLimits.newBuilder().setFuel(1_000_000_000L).setMemoryBytes(memory)))
        .build();
  }

  @Test
  void aModuleNeverRunHereIsBidAtItsFuelLimitAndItsFuelPerByteOnceItHas() throws Exception {
    AnnounceResponse first = bidder.answer(announcement(8_000, MIB, 0));
    assertEquals(1_000_000_000L, first.getBid().getResources().getFuel());
    assertEquals(1 + (long) Math.ceil(16.0 * 8_000 / MIB), first.getBid().getPrice());
    assertEquals(false, first.getBid().getModuleCached());

    String text = "some words to count\n".repeat(200); // 4,000 bytes
    runner.assign(
        AssignJobV1.newBuilder().setAssignmentId("a-1").setJobId("job:0").build(),
        ComputeTaskPacket.newBuilder()
            .setTaskId("job:0")
            .setChunkData(ByteString.copyFromUtf8(text))
            .setWasmModuleHash(Cid.of(wordCount))
            .setWasmModule(ByteString.copyFrom(wordCount))
            .build(),
        "o:1",
        "did:key:zOrchestrator");
    ComputeTaskResult done = results.poll(30, TimeUnit.SECONDS);
    assertEquals("completed", done.getStatus());
    long used = done.getReceipts(0).getFuelUsed();

    AnnounceResponse second = bidder.answer(announcement(8_000, MIB, 0));
    // Twice the input at the same fuel per byte.
    assertEquals(2 * used, second.getBid().getResources().getFuel());
    assertTrue(second.getBid().getModuleCached());
    assertTrue(second.getBid().getEstimatedTimeMs() >= 1);
  }

  @Test
  void anExecutorThatCannotTakeTheTaskSaysWhy() {
    AnnounceResponse tooBig = bidder.answer(announcement(1_000, 128 * MIB, 0));
    assertEquals("OVER_MEMORY", tooBig.getDecline().getReason());
    assertTrue(tooBig.getDecline().getMessage().contains("at most 67108864"));

    AnnounceResponse tooDear = bidder.answer(announcement(4 * MIB, MIB, 10));
    assertEquals("PRICE_ABOVE_MAX", tooDear.getDecline().getReason());
    assertTrue(tooDear.getDecline().getMessage().contains("65 mana, above the 10 offered"));
  }
}
