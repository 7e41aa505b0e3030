package io.meshwork.orchestrator.jobs;

import io.meshwork.content.StreamingCid;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.HostSplitter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * A job's input as the chunks its tasks compute: where each chunk lies (cut by the host's split
 * strategies in one streaming pass, without copying the input), and each chunk's bytes or reference
 * once its task is about to run, so that only the tasks in flight hold chunk bytes.
 *
 * <p>A chunk of a stored input up to {@code inlineChunkBytes} is read and sent inside its task; a
 * larger one is hashed as it streams by and sent as a reference the executor downloads.
 */
final class InputChunks {
  private static final int BUFFER = 64 * 1024;

  private final InputBlobs blobs;
  private final long inlineChunkBytes;

  InputChunks(InputBlobs blobs, long inlineChunkBytes) {
    this.blobs = blobs;
    this.inlineChunkBytes = inlineChunkBytes;
  }

  /**
   * Where the chunks of {@code spec}'s input lie, cut by its (host) split strategy with chunks of
   * at most {@code chunkBytes}; stops at {@code maxChunks + 1} slices, which is one too many.
   */
  List<ChunkSlice> cut(JobSpec spec, long chunkBytes, int maxChunks) {
    JobInput input = spec.input();
    try (InputStream in = open(input, 0, input.size())) {
      Iterator<ChunkSlice> slices =
          HostSplitter.slices(
              spec.splitStrategy(), in, input.size(), spec.minChunkSize(), chunkBytes);
      List<ChunkSlice> cut = new ArrayList<>();
      while (slices.hasNext() && cut.size() <= maxChunks) {
        cut.add(slices.next());
      }
      return cut;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the input of job " + spec.jobId(), e);
    }
  }

  /** The chunk at {@code slice} of {@code input}, inline or by reference. */
  Chunk load(JobInput input, ChunkSlice slice) {
    if (!input.isStored()) {
      int from = Math.toIntExact(slice.offset());
      return Chunk.inline(Arrays.copyOfRange(input.bytes(), from, from + (int) slice.length()));
    }
    if (slice.length() <= inlineChunkBytes) {
      return Chunk.inline(read(input, slice.offset(), slice.length()));
    }
    StreamingCid cid = new StreamingCid();
    try (InputStream in = blobs.read(input.blobCid(), slice.offset(), slice.length())) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) > 0; ) {
        cid.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the input blob " + input.blobCid(), e);
    }
    if (cid.length() != slice.length()) {
      throw new IllegalStateException(
          "blob " + input.blobCid() + " ended " + (slice.length() - cid.length()) + " bytes early");
    }
    return Chunk.stored(input.blobCid(), slice.offset(), slice.length(), cid.cid());
  }

  /** The whole input as one inline chunk (for the module's split, bounded by its memory). */
  Chunk whole(JobInput input) {
    return input.isStored()
        ? Chunk.inline(read(input, 0, input.size()))
        : Chunk.inline(input.bytes());
  }

  /** {@code chunk} with its bytes here: for a peer, which cannot read this orchestrator's store. */
  Chunk inlined(Chunk chunk) {
    if (chunk.inline()) {
      return chunk;
    }
    JobInput blob = JobInput.stored(chunk.blobCid(), chunk.offset() + chunk.size());
    return Chunk.inline(read(blob, chunk.offset(), chunk.size()), chunk.cid());
  }

  private InputStream open(JobInput input, long offset, long length) {
    return input.isStored()
        ? blobs.read(input.blobCid(), offset, length)
        : new ByteArrayInputStream(input.bytes(), (int) offset, (int) length);
  }

  private byte[] read(JobInput input, long offset, long length) {
    try (InputStream in = open(input, offset, length)) {
      byte[] bytes = in.readNBytes(Math.toIntExact(length));
      if (bytes.length != length) {
        throw new IllegalStateException(
            "blob " + input.blobCid() + " ended " + (length - bytes.length) + " bytes early");
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("reading the input blob " + input.blobCid(), e);
    }
  }
}
