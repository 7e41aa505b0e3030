package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.StreamingCid;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Big inputs going wrong, with the {@code meshwork} command line as its own process against the
 * mesh as processes: an upload whose process is killed, and one whose orchestrator is killed,
 * resume where the orchestrator acknowledged them and end with the right CID, and an input larger
 * than the mesh takes fails at once in one line.
 */
class UploadFaultsTest {
  private static final Pattern PERCENT = Pattern.compile("\\] (\\d+)% ");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void killedUploadsResumeAndABlobTooLargeFailsAtOnceInOneLine() throws Exception {
    Path input = files.resolve("input.bin");
    // 144 MiB and, below, 67 MiB: the sizes that once hung meshwork submit now upload.
    String cid = writeRandom(input, 144L << 20);
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest"),
            MeshProcesses.tolerantTimings(
                // Acknowledged every MiB, so that a kill loses little; and at most 4 GiB a blob.
                "blobs.checkpoint-bytes", "1048576", "blobs.max-blob-bytes", "4294967296"))) {
      Path home = files.resolve("home");

      // Killed (SIGKILL) once a quarter of the file is sent.
      Path firstErr = files.resolve("upload-1.err");
      Process first = meshwork(mesh, home, firstErr, "upload", input.toString());
      awaitPercent(first, firstErr, 25);
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      // What it had printed when it died; it may have sent up to one progress step (10%) more,
      // which the orchestrator may have acknowledged.
      long killedAt = awaitPercent(first, firstErr, 25);

      Path err = files.resolve("upload-2.err");
      Process again = meshwork(mesh, home, err, "upload", input.toString());
      assertTrue(again.waitFor(180, TimeUnit.SECONDS), "the second upload did not finish");
      String out = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String progress = Files.readString(err);
      assertEquals(0, again.exitValue(), out + progress);
      assertTrue(out.startsWith(cid + " " + Files.size(input) + " bytes"), out);
      // It started again where the orchestrator had acknowledged the first one, not from 0.
      Matcher m = PERCENT.matcher(progress);
      assertTrue(m.find(), progress);
      int resumedAt = Integer.parseInt(m.group(1));
      assertTrue(
          resumedAt > 0 && resumedAt <= killedAt + 10,
          "resumed at " + resumedAt + "% after a kill at " + killedAt + "%: " + progress);

      // The orchestrator killed (SIGKILL) a quarter into another upload: once it is back, the
      // upload continues from the offset it had acknowledged (the file store's staged bytes are
      // hashed again, UploadHash) and the blob has the right CID.
      Path other = files.resolve("other.bin");
      String otherCid = writeRandom(other, 67L << 20);
      Path duringErr = files.resolve("upload-3.err");
      Process during = meshwork(mesh, home, duringErr, "upload", other.toString());
      long orchestratorKilledAt = awaitPercent(during, duringErr, 25);
      mesh.killOrchestrator();
      during.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      mesh.startOrchestrator();
      mesh.awaitOrchestrator();
      Path afterErr = files.resolve("upload-4.err");
      Process after = meshwork(mesh, home, afterErr, "upload", other.toString());
      assertTrue(after.waitFor(180, TimeUnit.SECONDS), "the upload after the restart hung");
      String afterOut = new String(after.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String afterProgress = Files.readString(afterErr);
      assertEquals(0, after.exitValue(), afterOut + afterProgress);
      assertTrue(afterOut.startsWith(otherCid + " " + Files.size(other) + " bytes"), afterOut);
      Matcher resumed = PERCENT.matcher(afterProgress);
      assertTrue(resumed.find(), afterProgress);
      int afterRestartAt = Integer.parseInt(resumed.group(1));
      assertTrue(
          afterRestartAt > 0 && afterRestartAt <= orchestratorKilledAt,
          "resumed at "
              + afterRestartAt
              + "% after the orchestrator was killed at "
              + orchestratorKilledAt
              + "%: "
              + afterProgress);

      // 10 GiB declared (a sparse file), against a mesh that takes 4 GiB: one line, at once.
      Path huge = files.resolve("huge.bin");
      try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
        f.setLength(10L << 30);
      }
      Path submitErr = files.resolve("submit.err");
      Process tooLarge =
          meshwork(mesh, home, submitErr, "submit", "--wasm", wasm(), "--input", huge.toString());
      assertTrue(tooLarge.waitFor(60, TimeUnit.SECONDS), "a 10 GiB input did not fail at once");
      String said = new String(tooLarge.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String error = Files.readString(submitErr).strip();
      assertTrue(tooLarge.exitValue() != 0, said + error);
      assertFalse(error.contains("\n"), "more than one line: " + error);
      assertFalse(error.contains("Exception"), "a stack trace: " + error);
      assertTrue(error.contains("BLOB_TOO_LARGE") || error.contains("4294967296"), error);
    }
  }

  /** Starts {@code meshwork ARGS} against the mesh; its standard error goes to {@code err}. */
  private static Process meshwork(MeshProcesses mesh, Path home, Path err, String... args)
      throws IOException {
    List<String> command = mesh.cli(home, "64m");
    // Standard error is a file here: progress only when asked for, a line per change.
    command.addAll(List.of("--progress", "always"));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectError(err.toFile())
        .start();
  }

  private String wasm() throws IOException {
    Path wasm = files.resolve("wordcount.wasm");
    if (!Files.exists(wasm)) {
      Files.write(wasm, MeshFixtures.wordCount());
    }
    return wasm.toString();
  }

  /** Waits until the upload's progress says at least {@code percent}; returns what it says. */
  private static long awaitPercent(Process p, Path err, int percent) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (Files.exists(err)) {
        Matcher m = PERCENT.matcher(Files.readString(err));
        int last = -1;
        while (m.find()) {
          last = Integer.parseInt(m.group(1));
        }
        if (last >= percent) {
          return last;
        }
      }
      if (!p.isAlive()) {
        throw new AssertionError(
            "the upload ended before " + percent + "%: " + Files.readString(err));
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the upload never reached " + percent + "%");
  }

  /** Writes {@code bytes} random bytes; returns their CID. */
  private static String writeRandom(Path file, long bytes) throws IOException {
    Random random = new Random(15);
    StreamingCid cid = new StreamingCid();
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long n = 0; n < bytes; n += block.length) {
        random.nextBytes(block);
        cid.update(block, 0, block.length);
        out.write(block);
      }
    }
    return cid.cid();
  }
}
