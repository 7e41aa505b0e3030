package io.meshwork.dist;

import io.meshwork.sandbox.CallOutcome;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.SandboxLimits;
import io.meshwork.sandbox.WasmEngine;
import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.SampleText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The references of the data benchmark: the same word count over the same file on this machine,
 * without the mesh, in three ways, each timed from its start to its answer.
 *
 * <ul>
 *   <li>{@link #engine}: the word-count module in the executor's engine ({@code ChicoryEngine},
 *       compiled, fuel-metered, a fresh instance per call, the call's limits as the executor
 *       applies them), one chunk after the other on one thread, over the chunks the mesh cuts,
 *       whose counts the module's own {@code merge} then sums, as the mesh's merge task does;
 *   <li>{@link #plainJava}: a loop over the file's bytes in plain Java;
 *   <li>{@link #wcW}: {@code wc -w} over the file, as a separate process.
 * </ul>
 *
 * The file is read in every case, from the page cache once it has been written or read.
 */
final class LocalWordCounts {

  /**
   * What one way of counting answered, how long it took and the CPU time this JVM used meanwhile
   * (all its threads: the engine's call threads, the JIT, the garbage collector), in nanoseconds;
   * {@code cpuNanos} is -1 when the work ran in another process.
   */
  record Timed(long words, long nanos, long cpuNanos) {
    /** Input megabytes (10^6 bytes) per second. */
    double megabytesPerSecond(long bytes) {
      return nanos == 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }
  }

  private final WasmEngine engine = WasmEngine.chicory();
  private final CompiledModule module;

  /** Compiles {@code wasm} once, as the executor's module cache does, before anything is timed. */
  LocalWordCounts(byte[] wasm) {
    try {
      this.module = engine.compile(wasm);
    } catch (SandboxException e) {
      throw new IllegalStateException("the word-count module does not compile: " + e, e);
    }
  }

  /**
   * Runs the module's {@code execute} on each of {@code chunks} of {@code file} in turn on this
   * thread, then its {@code merge} on their outputs. {@code progress} gets a line about every two
   * seconds.
   */
  Timed engine(Path file, List<ChunkSlice> chunks, Consumer<String> progress) {
    // The executor's limits for a task that names none, and an input cap that fits any chunk.
    SandboxLimits limits = SandboxLimits.defaults().withMaxInputBytes(Integer.MAX_VALUE);
    long cpu = MeshBench.processCpuNanos();
    long started = System.nanoTime();
    long nextReport = started + TimeUnit.SECONDS.toNanos(2);
    List<byte[]> counts = new ArrayList<>(chunks.size());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      for (ChunkSlice slice : chunks) {
        byte[] chunk = read(channel, slice);
        counts.add(call("execute", chunk, limits).output());
        long now = System.nanoTime();
        if (now >= nextReport) {
          progress.accept(
              String.format(
                  Locale.ROOT,
                  "  engine: chunk %,d of %,d, %.1f s",
                  counts.size(),
                  chunks.size(),
                  seconds(now - started)));
          nextReport = now + TimeUnit.SECONDS.toNanos(2);
        }
      }
      byte[] merged = call("merge", FrameList.encode(counts), limits).output();
      return new Timed(
          parseCount("the module's merge", merged),
          System.nanoTime() - started,
          MeshBench.processCpuNanos() - cpu);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  private CallOutcome call(String export, byte[] input, SandboxLimits limits) {
    try {
      return engine.call(module, export, input, limits);
    } catch (SandboxException e) {
      throw new IllegalStateException("the word-count module's " + export + " failed: " + e, e);
    }
  }

  private static byte[] read(FileChannel channel, ChunkSlice slice) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(Math.toIntExact(slice.length()));
    long at = slice.offset();
    while (chunk.hasRemaining()) {
      int n = channel.read(chunk, at);
      if (n < 0) {
        throw new IOException("the file ended inside chunk " + slice.index());
      }
      at += n;
    }
    return chunk.array();
  }

  /** Counts the file's words with {@link SampleText#countWords(InputStream)}: a loop in Java. */
  static Timed plainJava(Path file) {
    long cpu = MeshBench.processCpuNanos();
    long started = System.nanoTime();
    try (InputStream in = Files.newInputStream(file)) {
      long words = SampleText.countWords(in);
      return new Timed(words, System.nanoTime() - started, MeshBench.processCpuNanos() - cpu);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file, e);
    }
  }

  /**
   * Runs {@code wc -w FILE} in the C locale (the file is ASCII, so any locale counts the same
   * words; the C locale spares wc the decoding of multi-byte characters), timed from starting the
   * process to its exit.
   */
  static Timed wcW(Path file) {
    ProcessBuilder wc = new ProcessBuilder("wc", "-w", file.toString());
    wc.environment().put("LC_ALL", "C");
    wc.redirectError(ProcessBuilder.Redirect.INHERIT);
    long started = System.nanoTime();
    try {
      Process process = wc.start();
      byte[] out = process.getInputStream().readAllBytes();
      int code = process.waitFor();
      long nanos = System.nanoTime() - started;
      String answer = new String(out, StandardCharsets.US_ASCII).trim();
      if (code != 0) {
        throw new IllegalStateException("wc -w exited with " + code + ": " + answer);
      }
      long words = parseCount("wc -w", answer.split("\\s+")[0].getBytes(StandardCharsets.US_ASCII));
      return new Timed(words, nanos, -1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run wc -w (is it on the PATH?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for wc -w", e);
    }
  }

  /** The ASCII decimal count {@code who} answered. */
  static long parseCount(String who, byte[] answer) {
    String s = new String(answer, StandardCharsets.US_ASCII).trim();
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(who + " answered '" + s + "', not a count", e);
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
