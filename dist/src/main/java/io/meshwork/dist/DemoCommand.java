package io.meshwork.dist;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobWatch;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerificationMode;
import io.meshwork.client.cli.MeshCli;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import io.meshwork.ledger.v1.Account;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork demo}: counts the words of a few megabytes of text on the mesh, split into lines,
 * and shows the count, the receipts and the mana that moved.
 */
@Command(
    name = "demo",
    description =
        "Run the word-count example on the development mesh (started here if none is running).")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      description = "Data folder of the mesh started here (default: ${DEFAULT-VALUE}).")
  Path dataDir = MeshHome.dir().resolve("dev");

  @Option(
      names = "--port-base",
      description = "Orchestrator port of the mesh (default: ${DEFAULT-VALUE}).")
  int portBase = 50051;

  @Option(
      names = "--size-mb",
      description = "Size of the generated text in MiB (default: ${DEFAULT-VALUE}).")
  int sizeMb = 4;

  @Option(names = "--chunk-kib", description = "Largest chunk in KiB (default: ${DEFAULT-VALUE}).")
  int chunkKib = 64;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    DevMesh started = null;
    MeshLayout layout = new MeshLayout(portBase, 2);
    boolean plaintext = MeshCli.from(spec).plaintext();
    Optional<Path> ca =
        plaintext
            ? Optional.empty()
            : Optional.of(
                MeshCli.from(spec)
                    .caCertificate()
                    .orElse(dataDir.resolve(DevMesh.TLS_DIR).resolve("ca.pem")));
    if (plaintext) {
      System.err.println(
          "meshwork demo: --plaintext: INSECURE, the mesh runs without TLS. For debugging only.");
    }
    if (!running(layout.target("orchestrator"), ca, plaintext)) {
      System.out.println("Starting the development mesh in " + dataDir.toAbsolutePath() + " ...");
      started =
          DevMesh.start(dataDir, layout, plaintext ? Map.of("tls.plaintext", "true") : Map.of());
      for (DevMesh.Endpoint e : started.endpoints()) {
        System.out.printf("  %-13s 127.0.0.1:%d%n", e.name(), e.grpcPort());
      }
    } else {
      System.out.println("Using the mesh already running at " + layout.target("orchestrator"));
    }
    try {
      return run(layout, ca, plaintext);
    } finally {
      if (started != null) {
        started.close();
      }
    }
  }

  private int run(MeshLayout layout, Optional<Path> ca, boolean plaintext) throws IOException {
    Path demoDir = dataDir.resolve("demo");
    Files.createDirectories(demoDir);
    byte[] text = SampleText.generate(sizeMb << 20, 16);
    Path corpus = demoDir.resolve("corpus.txt");
    Files.write(corpus, text);
    byte[] module = wordCountModule();
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(layout.target("orchestrator"))
            .ledgerTarget(layout.target("ledger"))
            .identity(
                Identity.loadOrCreate(
                    MeshCli.from(spec).home().orElse(MeshHome.dir()).resolve("identity.key")))
            .caCertificate(ca.orElse(null))
            .plaintext(plaintext)
            .build();
    try (MeshClient client = MeshClient.connect(options)) {
      Account before = client.balance().account();
      System.out.printf(
          "%nSubmitting word count over %s (%,d bytes) as %s%n", corpus, text.length, client.did());
      long started = System.nanoTime();
      String jobId =
          client.submit(
              JobRequest.newBuilder()
                  .wasmModule(module)
                  .input(text)
                  .splitStrategy(SplitStrategy.LINES)
                  .maxChunkSize((long) chunkKib << 10)
                  .verificationMode(VerificationMode.HASH)
                  .retryCount(2)
                  .manaBudget(5_000)
                  .build());
      System.out.println("Job " + jobId);
      try (JobWatch watch = client.watch(jobId)) {
        while (watch.hasNext()) {
          ComputeJobStatus s = watch.next();
          System.out.printf(
              "\r  %-10s %4d/%-4d chunks %3.0f%%",
              s.getStatus(), s.getCompletedChunks(), s.getTotalChunks(), s.getProgress() * 100);
        }
      }
      System.out.println();
      JobResult result = client.result(jobId, Duration.ofSeconds(60));
      double seconds = (System.nanoTime() - started) / 1e9;
      if (!result.success()) {
        System.out.println("The job did not complete: " + result.error());
        return 1;
      }
      String count = new String(result.bytes(), StandardCharsets.US_ASCII);
      System.out.printf("%nWord count from the mesh: %s   (in %.2f s)%n", count, seconds);
      System.out.printf(
          "Word count computed here: %d   (check with: wc -w %s)%n",
          SampleText.countWords(text), corpus);
      System.out.println("Result CID: " + result.resultCid().orElse("-"));
      System.out.printf(
          "%nReceipts (%d, anchored in the receipt log):%n", result.receipts().size());
      Map<String, Long> earned = new TreeMap<>();
      int shown = 0;
      for (ReceiptRef r : result.receipts()) {
        earned.merge(r.getExecutorDid(), r.getPrice(), Long::sum);
        if (shown++ < 5 || r.getTaskId().endsWith(":merge")) {
          System.out.printf(
              "  %-32s log #%-5d %s%n", r.getTaskId(), r.getLogIndex(), r.getReceiptCid());
        } else if (shown == 6) {
          System.out.println("  ...");
        }
      }
      Account after = client.balance().account();
      System.out.printf("%nMana of %s:%n", client.did());
      System.out.printf(
          "  before %,d   after %,d   (spent %,d, held now %,d)%n",
          before.getBalance(),
          after.getBalance(),
          before.getBalance() - after.getBalance(),
          after.getHeld());
      System.out.println("Paid to executors:");
      earned.forEach((did, mana) -> System.out.printf("  %s  %,d mana%n", did, mana));
      boolean match = count.trim().equals(Long.toString(SampleText.countWords(text)));
      System.out.println(match ? "\nThe counts agree." : "\nTHE COUNTS DIFFER.");
      return match ? 0 : 1;
    }
  }

  private static byte[] wordCountModule() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/examples/wordcount.wasm")) {
      if (in == null) {
        throw new IOException("the word-count module is missing from the launcher's resources");
      }
      return in.readAllBytes();
    }
  }

  /**
   * Whether a mesh answers health checks at {@code target}, over TLS trusting {@code ca} (or in
   * plaintext). A mesh whose CA is not {@code ca} does not count: the demo could not talk to it.
   */
  static boolean running(String target, Optional<Path> ca, boolean plaintext) {
    if (ca.isPresent() && !Files.isRegularFile(ca.get())) {
      return false;
    }
    ManagedChannel channel = ClientChannels.open(target, ca, plaintext);
    try {
      HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(1, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      channel.shutdownNow();
    }
  }
}
