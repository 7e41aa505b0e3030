package io.meshwork.dist;

import io.meshwork.client.Blob;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.client.SplitStrategy;
import io.meshwork.client.UploadProgress;
import io.meshwork.client.VerificationMode;
import io.meshwork.compute.v1.ComputeJobStatus;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.identity.Identity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The mesh's side of the data benchmark: the file uploaded as a blob through the SDK ({@link
 * MeshClient#upload}), then one word-count job whose input is that blob ({@code input_cid}), split
 * by lines into the chunks of {@link DataFile}, with hash verification.
 */
final class MeshWordCount {

  /**
   * What one job answered and how long it took.
   *
   * @param words the job's merged count
   * @param uploadNanos from the start of the upload to the blob's CID
   * @param jobNanos from the start of the submit to the result
   * @param uploadCpuNanos the CPU time this JVM used during the upload: when the mesh runs in it,
   *     the client's and the whole mesh's
   * @param jobCpuNanos the same during the job
   * @param chunks the chunks the orchestrator cut
   * @param jobId the job
   */
  record Run(
      long words,
      long uploadNanos,
      long jobNanos,
      long uploadCpuNanos,
      long jobCpuNanos,
      int chunks,
      String jobId) {}

  private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

  private final MeshBench.Target target;
  private final byte[] module;

  MeshWordCount(MeshBench.Target target, byte[] module) {
    this.target = target;
    this.module = module.clone();
  }

  /**
   * Uploads {@code data} and counts its words with one job, as a new user: a fresh identity, funded
   * by the development grant before the clock starts.
   *
   * @throws IllegalStateException when the job fails or its result is not a fully receipted count
   */
  Run run(DataFile data, Consumer<String> progress) {
    MeshClientOptions options =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(target.orchestrator())
            .ledgerTarget(target.ledger())
            .identity(Identity.generate())
            .caCertificate(target.caCertificate().orElse(null))
            .plaintext(target.plaintext())
            .build();
    try (MeshClient mesh = MeshClient.connect(options)) {
      // Opens the account and the connection to the orchestrator before anything is timed.
      mesh.balance();
      // The SDK names an upload after the file's path, size and modification time, and continues
      // (or returns at once) an upload of the same name: a new time makes each round send every
      // byte, as a first upload does.
      Files.setLastModifiedTime(data.path(), FileTime.from(Instant.now()));
      long cpu0 = MeshBench.processCpuNanos();
      long t0 = System.nanoTime();
      Blob blob = mesh.upload(data.path(), every2s("upload", progress));
      long t1 = System.nanoTime();
      long cpu1 = MeshBench.processCpuNanos();
      if (blob.size() != data.bytes()) {
        throw new IllegalStateException(
            "the blob " + blob.cid() + " has " + blob.size() + " bytes, the file " + data.bytes());
      }
      JobRequest job =
          JobRequest.newBuilder()
              .wasmModule(module)
              .inputCid(blob.cid())
              .splitStrategy(SplitStrategy.LINES)
              .minChunkSize(data.chunkBytes())
              .maxChunkSize(data.chunkBytes())
              .verificationMode(VerificationMode.HASH)
              .retryCount(2)
              .timeoutSecs(3600)
              .build();
      String jobId = mesh.submit(job);
      JobResult result = waitForResult(mesh, jobId, progress);
      long t2 = System.nanoTime();
      long cpu2 = MeshBench.processCpuNanos();
      return new Run(
          check(result),
          t1 - t0,
          t2 - t1,
          cpu1 - cpu0,
          cpu2 - cpu1,
          result.status().getTotalChunks(),
          result.jobId());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot touch " + data.path(), e);
    }
  }

  /**
   * Waits for the job to end, while a second thread reports its chunks about every two seconds. The
   * wait is one long call, renewed only if the orchestrator's longest wait runs out first: a call
   * that ends at the moment the job ends can see the job completed without its result yet (the
   * orchestrator marks a job completed before it hands out the result), which a short poll would
   * run into on every large job.
   */
  private static JobResult waitForResult(MeshClient mesh, String jobId, Consumer<String> progress) {
    long started = System.nanoTime();
    Thread reporter =
        Thread.ofPlatform()
            .daemon()
            .name("bench-data-progress")
            .start(
                () -> {
                  try {
                    while (true) {
                      TimeUnit.SECONDS.sleep(2);
                      ComputeJobStatus s = mesh.status(jobId);
                      progress.accept(
                          String.format(
                              Locale.ROOT,
                              "  job %s: %s, %,d of %,d chunks, %.1f s",
                              jobId,
                              s.getStatus(),
                              s.getCompletedChunks(),
                              s.getTotalChunks(),
                              (System.nanoTime() - started) / 1e9));
                    }
                  } catch (InterruptedException e) {
                    // The job ended.
                  } catch (RuntimeException e) {
                    progress.accept("  (no progress: " + e.getMessage() + ")");
                  }
                });
    try {
      while (true) {
        JobResult result = mesh.result(jobId, Duration.ofHours(1));
        if (ENDED.contains(result.status().getStatus())) {
          return result;
        }
      }
    } finally {
      reporter.interrupt();
    }
  }

  /** The job's count, once its result is a count with a receipt per chunk and the merge's. */
  private static long check(JobResult result) {
    if (!result.success()) {
      throw new IllegalStateException(
          "the job " + result.jobId() + " did not complete: " + result.error());
    }
    int chunks = result.status().getTotalChunks();
    if (result.receipts().size() != chunks + 1) {
      throw new IllegalStateException(
          "the job "
              + result.jobId()
              + " lists "
              + result.receipts().size()
              + " receipts for "
              + chunks
              + " chunks and a merge");
    }
    for (ReceiptRef r : result.receipts()) {
      if (r.getReceiptCid().isEmpty()) {
        throw new IllegalStateException("task " + r.getTaskId() + " has no anchored receipt");
      }
    }
    return LocalWordCounts.parseCount("the mesh's job " + result.jobId(), result.bytes());
  }

  private static UploadProgress every2s(String what, Consumer<String> progress) {
    long started = System.nanoTime();
    long[] next = {started + TimeUnit.SECONDS.toNanos(2)};
    return (sent, total) -> {
      long now = System.nanoTime();
      if (now >= next[0]) {
        progress.accept(
            String.format(
                Locale.ROOT,
                "  %s: %,d of %,d MiB, %.1f s",
                what,
                sent >> 20,
                total >> 20,
                (now - started) / 1e9));
        next[0] = now + TimeUnit.SECONDS.toNanos(2);
      }
    };
  }
}
