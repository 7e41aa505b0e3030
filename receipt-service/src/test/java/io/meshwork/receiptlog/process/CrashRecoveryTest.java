package io.meshwork.receiptlog.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.LogAudit;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ParsedVerifierKey;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.GetCheckpointRequest;
import io.meshwork.receipt.v1.GetCheckpointResponse;
import io.meshwork.receipt.v1.GetConsistencyProofRequest;
import io.meshwork.receipt.v1.GetLeavesRequest;
import io.meshwork.receipt.v1.GetLeavesResponse;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receipt.v1.ReceiptServiceGrpc.ReceiptServiceBlockingStub;
import io.meshwork.receiptlog.ReceiptMain;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.tls.CertificateAuthority;
import io.meshwork.runtime.tls.TlsTestClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receipt service as its own JVM, killed with {@code destroyForcibly} (SIGKILL) while callers
 * anchor under load, and restarted on the same data, several times: every acknowledged receipt is
 * still in the log at the index it was given, every checkpoint seen before a crash is extended by
 * the one after it, and an fsck of every leaf agrees with the latest checkpoint.
 */
class CrashRecoveryTest {
  private static final String ORIGIN = "crash.test/receipts";
  private static final int CRASHES = 3;
  private static final int CALLERS = 4;

  @TempDir Path dir;

  private final Identity orchestrator = Identity.generate();
  private final Identity executor = Identity.generate();

  @Test
  void acknowledgedReceiptsSurviveKillNine() throws Exception {
    Path data = dir.resolve("receipts");
    Identity logKey = Identity.loadOrCreate(data.resolve("receipts.key"));
    ParsedVerifierKey vkey =
        SignedNote.parseVerifierKey(SignedNote.verifierKey(ORIGIN, logKey.publicKey()));
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger sequence = new AtomicInteger();
    String lastNote = null;

    // The log serves TLS with a certificate from the development CA in its data folder (made here
    // first, found there by the service); the test anchors as the orchestrator over mutual TLS.
    Path caDir = data.resolve("tls");
    CertificateAuthority.loadOrCreate(caDir);
    for (int round = 0; round <= CRASHES; round++) {
      int port = freePort();
      Process service = start(data, port);
      ManagedChannel channel = TlsTestClients.party(port, caDir, orchestrator);
      try {
        awaitServing(channel, service);
        ReceiptServiceBlockingStub log = ReceiptServiceGrpc.newBlockingStub(channel);

        // Everything acknowledged before the last crash is there, at the same index.
        for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
          long index =
              log.withDeadlineAfter(10, TimeUnit.SECONDS)
                  .getReceipt(GetReceiptRequest.newBuilder().setCid(e.getKey()).build())
                  .getLogIndex();
          assertEquals(e.getValue(), index, "receipt " + e.getKey() + " moved");
        }
        // The log after the crash extends the last checkpoint seen before it.
        GetCheckpointResponse now = log.getCheckpoint(GetCheckpointRequest.getDefaultInstance());
        if (lastNote != null) {
          Checkpoint before = OfflineVerifier.checkpoint(lastNote, vkey);
          if (before.treeSize() > 0) {
            OfflineVerifier.verifyConsistency(
                lastNote,
                now.getSignedNote(),
                log
                    .getConsistencyProof(
                        GetConsistencyProofRequest.newBuilder()
                            .setFromSize(before.treeSize())
                            .setToSize(now.getTreeSize())
                            .build())
                    .getPathList()
                    .stream()
                    .map(b -> b.toByteArray())
                    .toList(),
                vkey);
          }
        }
        if (round == CRASHES) {
          fsck(log, vkey, now);
          break;
        }

        // Load, then kill -9 while the callers are mid-call.
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          callers.add(
              Thread.ofPlatform()
                  .start(() -> anchorUntilStopped(log, stop, sequence, acknowledged)));
        }
        long before = acknowledged.size();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // Crash once the load has got going, at a moment the test does not choose precisely.
        while (acknowledged.size() < before + 300 && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        lastNote = log.getCheckpoint(GetCheckpointRequest.getDefaultInstance()).getSignedNote();
        Thread.sleep(100);
        service.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        stop.set(true);
        for (Thread t : callers) {
          t.join(30_000);
        }
        assertTrue(acknowledged.size() > before, "round " + round + " anchored nothing");
      } finally {
        channel.shutdownNow();
        service.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** What {@code meshwork receipt fsck} does: every leaf, each receipt checked, root compared. */
  private static void fsck(
      ReceiptServiceBlockingStub log, ParsedVerifierKey vkey, GetCheckpointResponse latest)
      throws Exception {
    Checkpoint checkpoint = OfflineVerifier.checkpoint(latest.getSignedNote(), vkey);
    LogAudit audit = new LogAudit(true);
    while (audit.size() < checkpoint.treeSize()) {
      GetLeavesResponse page =
          log.getLeaves(
              GetLeavesRequest.newBuilder()
                  .setStartIndex(audit.size())
                  .setCount((int) Math.min(1000, checkpoint.treeSize() - audit.size()))
                  .build());
      for (var leaf : page.getLeavesList()) {
        audit.add(leaf.toByteArray());
      }
    }
    audit.requireMatches(checkpoint);
  }

  private void anchorUntilStopped(
      ReceiptServiceBlockingStub log,
      AtomicBoolean stop,
      AtomicInteger sequence,
      Map<String, Long> acknowledged) {
    while (!stop.get()) {
      List<ExecutionReceipt> batch = new ArrayList<>();
      int size = 1 + sequence.get() % 16;
      for (int i = 0; i < size; i++) {
        batch.add(TestReceipts.signed(executor, "crash", "task-" + sequence.incrementAndGet()));
      }
      List<ExecutionReceiptAvailableV1> answer;
      try {
        answer =
            log.withDeadlineAfter(10, TimeUnit.SECONDS)
                .anchorReceipts(AnchorReceiptsRequest.newBuilder().addAllReceipts(batch).build())
                .getAnchoredList();
      } catch (RuntimeException killed) {
        // The service died mid-call: these receipts were not acknowledged, whatever happened.
        return;
      }
      for (ExecutionReceiptAvailableV1 a : answer) {
        acknowledged.put(a.getReceiptCid(), a.getLogIndex());
      }
    }
  }

  private Process start(Path data, int port) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx256m");
    // The client JIT only: the process lives for seconds, beside others on two cores.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ReceiptMain.class.getName());
    for (String s :
        List.of(
            "grpc.port=" + port,
            "admin.port=-1",
            "data-dir=" + data,
            "identity.file=" + data.resolve("receipts.key"),
            "receipts.origin=" + ORIGIN,
            "auth.orchestrators=" + orchestrator.did(),
            "auth.executors=" + executor.did(),
            "mesh.dev-mode=true")) {
      command.add("--set");
      command.add(s);
    }
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("receipts.log").toFile()))
        .start();
  }

  private static void awaitServing(ManagedChannel channel, Process service)
      throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        HealthCheckResponse r =
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (RuntimeException notYet) {
        if (!service.isAlive() || System.nanoTime() > until) {
          throw new AssertionError("the receipt service did not start", notYet);
        }
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
