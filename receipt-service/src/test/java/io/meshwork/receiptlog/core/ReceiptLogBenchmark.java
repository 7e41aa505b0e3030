package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.AnchorReceiptsResponse;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.ReceiptSettings;
import io.meshwork.receiptlog.store.CheckpointRecord;
import io.meshwork.receiptlog.store.LeafRecord;
import io.meshwork.receiptlog.store.NodeId;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.tls.TlsTestClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The receipt log's benchmark: receipts anchored per second through gRPC (signature verification,
 * membership check, Merkle append, signed checkpoint and a durable SQLite commit per group) by
 * several clients and by one, and inclusion-proof time in a log of a million leaves, each printed
 * beside Bouncy Castle's raw Ed25519 verification rate measured in the same run (before and after
 * anchoring), which bounds anchoring. It also prints the process CPU time per anchored receipt
 * against that of one raw verification, which other load on the machine does not skew, the rate of
 * verification against a key validated once (what the log does per receipt), and the protobuf cost
 * of one call.
 *
 * <p>Run it with (figures in docs/BENCHMARKS.md):
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl receipt-service test -Dtest=ReceiptLogBenchmark -Dmeshwork.bench=true
 * </pre>
 *
 * <p>Without the property only {@link #smoke()} runs, at a size small enough for the normal test
 * run; it prints the same report and checks only that the results are correct, never timings.
 */
class ReceiptLogBenchmark {
  private record Params(int receipts, int batch, int clients, int proofLeaves, int proofs) {}

  /**
   * A rate measured over wall-clock time, the process CPU time it took per operation, and that CPU
   * time split by the kind of thread that spent it (empty where not measured).
   */
  private record Rate(double perSecond, double cpuMicrosEach, Map<String, Double> cpuByPart) {
    Rate(double perSecond, double cpuMicrosEach) {
      this(perSecond, cpuMicrosEach, Map.of());
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "meshwork.bench", matches = "true")
  void benchmark() throws Exception {
    run(new Params(40_000, 200, 8, 1_000_000, 2_000));
  }

  @Test
  void smoke() throws Exception {
    run(new Params(400, 20, 2, 2_000, 50));
  }

  private static void run(Params p) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "receipt-log-bench"));
    try {
      Identity executor = Identity.generate();
      int verifies = Math.max(1_000, p.receipts() / 2);
      // The reference is measured before and after anchoring, so that a change in the machine's
      // load during the run shows up as a difference between the two, and the ratio uses both.
      Rate rawBefore = rawEd25519Verifies(executor, verifies, false);
      Rate pointBefore = rawEd25519Verifies(executor, verifies, true);
      Rate anchored = anchored(dir.resolve("anchor"), executor, p, p.clients());
      Rate oneClient = anchored(dir.resolve("anchor-1"), executor, p, 1);
      Rate rawAfter = rawEd25519Verifies(executor, verifies, false);
      Rate pointAfter = rawEd25519Verifies(executor, verifies, true);
      double protobufMicros = protobufMicrosPerReceipt(executor, p.batch());
      double proofMicros = inclusionProofMicros(dir.resolve("proof"), p);

      double raw = (rawBefore.perSecond() + rawAfter.perSecond()) / 2;
      double rawCpu = (rawBefore.cpuMicrosEach() + rawAfter.cpuMicrosEach()) / 2;
      double point = (pointBefore.perSecond() + pointAfter.perSecond()) / 2;
      double verifyMicros = 1e6 / raw;
      System.out.printf(
          "%nreceipt log benchmark (%d cores)%n"
              + "  reference: Bouncy Castle Ed25519 verify, raw, all cores: %,9.0f /s"
              + " (before %,.0f, after %,.0f), %.1f us CPU each%n"
              + "  BC verify against a key decoded and validated once:      %,9.0f /s"
              + "  = %.2f x the reference%n"
              + "  receipts anchored durably via gRPC, %d clients:           %,9.0f /s"
              + "  = %.2f x the reference; %.1f us CPU each = %.2f x one raw verify"
              + " (%d receipts, %d per call)%n"
              + "  receipts anchored durably via gRPC, 1 client:            %,9.0f /s"
              + "  = %.2f x the reference%n"
              + "  protobuf encode + decode of a call of %d, request and response: %.1f us per"
              + " receipt = %.2f x one raw verify%n"
              + "  inclusion proof at %,d leaves (store reads):  %10.1f us  = %.2f x one"
              + " verify (%.1f us)%n%n",
          Runtime.getRuntime().availableProcessors(),
          raw,
          rawBefore.perSecond(),
          rawAfter.perSecond(),
          rawCpu,
          point,
          point / raw,
          p.clients(),
          anchored.perSecond(),
          anchored.perSecond() / raw,
          anchored.cpuMicrosEach(),
          anchored.cpuMicrosEach() / rawCpu,
          p.receipts(),
          p.batch(),
          oneClient.perSecond(),
          oneClient.perSecond() / raw,
          p.batch(),
          protobufMicros,
          protobufMicros / rawCpu,
          p.proofLeaves(),
          proofMicros,
          proofMicros / verifyMicros,
          verifyMicros);
      System.out.printf("  CPU per receipt anchored by %d clients, by thread:%n", p.clients());
      anchored
          .cpuByPart()
          .forEach(
              (part, micros) ->
                  System.out.printf(
                      "    %-45s %6.1f us = %.2f x one raw verify%n",
                      part, micros, micros / rawCpu));
      System.out.println();
    } finally {
      deleteTree(dir);
    }
  }

  /** The CPU time this JVM has used, in nanoseconds: every thread, clients included. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The CPU time of every live Java thread, by thread id. */
  private static Map<Long, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    Map<Long, Long> out = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long cpu = threads.getThreadCpuTime(id);
      if (cpu >= 0) {
        out.put(id, cpu);
      }
    }
    return out;
  }

  /**
   * Splits the CPU time a phase took among kinds of threads, in microseconds per receipt; what no
   * live Java thread accounts for (garbage collection, the JIT compilers, threads that ended) is
   * the rest.
   */
  private static Map<String, Double> cpuByPart(
      Map<Long, Long> before, long processNanos, long receipts) {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    Map<String, Double> parts = new java.util.LinkedHashMap<>();
    for (String part :
        List.of(
            "gRPC handlers: checks, proofs, answers",
            "appender: tree, checkpoint, SQLite commit",
            "Netty transport, client and server",
            "benchmark clients: requests, responses")) {
      parts.put(part, 0.0);
    }
    long accounted = 0;
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu < 0) {
        continue;
      }
      long spent = cpu - before.getOrDefault(info.getThreadId(), 0L);
      accounted += spent;
      String name = info.getThreadName();
      String part;
      if (name.startsWith("grpc-default-executor") || name.startsWith("ForkJoinPool.common")) {
        part = "gRPC handlers: checks, proofs, answers";
      } else if (name.equals("receipt-log-appender")) {
        part = "appender: tree, checkpoint, SQLite commit";
      } else if (name.startsWith("grpc-") && name.contains("worker")) {
        part = "Netty transport, client and server";
      } else if (name.startsWith("bench-client-")) {
        part = "benchmark clients: requests, responses";
      } else {
        part = "other Java threads";
      }
      parts.merge(part, spent / 1e3 / receipts, Double::sum);
    }
    parts.put("GC, JIT compilers, ended threads", (processNanos - accounted) / 1e3 / receipts);
    return parts;
  }

  /**
   * Bouncy Castle's own verify on every core, no project code in the loop: the bound. With {@code
   * validatedKey} the key is decoded and fully validated once beforehand, as the log now does per
   * executor; otherwise every call decodes it, as the plain byte-array verify does.
   */
  private static Rate rawEd25519Verifies(Identity executor, int count, boolean validatedKey)
      throws Exception {
    List<byte[]> messages = new ArrayList<>();
    List<byte[]> signatures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ExecutionReceipt r = TestReceipts.signed(executor, "bench", "task-" + i);
      messages.add(ReceiptCodec.signedBytes(r));
      signatures.add(r.getSignature().toByteArray());
    }
    byte[] key = executor.publicKey();
    var point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFullExport(key, 0);
    int threads = Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      // Warm up, then measure.
      for (int round = 0; round < 2; round++) {
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int from = t * count / threads;
          int to = (t + 1) * count / threads;
          parts.add(
              pool.submit(
                  () -> {
                    for (int i = from; i < to; i++) {
                      byte[] m = messages.get(i);
                      boolean ok =
                          validatedKey
                              ? org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                                  signatures.get(i), 0, point, m, 0, m.length)
                              : org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                                  signatures.get(i), 0, key, 0, m, 0, m.length);
                      if (!ok) {
                        throw new IllegalStateException("signature " + i + " does not verify");
                      }
                    }
                  }));
        }
        for (Future<?> f : parts) {
          f.get();
        }
        if (round == 1) {
          double seconds = (System.nanoTime() - start) / 1e9;
          return new Rate(count / seconds, (processCpuNanos() - cpuStart) / 1e3 / count);
        }
      }
      throw new AssertionError();
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The protobuf work of one AnchorReceipts call, without gRPC or the log: the request and the
   * response (an announcement with its inclusion path and checkpoint per receipt) each serialized
   * and parsed once, per receipt.
   */
  private static double protobufMicrosPerReceipt(Identity executor, int batch) throws Exception {
    List<ExecutionReceipt> receipts =
        IntStream.range(0, batch)
            .mapToObj(i -> TestReceipts.signed(executor, "proto", "task-" + i))
            .toList();
    AnchorReceiptsRequest request =
        AnchorReceiptsRequest.newBuilder().addAllReceipts(receipts).build();
    AnchorReceiptsResponse.Builder response = AnchorReceiptsResponse.newBuilder();
    String note =
        "meshwork.local/receipts\n40000\n"
            + "A".repeat(44)
            + "\n\n— meshwork.local/receipts "
            + "B".repeat(92)
            + "\n";
    for (ExecutionReceipt r : receipts) {
      ExecutionReceiptAvailableV1.Builder a =
          ExecutionReceiptAvailableV1.newBuilder()
              .setJobId(r.getJobId())
              .setExecutorDid(r.getExecutorDid())
              .setReceiptCid(ReceiptCodec.cid(r))
              .setLogIndex(12_345)
              .setTreeSize(40_000)
              .setTimestamp(System.currentTimeMillis())
              .setCheckpoint(note);
      for (int level = 0; level < 16; level++) {
        a.addInclusionPath(com.google.protobuf.ByteString.copyFrom(new byte[32]));
      }
      response.addAnchored(a);
    }
    AnchorReceiptsResponse built = response.build();
    int rounds = 200;
    long start = 0;
    for (int round = 0; round < 2 * rounds; round++) {
      if (round == rounds) {
        start = System.nanoTime();
      }
      AnchorReceiptsRequest.parseFrom(request.toByteArray());
      AnchorReceiptsResponse.parseFrom(built.toByteArray());
    }
    return (System.nanoTime() - start) / 1e3 / rounds / batch;
  }

  /** Concurrent clients anchoring batches through the service on loopback Netty. */
  private static Rate anchored(Path data, Identity executor, Params p, int clientCount)
      throws Exception {
    Identity orchestrator = Identity.generate();
    List<ExecutionReceipt> receipts =
        IntStream.range(0, clientCount == 1 ? p.receipts() / 4 : p.receipts())
            .parallel()
            .mapToObj(i -> TestReceipts.signed(executor, "bench-" + (i % 97), "task-" + i))
            .toList();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ServiceHost host =
        ServiceHost.start(
            "receipts",
            ReceiptSettings.SCHEMA,
            new MapSettings(
                Map.of(
                    "grpc.port",
                    Integer.toString(port),
                    "admin.port",
                    "-1",
                    "data-dir",
                    data.toString(),
                    "auth.orchestrators",
                    orchestrator.did(),
                    "auth.executors",
                    executor.did())),
            ReceiptService::create);
    List<ManagedChannel> channels = new ArrayList<>();
    ExecutorService clients =
        Executors.newFixedThreadPool(
            clientCount, Thread.ofPlatform().name("bench-client-", 0).factory());
    try {
      for (int c = 0; c < clientCount; c++) {
        // The orchestrator's calls, as the mesh makes them: mutual TLS, no token.
        channels.add(TlsTestClients.party(port, data.resolve("tls"), orchestrator));
      }
      // A short warm-up with receipts of its own, so the measured run starts on a hot JIT.
      anchorAll(
          channels,
          clients,
          IntStream.range(0, Math.min(2_000, receipts.size()))
              .mapToObj(i -> TestReceipts.signed(executor, "warm", "warm-" + i))
              .toList(),
          p.batch());
      Map<Long, Long> threadsBefore = threadCpuNanos();
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      long anchored = anchorAll(channels, clients, receipts, p.batch());
      double seconds = (System.nanoTime() - start) / 1e9;
      long cpuNanos = processCpuNanos() - cpuStart;
      assertEquals(receipts.size(), anchored);
      return new Rate(
          anchored / seconds,
          cpuNanos / 1e3 / anchored,
          cpuByPart(threadsBefore, cpuNanos, anchored));
    } finally {
      clients.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
      host.close();
    }
  }

  private static long anchorAll(
      List<ManagedChannel> channels,
      ExecutorService clients,
      List<ExecutionReceipt> receipts,
      int batch)
      throws Exception {
    List<Future<Integer>> calls = new ArrayList<>();
    for (int from = 0; from < receipts.size(); from += batch) {
      List<ExecutionReceipt> part = receipts.subList(from, Math.min(receipts.size(), from + batch));
      ManagedChannel channel = channels.get((from / batch) % channels.size());
      calls.add(
          clients.submit(
              () ->
                  ReceiptServiceGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .anchorReceipts(
                          AnchorReceiptsRequest.newBuilder().addAllReceipts(part).build())
                      .getAnchoredCount()));
    }
    long total = 0;
    for (Future<Integer> f : calls) {
      total += f.get();
    }
    return total;
  }

  /**
   * Builds a log of {@code proofLeaves} leaves straight into the SQLite store (the leaves are short
   * stand-ins: a proof reads hashes, never leaf bytes), opens it and times {@link
   * ReceiptLog#inclusionProof} for random receipts, as GetInclusionProof runs it.
   */
  private static double inclusionProofMicros(Path data, Params p) throws Exception {
    Identity logKey = Identity.generate();
    String origin = "bench.meshwork/receipts";
    int n = p.proofLeaves();
    List<String> cids = new ArrayList<>(n);
    try (SqliteLogStore store = SqliteLogStore.open(data.resolve("receipts.db"))) {
      Frontier f = new Frontier();
      store.append(List.of(), Map.of(), sign(logKey, origin, 0, f.root()));
      int chunk = 50_000;
      for (int from = 0; from < n; from += chunk) {
        List<LeafRecord> leaves = new ArrayList<>();
        Map<NodeId, byte[]> nodes = new HashMap<>();
        for (long i = from; i < Math.min(n, from + chunk); i++) {
          byte[] leaf = ("leaf " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          byte[] hash = MerkleHash.leaf(leaf);
          String cid = Cid.of(leaf);
          cids.add(cid);
          leaves.add(new LeafRecord(i, cid, "job", "task", "did:key:bench", leaf, hash, 0));
          f.add(hash, nodes);
        }
        nodes.keySet().removeIf(id -> id.level() == 0);
        store.append(leaves, nodes, sign(logKey, origin, f.size(), f.root()));
      }
      try (ReceiptLog log =
          ReceiptLog.open(
              store, logKey, origin, did -> false, Clock.systemUTC(), ServiceMetrics.none())) {
        var vkey = SignedNote.parseVerifierKey(log.verifierKey());
        Random random = new Random(7);
        // Warm up, checking that the proofs are right; then time.
        for (int i = 0; i < p.proofs(); i++) {
          String cid = cids.get(random.nextInt(n));
          InclusionProof proof = log.inclusionProof(cid, 0);
          byte[] leaf =
              ("leaf " + proof.index()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          var checkpoint = OfflineVerifier.checkpoint(proof.checkpoint().note(), vkey);
          io.meshwork.content.MerkleProofs.verifyInclusion(
              proof.index(), n, MerkleHash.leaf(leaf), proof.path(), checkpoint.rootHash());
        }
        long start = System.nanoTime();
        for (int i = 0; i < p.proofs(); i++) {
          log.inclusionProof(cids.get(random.nextInt(n)), 0);
        }
        return (System.nanoTime() - start) / 1e3 / p.proofs();
      }
    }
  }

  private static CheckpointRecord sign(Identity key, String origin, long size, byte[] root) {
    String body = new io.meshwork.receipt.format.Checkpoint(origin, size, root).body();
    return new CheckpointRecord(size, root, SignedNote.sign(body, origin, key));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
