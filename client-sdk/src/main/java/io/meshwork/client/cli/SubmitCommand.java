package io.meshwork.client.cli;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobWatch;
import io.meshwork.client.MeshClient;
import io.meshwork.client.Priority;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerificationMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code meshwork submit}: sends a job and prints its id, or with {@code --wait} its result. */
@Command(
    name = "submit",
    description = "Submit a job; print its id, or with --wait follow it and print the result.")
final class SubmitCommand implements Callable<Integer> {
  /** How long to ask for the result once the watch says the job has ended. */
  private static final Duration RESULT_GRACE = Duration.ofSeconds(30);

  @Spec private CommandSpec spec;

  @Option(names = "--wasm", required = true, paramLabel = "FILE", description = "The module.")
  private Path wasm;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "The input.")
  private Path input;

  @Option(
      names = "--split",
      paramLabel = "STRATEGY",
      defaultValue = "none",
      description = "none, lines, row_based, fixed or wasm (default: ${DEFAULT-VALUE}).")
  private SplitStrategy split;

  @Option(names = "--min-chunk-size", paramLabel = "BYTES", description = "Smallest chunk.")
  private long minChunkSize;

  @Option(
      names = "--max-chunk-size",
      paramLabel = "BYTES",
      description = "Largest chunk (default: the server's).")
  private long maxChunkSize;

  @Option(
      names = "--verification",
      paramLabel = "MODE",
      defaultValue = "hash",
      description =
          "none or hash (default: ${DEFAULT-VALUE}); redundant, sample and merkle are accepted"
              + " when the mesh offers them.")
  private VerificationMode verification;

  @Option(
      names = "--budget",
      paramLabel = "MANA",
      description = "Most mana the job may spend (default: the server's).")
  private long budget;

  @Option(
      names = "--priority",
      paramLabel = "PRIORITY",
      defaultValue = "medium",
      description = "low, medium, high or critical (default: ${DEFAULT-VALUE}).")
  private Priority priority;

  @Option(names = "--redundancy", paramLabel = "N", description = "Executors per chunk.")
  private long redundancy;

  @Option(names = "--retries", paramLabel = "N", description = "Retries of a failed task.")
  private long retries;

  @Option(
      names = "--timeout",
      paramLabel = "SECS",
      description = "Deadline of the whole job (default: the server's).")
  private long timeoutSecs;

  @Option(
      names = "--job-id",
      paramLabel = "ID",
      description = "Your own job id; submitting the same job again returns the same job.")
  private String jobId;

  @Option(names = "--wait", description = "Show progress on stderr, then print the result.")
  private boolean wait;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "With --wait: write the result to FILE.")
  private Path output;

  @Override
  public Integer call() throws IOException {
    MeshCli cli = MeshCli.from(spec);
    JobRequest job = jobRequest();
    try (MeshClient mesh = cli.connect()) {
      String id = mesh.submit(job);
      if (!wait) {
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("job_id", id);
          cli.out().println(Json.write(json));
        } else {
          cli.out().println(id);
        }
        return 0;
      }
      ProgressLine progress = new ProgressLine(cli.err(), cli.terminal());
      try (JobWatch watch = mesh.watch(id)) {
        while (watch.hasNext()) {
          progress.show(watch.next());
        }
      } finally {
        progress.finish();
      }
      JobResult result = mesh.result(id, RESULT_GRACE);
      return ResultCommand.print(cli, result, output);
    }
  }

  private JobRequest jobRequest() {
    JobRequest.Builder job = JobRequest.newBuilder();
    try {
      job.wasmModule(read(wasm, "--wasm"))
          .input(read(input, "--input"))
          .splitStrategy(split)
          .minChunkSize(minChunkSize)
          .maxChunkSize(maxChunkSize)
          .verificationMode(verification)
          .manaBudget(budget)
          .priority(priority)
          .redundancy(redundancy)
          .retryCount(retries)
          .timeoutSecs(timeoutSecs);
      if (jobId != null) {
        job.jobId(jobId);
      }
      return job.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private byte[] read(Path file, String option) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ParameterException(spec.commandLine(), option + ": no such file: " + file, e);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), option + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
