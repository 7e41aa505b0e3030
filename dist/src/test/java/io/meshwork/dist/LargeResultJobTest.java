package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.Blob;
import io.meshwork.client.JobRequest;
import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.client.SplitStrategy;
import io.meshwork.content.Cid;
import io.meshwork.identity.Identity;
import io.meshwork.wasm.abi.SampleText;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose result is larger than {@code orchestrator.inline-result-bytes}, through the mesh as
 * separate processes with small heaps: the result is stored as a blob of the submitter's,
 * GetJobResult names it by CID and size, and {@code meshwork result -o FILE}, run as a process of
 * its own with a small heap, streams it to disk byte for byte.
 */
class LargeResultJobTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void aResultLargerThanTheThresholdIsStoredAndStreamedToAFile() throws Exception {
    // grep with an empty pattern returns every line of its text: "\n" + 8 MiB of text gives a
    // result of the text itself, eight times the 1 MiB threshold.
    byte[] text = SampleText.generate(8 << 20, 31);
    ByteArrayOutputStream input = new ByteArrayOutputStream();
    input.write('\n');
    input.write(text);
    Path inputFile = Files.write(files.resolve("input.txt"), input.toByteArray());
    Path home = files.resolve("home");
    Identity user = Identity.loadOrCreate(home.resolve("identity.key"));
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            MeshProcesses.tolerantTimings("orchestrator.inline-result-bytes", "1048576"),
            "64m")) {
      String jobId;
      try (MeshClient client = mesh.client(user)) {
        Blob blob = client.upload(inputFile);
        jobId =
            client.submit(
                JobRequest.newBuilder()
                    .wasmModule(MeshFixtures.example("grep"))
                    .inputCid(blob.cid())
                    .splitStrategy(SplitStrategy.NONE)
                    .timeoutSecs(600)
                    .build());
        JobResult result = client.result(jobId, Duration.ofMinutes(5));
        assertTrue(result.success(), "the job failed (logs in " + dataDir + "): " + result.error());
        assertFalse(result.inline(), "a result over the threshold is stored");
        assertEquals(0, result.size(), "no bytes came inline");
        assertEquals(text.length, result.resultSize());
        assertEquals(Cid.of(text), result.resultCid().orElseThrow());
      }

      Path out = files.resolve("result.txt");
      Run run = meshwork(mesh, home, "result", jobId, "-o", out.toString());
      assertEquals(0, run.exit(), run.err());
      assertTrue(run.out().startsWith("wrote " + text.length + " bytes to " + out), run.out());
      assertArrayEquals(text, Files.readAllBytes(out), "the file is not the result");

      Run json = meshwork(mesh, home, "--json", "result", jobId);
      assertEquals(0, json.exit(), json.err());
      assertTrue(json.out().contains("\"result_cid\":\"" + Cid.of(text) + "\""), json.out());
      assertTrue(json.out().contains("\"size\":" + text.length), json.out());
      assertFalse(json.out().contains("result_base64"), json.out());

      for (String service : List.of("orchestrator", "executor-1", "executor-2")) {
        assertFalse(
            Files.readString(mesh.log(service)).contains("OutOfMemoryError"),
            service + " ran out of memory");
      }
    }
  }

  record Run(int exit, String out, String err) {}

  /** Runs {@code meshwork ARGS} as its own JVM with a 32 MiB heap, as {@code home}'s user. */
  private Run meshwork(MeshProcesses mesh, Path home, String... args) throws Exception {
    List<String> command = mesh.cli(home, "32m");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(files, "out", ".txt");
    Path err = Files.createTempFile(files, "err", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("meshwork " + String.join(" ", args) + " did not finish");
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
