package io.meshwork.receiptlog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshwork.content.Cid;
import io.meshwork.content.MerkleHash;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.receipt.format.OfflineVerifier;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receipt.v1.AnchorReceiptsRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.receiptlog.ReceiptService;
import io.meshwork.receiptlog.store.CheckpointRecord;
import io.meshwork.receiptlog.store.LeafRecord;
import io.meshwork.receiptlog.store.NodeId;
import io.meshwork.receiptlog.store.SqliteLogStore;
import io.meshwork.receiptlog.testing.TestReceipts;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.config.MapSettings;
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
 * membership check, Merkle append, signed checkpoint and a durable SQLite commit per group), and
 * inclusion-proof time in a log of a million leaves, each printed beside Bouncy Castle's raw
 * Ed25519 verification rate measured in the same run, which bounds anchoring.
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
      double verifyRate = rawEd25519VerifiesPerSecond(p.receipts() / 4 + 500);
      double anchorRate = anchoredPerSecond(dir.resolve("anchor"), p);
      double proofMicros = inclusionProofMicros(dir.resolve("proof"), p);
      double verifyMicros = 1e6 / verifyRate;
      System.out.printf(
          "%nreceipt log benchmark (%d cores)%n"
              + "  Bouncy Castle Ed25519 verify, raw, all cores:  %,10.0f /s%n"
              + "  receipts anchored durably via gRPC:           %,10.0f /s  = %.2f x the raw"
              + " verify rate (%d receipts, %d per call, %d clients)%n"
              + "  inclusion proof at %,d leaves (store reads):  %10.1f us  = %.2f x one"
              + " verify (%.1f us)%n%n",
          Runtime.getRuntime().availableProcessors(),
          verifyRate,
          anchorRate,
          anchorRate / verifyRate,
          p.receipts(),
          p.batch(),
          p.clients(),
          p.proofLeaves(),
          proofMicros,
          proofMicros / verifyMicros,
          verifyMicros);
    } finally {
      deleteTree(dir);
    }
  }

  /** Bouncy Castle's own verify on every core, no project code in the loop: the bound. */
  private static double rawEd25519VerifiesPerSecond(int count) throws Exception {
    Identity executor = Identity.generate();
    List<byte[]> messages = new ArrayList<>();
    List<byte[]> signatures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ExecutionReceipt r = TestReceipts.signed(executor, "bench", "task-" + i);
      messages.add(ReceiptCodec.signedBytes(r));
      signatures.add(r.getSignature().toByteArray());
    }
    byte[] key = executor.publicKey();
    int threads = Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      // Warm up, then measure.
      for (int round = 0; round < 2; round++) {
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
                      if (!org.bouncycastle.math.ec.rfc8032.Ed25519.verify(
                          signatures.get(i), 0, key, 0, m, 0, m.length)) {
                        throw new IllegalStateException("signature " + i + " does not verify");
                      }
                    }
                  }));
        }
        for (Future<?> f : parts) {
          f.get();
        }
        if (round == 1) {
          return count / ((System.nanoTime() - start) / 1e9);
        }
      }
      throw new AssertionError();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Concurrent clients anchoring batches through the service on loopback Netty. */
  private static double anchoredPerSecond(Path data, Params p) throws Exception {
    Identity orchestrator = Identity.generate();
    Identity executor = Identity.generate();
    List<ExecutionReceipt> receipts =
        IntStream.range(0, p.receipts())
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
            new MapSettings(
                Map.of(
                    "grpc.port",
                    Integer.toString(port),
                    "admin.port",
                    "-1",
                    "data-dir",
                    data.toString(),
                    "auth.service-dids",
                    orchestrator.did() + "," + executor.did())),
            ReceiptService::create);
    List<ManagedChannel> channels = new ArrayList<>();
    ExecutorService clients = Executors.newFixedThreadPool(p.clients());
    try {
      for (int c = 0; c < p.clients(); c++) {
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
      }
      // A short warm-up with receipts of its own, so the measured run starts on a hot JIT.
      anchorAll(
          channels,
          clients,
          orchestrator,
          IntStream.range(0, Math.min(2_000, p.receipts()))
              .mapToObj(i -> TestReceipts.signed(executor, "warm", "warm-" + i))
              .toList(),
          p.batch());
      long start = System.nanoTime();
      long anchored = anchorAll(channels, clients, orchestrator, receipts, p.batch());
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(p.receipts(), anchored);
      return anchored / seconds;
    } finally {
      clients.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
      host.close();
    }
  }

  private static long anchorAll(
      List<ManagedChannel> channels,
      ExecutorService clients,
      Identity caller,
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
                      .withCallCredentials(new BearerCredentials(caller))
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
