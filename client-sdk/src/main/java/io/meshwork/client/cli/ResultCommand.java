package io.meshwork.client.cli;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meshwork result}: prints a job's result or writes it to a file. */
@Command(name = "result", description = "Print a job's result, or write it to a file.")
final class ResultCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
  private String jobId;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the result bytes to FILE.")
  private Path output;

  @Option(
      names = "--wait",
      paramLabel = "SECS",
      description = "Wait up to SECS for the job to end (default: answer at once).")
  private long waitSecs;

  @Override
  public Integer call() throws IOException {
    MeshCli cli = MeshCli.from(spec);
    if (waitSecs < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--wait must not be negative");
    }
    try (MeshClient mesh = cli.connect()) {
      return print(cli, mesh.result(jobId, Duration.ofSeconds(waitSecs)), output);
    }
  }

  /**
   * Prints a result as {@code result} and {@code submit --wait} show it, returning the exit code.
   */
  static int print(MeshCli cli, JobResult result, Path output) throws IOException {
    if (result.success() && output != null) {
      Files.write(output, result.bytes());
    }
    if (cli.json()) {
      Map<String, Object> json = Json.object();
      json.put("job_id", result.jobId());
      json.put("success", result.success());
      json.put("status", result.status().getStatus());
      json.put("error", result.error());
      json.put("result_cid", result.resultCid().orElse(""));
      json.put("size", result.size());
      if (output != null) {
        json.put("output", output.toString());
      } else {
        json.put("result_base64", Base64.getEncoder().encodeToString(result.bytes()));
      }
      json.put("receipts", JobViews.receiptsJson(result.receipts()));
      cli.out().println(Json.write(json));
      cli.out().flush();
      return result.success() ? 0 : MeshCli.EXIT_FAILURE;
    }
    if (!result.success()) {
      String state = result.status().getStatus();
      cli.err()
          .println(
              "meshwork: job "
                  + result.jobId()
                  + " has no result: "
                  + (result.error().isEmpty() ? "it has not finished" : result.error())
                  + (state.isEmpty() ? "" : " (" + state + ")"));
      cli.err().flush();
      return MeshCli.EXIT_FAILURE;
    }
    if (output == null) {
      // Text for people: the exact bytes are what -o writes.
      String text = new String(result.bytes(), StandardCharsets.UTF_8);
      cli.out().print(text);
      if (!text.endsWith("\n")) {
        cli.out().println();
      }
    } else {
      cli.out().println("wrote " + result.size() + " bytes to " + output);
      result.resultCid().ifPresent(cid -> cli.out().println("result cid " + cid + " (checked)"));
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
