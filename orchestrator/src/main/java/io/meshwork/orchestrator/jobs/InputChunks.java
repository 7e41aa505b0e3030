package io.meshwork.orchestrator.jobs;

import io.meshwork.content.CidDigest;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.wasm.abi.ChunkSlice;
import io.meshwork.wasm.abi.HostSplitter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A job's input as the chunks its tasks compute: where each chunk lies (cut by the host's split
 * strategies in one streaming pass, without copying the input), and each chunk's bytes or reference
 * once its task is about to run, so that only the tasks in flight hold chunk bytes.
 *
 * <p>A chunk of a stored input up to {@code inlineChunkBytes} is read and sent inside its task; a
 * larger one is hashed as it streams by and sent as a reference the executor downloads.
 *
 * <p>A job's {@code chunk_prefix} goes before every chunk: inline, as the first bytes of the chunk;
 * by reference, beside the range, for the executor to put in front of what it downloads. Either way
 * the chunk's CID is that of prefix and range together, the bytes the module gets. The cut itself
 * never sees the prefix, so the chunks' places and sizes are the input's own.
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

  /**
   * The chunk at {@code slice} of {@code input} after {@code prefix} (empty for none), inline or by
   * reference.
   */
  Chunk load(JobInput input, ChunkSlice slice, byte[] prefix) {
    if (!input.isStored()) {
      int from = Math.toIntExact(slice.offset());
      return Chunk.inline(prefixed(prefix, input.bytes(), from, (int) slice.length()));
    }
    if (slice.length() <= inlineChunkBytes) {
      return Chunk.inline(prefixed(prefix, input, slice.offset(), slice.length()));
    }
    CidDigest cid = new CidDigest();
    cid.update(prefix, 0, prefix.length);
    try (InputStream in = blobs.read(input.blobCid(), slice.offset(), slice.length())) {
      byte[] buffer = new byte[BUFFER];
      for (int n; (n = in.read(buffer)) > 0; ) {
        cid.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the input blob " + input.blobCid(), e);
    }
    long read = cid.length() - prefix.length;
    if (read != slice.length()) {
      throw new IllegalStateException(
          "blob " + input.blobCid() + " ended " + (slice.length() - read) + " bytes early");
    }
    return Chunk.stored(input.blobCid(), slice.offset(), slice.length(), prefix, cid.cid());
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
    JobInput blob = JobInput.stored(chunk.blobCid(), chunk.offset() + chunk.rangeLength());
    return Chunk.inline(
        prefixed(chunk.prefix(), blob, chunk.offset(), chunk.rangeLength()), chunk.cid());
  }

  /** {@code prefix} followed by {@code length} bytes of {@code bytes} from {@code from}. */
  private static byte[] prefixed(byte[] prefix, byte[] bytes, int from, int length) {
    byte[] chunk = new byte[prefix.length + length];
    System.arraycopy(prefix, 0, chunk, 0, prefix.length);
    System.arraycopy(bytes, from, chunk, prefix.length, length);
    return chunk;
  }

  /** {@code prefix} followed by the range {@code [offset, offset + length)} of a stored input. */
  private byte[] prefixed(byte[] prefix, JobInput input, long offset, long length) {
    byte[] chunk = new byte[Math.addExact(prefix.length, Math.toIntExact(length))];
    System.arraycopy(prefix, 0, chunk, 0, prefix.length);
    readInto(chunk, prefix.length, input, offset);
    return chunk;
  }

  private InputStream open(JobInput input, long offset, long length) {
    return input.isStored()
        ? blobs.read(input.blobCid(), offset, length)
        : new ByteArrayInputStream(input.bytes(), (int) offset, (int) length);
  }

  private byte[] read(JobInput input, long offset, long length) {
    byte[] bytes = new byte[Math.toIntExact(length)];
    readInto(bytes, 0, input, offset);
    return bytes;
  }

  /** Fills {@code into} from {@code at} on with the input's bytes from {@code offset}. */
  private void readInto(byte[] into, int at, JobInput input, long offset) {
    int length = into.length - at;
    try (InputStream in = open(input, offset, length)) {
      int n = in.readNBytes(into, at, length);
      if (n != length) {
        throw new IllegalStateException(
            "blob " + input.blobCid() + " ended " + (length - n) + " bytes early");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the input blob " + input.blobCid(), e);
    }
  }
}
