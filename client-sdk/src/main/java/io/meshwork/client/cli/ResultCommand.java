package io.meshwork.client.cli;

import io.meshwork.client.DownloadProgress;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobSubscription;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork result}: waits for a job to end (by default; {@code --timeout} bounds the wait,
 * {@code --no-wait} asks once), then prints its result or writes it to a file. On a terminal the
 * job's progress shows on standard error meanwhile.
 */
@Command(
    name = "result",
    description = {
      "Wait for a job to end, then print its result or write it to a file.",
      "Exit code 4 when the job is still running at the end of --timeout."
    })
final class ResultCommand implements Callable<Integer> {
  /** How long a result is waited for when {@code --timeout} does not say: a day. */
  static final long DEFAULT_TIMEOUT_SECS = 24 * 60 * 60;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
  private String jobId;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the result bytes to FILE.")
  private Path output;

  @Option(
      names = {"--timeout", "--wait"},
      paramLabel = "SECS",
      description =
          "Wait at most SECS for the job to end (default: a day); 0 asks once, as --no-wait.")
  private Long timeoutSecs;

  @Option(
      names = "--no-wait",
      description = "Answer at once, with the job's state if it is still running.")
  private boolean noWait;

  @Option(
      names = "--receipts",
      paramLabel = "DIR",
      description =
          "Save the offline proof bundle (C2SP tlog-proof) of every receipt behind the result"
              + " into DIR, one <receipt CID>.tlog-proof each, with an index.json; check one with"
              + " 'meshwork receipt verify FILE --log-key KEY'. A merkle job's folder also gets"
              + " its signed job statement, chunk results and proofs: check it whole with"
              + " 'meshwork receipt verify-job DIR --log-key KEY'.")
  private Path receiptsDir;

  @Override
  public Integer call() throws IOException {
    MeshCli cli = MeshCli.from(spec);
    if (timeoutSecs != null && timeoutSecs < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--timeout must not be negative");
    }
    if (timeoutSecs != null && noWait) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "give --timeout or --no-wait, not both");
    }
    Duration wait =
        noWait
            ? Duration.ZERO
            : Duration.ofSeconds(timeoutSecs == null ? DEFAULT_TIMEOUT_SECS : timeoutSecs);
    try (MeshClient mesh = cli.connect()) {
      JobResult result = await(cli, mesh, jobId, wait);
      if (receiptsDir != null && result.success()) {
        saveProofs(cli, mesh, result, receiptsDir);
      }
      return print(cli, mesh, result, output);
    }
  }

  /**
   * Waits up to {@code wait} for the job's result. On a terminal (and without --json) the job's
   * progress is drawn meanwhile from a status stream of its own, cancelled once the wait is over.
   */
  static JobResult await(MeshCli cli, MeshClient mesh, String jobId, Duration wait) {
    ProgressLine progress = cli.progressLine();
    if (wait.isZero() || !progress.shows() || cli.json()) {
      return mesh.result(jobId, wait);
    }
    JobSubscription watch = mesh.async().watch(jobId, progress::show);
    try {
      return mesh.result(jobId, wait);
    } finally {
      watch.cancel();
      progress.finish();
    }
  }

  /**
   * Writes each receipt's proof bundle from the receipt log into {@code dir}, and an index of which
   * task and executor each one is for. Progress goes to standard error so that the result on
   * standard output stays clean.
   */
  private static void saveProofs(MeshCli cli, MeshClient mesh, JobResult result, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    List<Map<String, Object>> index = new ArrayList<>();
    Map<String, String> bundles = new java.util.LinkedHashMap<>();
    int n = 0;
    for (ReceiptRef ref : result.receipts()) {
      String bundle = mesh.inclusionProof(ref.getReceiptCid()).getProofBundle();
      bundles.put(ref.getReceiptCid(), bundle);
      String file = ref.getReceiptCid() + ".tlog-proof";
      Files.writeString(dir.resolve(file), bundle, StandardCharsets.UTF_8);
      Map<String, Object> entry = Json.object();
      entry.put("task_id", ref.getTaskId());
      entry.put("receipt_cid", ref.getReceiptCid());
      entry.put("log_index", ref.getLogIndex());
      entry.put("executor_did", ref.getExecutorDid());
      entry.put("price", ref.getPrice());
      entry.put("file", file);
      index.add(entry);
      n++;
      if (!cli.json()) {
        cli.err().printf("\rsaving proof bundles: %d/%d", n, result.receipts().size());
        cli.err().flush();
      }
    }
    Map<String, Object> json = Json.object();
    json.put("job_id", result.jobId());
    json.put("result_cid", result.resultCid().orElse(""));
    json.put("receipts", index);
    if (result.statement().isPresent()) {
      JobBundles.save(mesh, result, bundles, dir);
      json.put("statement_cid", result.statement().get().getCid());
      json.put("statement_file", "statement.tlog-proof");
    }
    Files.writeString(dir.resolve("index.json"), Json.write(json) + "\n", StandardCharsets.UTF_8);
    if (!cli.json()) {
      cli.err().println("\rsaved " + n + " proof bundles to " + dir);
      cli.err().flush();
    }
  }

  /** The exit code of a result without bytes: the job failed, or has not ended yet. */
  private static int exitCode(JobResult result) {
    return JobViews.isFinal(result.status()) ? MeshCli.EXIT_FAILURE : MeshCli.EXIT_STILL_RUNNING;
  }

  /**
   * Prints a result as {@code result} and {@code submit --wait} show it, returning the exit code.
   * With {@code output}, the bytes are streamed to that file (a stored result from the blob
   * service, never whole in memory); without it, an inline result is printed as text and a stored
   * one is streamed to standard output as it is. With {@code --json}, a stored result is described
   * (CID, size) rather than printed.
   */
  static int print(MeshCli cli, MeshClient mesh, JobResult result, Path output) {
    if (result.success() && output != null) {
      TransferProgressView progress =
          result.inline() || cli.json()
              ? null
              : TransferProgressView.downloading(
                  cli.progressLine(), String.valueOf(output.getFileName()));
      try {
        mesh.readResult(result, output, progress == null ? DownloadProgress.NONE : progress);
      } finally {
        if (progress != null) {
          progress.stop();
        }
      }
    }
    if (cli.json()) {
      Map<String, Object> json = Json.object();
      json.put("job_id", result.jobId());
      json.put("success", result.success());
      json.put("status", result.status().getStatus());
      json.put("error", result.error());
      json.put("result_cid", result.resultCid().orElse(""));
      json.put("size", result.resultSize());
      json.put("stored", !result.inline());
      if (output != null) {
        json.put("output", output.toString());
      } else if (result.inline()) {
        json.put("result_base64", Base64.getEncoder().encodeToString(result.bytes()));
      }
      json.put("receipts", JobViews.receiptsJson(result.receipts()));
      result.merkleRoot().ifPresent(root -> json.put("merkle_root", root));
      cli.out().println(Json.write(json));
      cli.out().flush();
      return result.success() ? 0 : exitCode(result);
    }
    if (!result.success()) {
      String state = result.status().getStatus();
      boolean running = !JobViews.isFinal(result.status());
      cli.err()
          .println(
              cli.colours().red("meshwork:")
                  + " job "
                  + result.jobId()
                  + " has no result: "
                  + (result.error().isEmpty() ? "it has not finished" : result.error())
                  + (state.isEmpty() ? "" : " (" + state + ")")
                  + (running
                      ? "; wait longer with 'meshwork result " + result.jobId() + " --timeout SECS'"
                      : ""));
      cli.err().flush();
      return exitCode(result);
    }
    if (output == null && !result.inline()) {
      // Too large to have come inline: its exact bytes, streamed, for a pipe or a redirect.
      cli.out().flush();
      mesh.readResult(result, cli.stdout(), DownloadProgress.NONE);
      try {
        cli.stdout().flush();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot write the result: " + e.getMessage(), e);
      }
    } else if (output == null) {
      // Text for people: the exact bytes are what -o writes.
      String text = new String(result.bytes(), StandardCharsets.UTF_8);
      cli.out().print(text);
      if (!text.endsWith("\n")) {
        cli.out().println();
      }
    } else {
      cli.out().println("wrote " + result.resultSize() + " bytes to " + output);
      result.resultCid().ifPresent(cid -> cli.out().println("result cid " + cid + " (checked)"));
      result
          .merkleRoot()
          .ifPresent(
              root ->
                  cli.out()
                      .println(
                          "merkle root "
                              + root
                              + " ("
                              + result.chunkProofs().size()
                              + " chunk proofs checked)"));
      cli.out().println(result.receipts().size() + " receipts:");
      for (ReceiptRef receipt : result.receipts()) {
        cli.out()
            .printf(
                "  %s  %s  log index %d  executor %s  %d mana%n",
                receipt.getTaskId(),
                receipt.getReceiptCid(),
                receipt.getLogIndex(),
                JobViews.shortDid(receipt.getExecutorDid()),
                receipt.getPrice());
      }
    }
    cli.out().flush();
    return 0;
  }
}
