package io.meshwork.examples.sdk;

import io.meshwork.client.AsyncMeshClient;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobSubscription;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.ReceiptProofVerifier;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerifiedReceipt;
import io.meshwork.client.VerifiedResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Counts the words of a text file on a Meshwork mesh with the Java SDK, then checks the result's
 * receipts offline against the receipt log's key.
 *
 * <pre>
 * java -cp 'target/classes:target/lib/*' io.meshwork.examples.sdk.CountWords \
 *     --wasm ../wordcount/wordcount.wasm --input book.txt [--orchestrator HOST:PORT]
 *     [--ledger HOST:PORT] [--receipt-log HOST:PORT] [--cacert FILE] [--home DIR] [--log-key KEY]
 * </pre>
 *
 * <p>Without {@code --log-key} the key is asked of the log once and printed, to be compared with
 * the one the log's operator publishes; with it, nothing the mesh says is trusted for the check.
 */
public final class CountWords {
  private CountWords() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = flags(args);
    MeshClientOptions.Builder options =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(flags.getOrDefault("--orchestrator", "localhost:50051"))
            .ledgerTarget(flags.getOrDefault("--ledger", "localhost:50052"))
            .receiptTarget(flags.getOrDefault("--receipt-log", "localhost:50053"));
    if (flags.containsKey("--cacert")) {
      options.caCertificate(Path.of(flags.get("--cacert")));
    }
    if (flags.containsKey("--home")) {
      options.home(Path.of(flags.get("--home")));
    }
    byte[] text = Files.readAllBytes(Path.of(require(flags, "--input")));
    JobRequest job =
        JobRequest.newBuilder()
            .wasmModule(Files.readAllBytes(Path.of(require(flags, "--wasm"))))
            .input(text)
            .splitStrategy(SplitStrategy.LINES)
            .maxChunkSize(Math.max(64, text.length / 4 + 1))
            .build();

    try (MeshClient mesh = MeshClient.connect(options.build())) {
      AsyncMeshClient async = mesh.async();

      // Submit, follow the job's progress as it streams, and wait for its result: all of it
      // without a thread blocked on a call.
      CompletableFuture<JobResult> counted =
          async
              .submit(job)
              .thenCompose(
                  jobId -> {
                    System.out.println("submitted " + jobId);
                    JobSubscription progress =
                        async.watch(
                            jobId,
                            s ->
                                System.out.println(
                                    "  "
                                        + s.getStatus()
                                        + " "
                                        + s.getCompletedChunks()
                                        + "/"
                                        + s.getTotalChunks()));
                    return async
                        .result(jobId, Duration.ofMinutes(5))
                        .whenComplete((r, e) -> progress.cancel());
                  });
      JobResult result = counted.get(6, TimeUnit.MINUTES);
      if (!result.success()) {
        System.err.println("the job failed: " + result.error());
        System.exit(1);
      }
      System.out.println("words " + new String(result.bytes(), StandardCharsets.UTF_8));

      // Offline verification: the proofs are fetched once; checking them needs only the key.
      String logKey = flags.get("--log-key");
      if (logKey == null) {
        logKey = mesh.checkpoint().getVerifierKey();
        System.out.println("log key (as the log reports it) " + logKey);
      }
      Map<String, String> proofs = new LinkedHashMap<>(mesh.proofBundles(result));
      VerifiedResult verified = ReceiptProofVerifier.forLogKey(logKey).verify(result, proofs);
      for (VerifiedReceipt receipt : verified.receipts()) {
        System.out.println(
            "  receipt "
                + receipt.cid()
                + " leaf "
                + receipt.index()
                + " of "
                + receipt.treeSize()
                + ", task "
                + receipt.receipt().getTaskId()
                + " by "
                + receipt.receipt().getExecutorDid());
      }
      System.out.println(
          "verified "
              + verified.receipts().size()
              + " receipts of result "
              + verified.resultCid()
              + " offline");
    }
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --flag VALUE pairs, got " + args[i]);
      }
      flags.put(args[i], args[i + 1]);
    }
    return flags;
  }

  private static String require(Map<String, String> flags, String name) {
    String value = flags.get(name);
    if (value == null) {
      System.err.println("usage: CountWords --wasm FILE --input FILE [--orchestrator HOST:PORT] ...");
      System.exit(2);
    }
    return value;
  }
}
