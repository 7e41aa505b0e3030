package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/grep over a stored input too large for its own wasm split's sandbox, the way
 * docs/WASM.md says to run it then: {@code meshwork submit --split lines --chunk-prefix
 * $'PATTERN\n'}, the command a real process with the pattern line as its argument, against the mesh
 * as separate processes in heaps smaller than the input. Every chunk goes by reference with the
 * pattern beside it, and the result is exactly the lines a plain Java filter keeps.
 */
class GrepChunkPrefixTest {
  // Three words of SampleText's 31 in a row: about one line in three hundred.
  private static final String PATTERN = "merkle proof sandbox";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dataDir;

  @TempDir Path files;

  @Test
  void grepWithTheChunkPrefixGivesTheLinesAPlainFilterGives() throws Exception {
    // 24 MiB of text against 32 MiB heaps.
    Path text = files.resolve("text.txt");
    StoredInputJobTest.writeText(text, 24L << 20);
    byte[] expected = plainGrep(text, PATTERN);
    Path grep = Files.write(files.resolve("grep.wasm"), MeshFixtures.example("grep"));
    Path out = files.resolve("out.txt");
    Path err = files.resolve("submit.err");
    try (MeshProcesses mesh =
        new MeshProcesses(
            dataDir,
            List.of("honest", "honest"),
            // Every chunk is above the inline limit, so each goes by reference with its prefix.
            MeshProcesses.tolerantTimings("orchestrator.inline-chunk-bytes", "65536"),
            "32m")) {
      List<String> command = meshwork(mesh, files.resolve("home"));
      command.addAll(
          List.of(
              "submit",
              "--wasm",
              grep.toString(),
              "--input",
              text.toString(),
              "--split",
              "lines",
              "--max-chunk-size",
              Long.toString(1L << 20),
              // What bash passes for $'merkle proof sandbox\n'.
              "--chunk-prefix",
              PATTERN + "\n",
              "--timeout",
              "600",
              "--wait",
              "-o",
              out.toString()));
      Process submit =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectError(err.toFile())
              .start();
      String said = new String(submit.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(submit.waitFor(10, TimeUnit.MINUTES), "meshwork submit did not end");

      assertEquals(
          0, submit.exitValue(), said + Files.readString(err) + " (logs in " + dataDir + ")");
      assertTrue(expected.length > 0, "the pattern matches nothing; the test proves little");
      assertArrayEquals(expected, Files.readAllBytes(out), "the mesh's grep differs from Java's");
      // One receipt per chunk and none for a split: the host cut the input, at least 24 chunks.
      assertTrue(said.lines().filter(l -> l.contains("executor did:key:")).count() >= 24, said);
      for (String service : List.of("orchestrator", "executor-1", "executor-2")) {
        assertFalse(
            Files.readString(mesh.log(service)).contains("OutOfMemoryError"),
            service + " ran out of memory");
      }
    }
  }

  /** The lines of {@code text} that contain {@code pattern}, each ending with a newline. */
  private static byte[] plainGrep(Path text, String pattern) throws IOException {
    ByteArrayOutputStream matches = new ByteArrayOutputStream();
    try (BufferedReader lines = Files.newBufferedReader(text, StandardCharsets.US_ASCII)) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.contains(pattern)) {
          matches.writeBytes((line + "\n").getBytes(StandardCharsets.US_ASCII));
        }
      }
    }
    return matches.toByteArray();
  }

  /**
   * {@code meshwork} as bin/meshwork runs it, against {@code mesh}, as the user of {@code home}.
   */
  private static List<String> meshwork(MeshProcesses mesh, Path home) {
    return mesh.cli(home, "64m");
  }
}
