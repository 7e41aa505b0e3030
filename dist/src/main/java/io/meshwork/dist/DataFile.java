package io.meshwork.dist;

import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.HostSplitter;
import io.meshwork.wasm.abi.SampleText;
import io.meshwork.wasm.abi.SplitStrategy;
import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The input of the data benchmark: a file of generated text ({@link SampleText}, whole lines, at
 * least the size asked for), written as a stream so that its size is bounded by the disk, not the
 * heap, and the chunks the mesh cuts it into with the {@code lines} split when a job asks for
 * chunks of {@code chunkBytes} (as both its smallest and largest chunk, so that the orchestrator's
 * chunk planning has no choice: every chunk but the last holds {@code chunkBytes} plus at most one
 * line).
 *
 * @param path the file
 * @param bytes its length
 * @param chunkBytes the job's min and max chunk size
 * @param chunks the chunks, as {@link HostSplitter#slices} cuts them
 */
record DataFile(Path path, long bytes, long chunkBytes, List<ChunkSlice> chunks) {
  /** The seed of the text: every run on every machine counts the same words. */
  static final long SEED = 15;

  DataFile {
    chunks = List.copyOf(chunks);
  }

  /**
   * Writes at least {@code size} bytes of text to {@code file} and cuts it into chunks; {@code
   * progress} gets a line about every two seconds.
   */
  static DataFile generate(Path file, long size, long chunkBytes, Consumer<String> progress) {
    long bytes;
    try (OutputStream out = new Progress(Files.newOutputStream(file), size, progress)) {
      bytes = SampleText.write(out, size, SEED);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    List<ChunkSlice> chunks = new ArrayList<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      Iterator<ChunkSlice> slices =
          HostSplitter.slices(SplitStrategy.LINES, in, bytes, chunkBytes, chunkBytes);
      slices.forEachRemaining(chunks::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return new DataFile(file, bytes, chunkBytes, chunks);
  }

  /** Reports how much of the file is written, about every two seconds. */
  private static final class Progress extends FilterOutputStream {
    private final long size;
    private final Consumer<String> progress;
    private long written;
    private long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);

    Progress(OutputStream out, long size, Consumer<String> progress) {
      super(out);
      this.size = size;
      this.progress = progress;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      written += len;
      long now = System.nanoTime();
      if (now >= nextReport) {
        progress.accept(
            String.format(
                Locale.ROOT,
                "  writing the text: %,d of %,d MiB",
                written >> 20,
                Math.max(1, size >> 20)));
        nextReport = now + TimeUnit.SECONDS.toNanos(2);
      }
    }
  }
}
