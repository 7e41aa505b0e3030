package io.meshwork.client.cli;

import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.JobWatch;
import io.meshwork.client.MeshClient;
import io.meshwork.client.Priority;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.VerificationMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meshwork submit}: sends a job and prints its id, or with {@code --wait} its result.
 *
 * <p>An input file up to {@link #INLINE_INPUT_BYTES} goes inside the submission; a larger one is
 * uploaded as a blob first (resumably, with its progress on standard error) and the job names it by
 * CID, so no input meets the message size limit and none is read into memory whole.
 */
@Command(
    name = "submit",
    description = "Submit a job; print its id, or with --wait follow it and print the result.")
final class SubmitCommand implements Callable<Integer> {
  /**
   * The largest input file sent inline, inside the SubmitJob message: 1 MiB. Larger ones are
   * uploaded as blobs. Small inputs stay inline because one call is quicker than an upload's three,
   * and 1 MiB is far below any message limit.
   */
  static final long INLINE_INPUT_BYTES = 1L << 20;

  /** How long to ask for the result once the watch says the job has ended. */
  private static final Duration RESULT_GRACE = Duration.ofSeconds(30);

  @Spec private CommandSpec spec;

  @Option(names = "--wasm", required = true, paramLabel = "FILE", description = "The module.")
  private Path wasm;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "The input; a file over 1 MiB is uploaded as a blob first (run again after an"
              + " interruption, the upload continues where it stopped).")
  private Path input;

  @Option(
      names = "--input-cid",
      paramLabel = "CID",
      description = "The input as a blob uploaded before ('meshwork upload FILE'), by its CID.")
  private String inputCid;

  @Option(
      names = "--input-url",
      paramLabel = "URL",
      description =
          "The input as an https URL the mesh fetches into its blob store (the operator lists the"
              + " hosts it may fetch from).")
  private String inputUrl;

  @Option(
      names = "--input-sha256",
      paramLabel = "HEX",
      description = "With --input-url: the SHA-256 the fetched bytes must have.")
  private String inputSha256 = "";

  @Option(
      names = "--split",
      paramLabel = "STRATEGY",
      defaultValue = "none",
      description = "none, lines, row_based, fixed or wasm (default: ${DEFAULT-VALUE}).")
  private SplitStrategy split;

  @Option(
      names = "--chunk-prefix",
      paramLabel = "TEXT",
      description =
          "Put TEXT (its UTF-8 bytes, as given) before every chunk of a none, lines or fixed split,"
              + " e.g. grep's pattern line: in bash, $'needle\\n' ends it with a newline.")
  private String chunkPrefix;

  @Option(
      names = "--chunk-prefix-file",
      paramLabel = "FILE",
      description = "Put the bytes of FILE before every chunk (instead of --chunk-prefix).")
  private Path chunkPrefixFile;

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
    int ways = (input == null ? 0 : 1) + (inputCid == null ? 0 : 1) + (inputUrl == null ? 0 : 1);
    if (ways != 1) {
      throw new ParameterException(
          spec.commandLine(),
          "give the input as one of --input FILE, --input-cid CID and --input-url URL");
    }
    if (!inputSha256.isEmpty() && inputUrl == null) {
      throw new ParameterException(spec.commandLine(), "--input-sha256 goes with --input-url");
    }
    if (chunkPrefix != null && chunkPrefixFile != null) {
      throw new ParameterException(
          spec.commandLine(), "give the chunk prefix as --chunk-prefix or --chunk-prefix-file");
    }
    byte[] module = read(wasm, "--wasm");
    boolean upload = false;
    if (input != null) {
      UploadCommand.requireFile(spec, input, "--input");
      upload = Files.size(input) > INLINE_INPUT_BYTES;
    }
    // Every option is checked before anything is sent, with a stand-in for an input file.
    jobRequest(module, given(inputCid, new byte[0]));
    try (MeshClient mesh = cli.connect()) {
      String blobCid = upload ? UploadCommand.upload(cli, mesh, input).cid() : inputCid;
      JobRequest job =
          jobRequest(
              module,
              given(blobCid, blobCid != null || input == null ? null : read(input, "--input")));
      String id = mesh.submit(job);
      if (!wait) {
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("job_id", id);
          if (blobCid != null) {
            json.put("input_cid", blobCid);
          }
          cli.out().println(Json.write(json));
        } else {
          cli.out().println(id);
        }
        return 0;
      }
      ProgressLine progress = cli.progressLine();
      try (JobWatch watch = mesh.watch(id)) {
        while (watch.hasNext()) {
          progress.show(watch.next());
        }
      } finally {
        progress.finish();
      }
      JobResult result = mesh.result(id, RESULT_GRACE);
      return ResultCommand.print(cli, mesh, result, output);
    }
  }

  /** The job the options describe, with its input set by {@code input}. */
  /**
   * Sets the job's input: the URL when given, else the blob {@code blobCid}, else {@code bytes}.
   */
  private Consumer<JobRequest.Builder> given(String blobCid, byte[] bytes) {
    if (inputUrl != null) {
      return b -> b.inputUrl(inputUrl, inputSha256);
    }
    return blobCid != null ? b -> b.inputCid(blobCid) : b -> b.input(bytes);
  }

  private JobRequest jobRequest(byte[] module, Consumer<JobRequest.Builder> input) {
    JobRequest.Builder job = JobRequest.newBuilder();
    try {
      job.wasmModule(module);
      input.accept(job);
      if (chunkPrefix != null) {
        job.chunkPrefix(chunkPrefix.getBytes(StandardCharsets.UTF_8));
      } else if (chunkPrefixFile != null) {
        job.chunkPrefix(read(chunkPrefixFile, "--chunk-prefix-file"));
      }
      job.splitStrategy(split)
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
