package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.SplitStrategy;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.content.MerkleHash;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import io.meshwork.receipt.v1.GetReceiptRequest;
import io.meshwork.receipt.v1.ReceiptServiceGrpc;
import io.meshwork.wasm.abi.SampleText;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled example jobs (examples/), each run through the whole mesh and checked against the
 * same computation done in plain Java; and fuel, which must not depend on the executor.
 */
class ExampleJobsTest {
  @TempDir static Path dataDir;
  static DevMesh mesh;
  static MeshClient client;

  @BeforeAll
  static void startMesh() {
    mesh = DevMesh.start(dataDir, MeshFixtures.freeLayout(2), Map.of("rfc0016.t2-ms", "500"));
    client = MeshFixtures.client(mesh, Identity.generate());
  }

  @AfterAll
  static void stopMesh() {
    if (client != null) {
      client.close();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void matrixMultiplySplitsRowsAcrossChunksAndMatchesJava() {
    int n = 2_000;
    int k = 80;
    int m = 64;
    Random random = new Random(11);
    int[] a = random.ints(n * k, -100, 101).toArray();
    int[] b = random.ints(k * m, -100, 101).toArray();
    ByteBuffer input = ByteBuffer.allocate(12 + 4 * (k * m + n * k)).order(ByteOrder.LITTLE_ENDIAN);
    input.putInt(n).putInt(k).putInt(m);
    Arrays.stream(b).forEach(input::putInt);
    Arrays.stream(a).forEach(input::putInt);

    JobResult result =
        run(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.example("matmul"))
                .input(input.array())
                .splitStrategy(SplitStrategy.WASM));

    // 256 KiB bands of 320-byte rows: 819 rows a band, so 3 chunks.
    assertEquals(3, result.status().getTotalChunks());
    ByteBuffer expected = ByteBuffer.allocate(4 * n * m).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        int sum = 0;
        for (int t = 0; t < k; t++) {
          sum += a[i * k + t] * b[t * m + j];
        }
        expected.putInt(sum);
      }
    }
    assertArrayEquals(expected.array(), result.bytes());
  }

  @Test
  void sha256OfEachChunkMergesIntoTheMerkleRootOfTheChunkHashes() throws Exception {
    byte[] input = new byte[300_000];
    new Random(5).nextBytes(input);
    int chunk = 32 * 1024;

    JobResult result =
        run(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.example("sha256"))
                .input(input)
                .splitStrategy(SplitStrategy.FIXED)
                .maxChunkSize(chunk));

    List<byte[]> leafHashes = new ArrayList<>();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int from = 0; from < input.length; from += chunk) {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Arrays.copyOfRange(input, from, Math.min(input.length, from + chunk)));
      expected.write(digest);
      leafHashes.add(MerkleHash.leaf(digest));
    }
    expected.write(MerkleHash.root(leafHashes));
    assertEquals(10, leafHashes.size());
    assertEquals(10, result.status().getTotalChunks());
    assertArrayEquals(expected.toByteArray(), result.bytes());
  }

  @Test
  void grepReturnsTheMatchingLinesInOrder() {
    byte[] text = SampleText.generate(400_000, 21);
    String pattern = "mesh with";
    byte[] input = concat((pattern + "\n").getBytes(StandardCharsets.US_ASCII), text);

    JobResult result =
        run(
            JobRequest.newBuilder()
                .wasmModule(MeshFixtures.example("grep"))
                .input(input)
                .splitStrategy(SplitStrategy.WASM));

    StringBuilder expected = new StringBuilder();
    for (String line : new String(text, StandardCharsets.US_ASCII).split("\n")) {
      if (line.contains(pattern)) {
        expected.append(line).append('\n');
      }
    }
    assertTrue(expected.length() > 0, "the corpus has matching lines");
    assertTrue(result.status().getTotalChunks() >= 6, "400 kB in 64 KiB parts");
    assertEquals(expected.toString(), new String(result.bytes(), StandardCharsets.US_ASCII));
  }

  @Test
  void fuelIsTheSameOnEveryExecutorAndRunAndALowerLimitFailsWithTheFigures(@TempDir Path other)
      throws Exception {
    // Eight identical chunks per job, five jobs on this mesh and five on a second one: every
    // receipt must show the same fuel, whichever executor signed it. (Within one mesh, equal
    // bids go to the same executor, so the second mesh is what guarantees other executors.)
    byte[] line =
        "the same words on every line of every chunk\n".getBytes(StandardCharsets.US_ASCII);
    byte[] input = new byte[line.length * 8 * 100];
    for (int i = 0; i < input.length; i += line.length) {
      System.arraycopy(line, 0, input, i, line.length);
    }
    Set<Long> fuel = new HashSet<>();
    Set<String> executors = new HashSet<>();
    collectFuel(client, mesh, input, line.length * 100, fuel, executors);
    try (DevMesh second =
            DevMesh.start(other, MeshFixtures.freeLayout(1), Map.of("rfc0016.t2-ms", "500"));
        MeshClient otherClient = MeshFixtures.client(second, Identity.generate())) {
      collectFuel(otherClient, second, input, line.length * 100, fuel, executors);
    }
    assertEquals(1, fuel.size(), "fuel differed: " + fuel);
    assertTrue(executors.size() >= 2, "executors: " + executors);

    long needed = fuel.iterator().next();
    JobResult starved =
        client.result(
            client.submit(
                JobRequest.newBuilder()
                    .wasmModule(MeshFixtures.wordCount())
                    .input(Arrays.copyOf(input, line.length * 100))
                    .limits(ResourceLimits.newBuilder().setFuel(needed - 1).build())
                    .manaBudget(100)
                    .build()),
            Duration.ofSeconds(60));
    assertFalse(starved.success());
    assertTrue(starved.error().contains("FUEL_EXHAUSTED"), starved.error());
    assertTrue(starved.error().contains("limit of " + (needed - 1)), starved.error());
  }

  /** Runs five jobs on {@code mesh}; notes every execute receipt's fuel and signer. */
  private static void collectFuel(
      MeshClient client,
      DevMesh mesh,
      byte[] input,
      int chunkSize,
      Set<Long> fuel,
      Set<String> executors) {
    ManagedChannel channel = MeshFixtures.userChannel(mesh, "receipts");
    try {
      var log =
          ReceiptServiceGrpc.newBlockingStub(channel)
              .withCallCredentials(new BearerCredentials(Identity.generate()));
      for (int run = 0; run < 5; run++) {
        JobResult result =
            client.result(
                client.submit(
                    JobRequest.newBuilder()
                        .wasmModule(MeshFixtures.wordCount())
                        .input(input)
                        .splitStrategy(SplitStrategy.FIXED)
                        .maxChunkSize(chunkSize)
                        .manaBudget(500)
                        .build()),
                Duration.ofSeconds(60));
        assertTrue(result.success(), result.error());
        for (ReceiptRef ref : result.receipts()) {
          ExecutionReceipt receipt =
              log.getReceipt(GetReceiptRequest.newBuilder().setCid(ref.getReceiptCid()).build())
                  .getReceipt();
          if (receipt.getExportName().equals("execute")) {
            fuel.add(receipt.getFuelUsed());
            executors.add(receipt.getExecutorDid());
          }
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static JobResult run(JobRequest.Builder request) {
    JobResult result =
        client.result(client.submit(request.manaBudget(2_000).build()), Duration.ofSeconds(60));
    assertTrue(result.success(), result.error());
    return result;
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }
}
