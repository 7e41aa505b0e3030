package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.TaskFailedException;
import io.meshwork.orchestrator.tasks.VerificationMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Where a job's results live: up to {@code inlineResultBytes} in memory and the journal, as they
 * always did; above it in the blob store, named by their CID, so that neither the journal nor the
 * orchestrator's heap holds a large result whole. The merge's input (the frame list of the chunk
 * results) and a job's concatenated result are streamed from the chunk results into blobs of their
 * own when they are large.
 */
final class ResultStorage {
  private static final int FRAME_LENGTH_BYTES = Integer.BYTES;

  private final InputBlobs reads;
  private final ResultBlobs writes;
  private final long inlineResultBytes;
  private final long inlineChunkBytes;

  /**
   * @param inlineResultBytes the largest result kept in memory and the journal
   * @param inlineChunkBytes the largest merge input sent inside its task; a larger one goes by
   *     reference, as a chunk of a stored input does
   */
  ResultStorage(
      InputBlobs reads, ResultBlobs writes, long inlineResultBytes, long inlineChunkBytes) {
    this.reads = reads;
    this.writes = writes;
    this.inlineResultBytes = inlineResultBytes;
    this.inlineChunkBytes = inlineChunkBytes;
  }

  /**
   * A task's verified result as the job keeps it: inline up to the threshold, else written to the
   * blob store under its CID (which the store checks). The chunk results of a {@code merkle} job
   * stay inline whatever their size: the job's answer carries each with its inclusion proof.
   */
  ResultContent keep(JobSpec spec, String taskId, String export, byte[] bytes, String cid) {
    boolean proven = spec.verification() == VerificationMode.MERKLE && "execute".equals(export);
    if (bytes.length <= inlineResultBytes || proven) {
      return ResultContent.inline(bytes, cid);
    }
    String stored =
        writes.write(
            spec.jobId(), spec.submitterDid(), taskId, bytes.length, cid, out -> out.write(bytes));
    return ResultContent.stored(stored, bytes.length);
  }

  /**
   * The merge's input, the frame list of the chunk results in order, which must fit the sandbox's
   * memory whole: inline when small, else streamed into a blob the executor reads by reference.
   */
  Chunk mergeInput(JobSpec spec, List<ResultContent> results) {
    long size = 0;
    for (ResultContent r : results) {
      size += FRAME_LENGTH_BYTES + r.size();
    }
    long memory = spec.limits().memoryBytes();
    if (size > memory) {
      throw new TaskFailedException(
          "MERGE_INPUT_TOO_LARGE",
          "the chunks' results add up to "
              + size
              + " bytes, more than the merge can take in limits.memory_bytes "
              + memory);
    }
    if (size <= inlineChunkBytes) {
      ByteArrayOutputStream frames = new ByteArrayOutputStream((int) size);
      writeFrames(results, frames);
      return Chunk.inline(frames.toByteArray());
    }
    String cid =
        writes.write(
            spec.jobId(),
            spec.submitterDid(),
            "merge-input",
            size,
            "",
            out -> writeFrames(results, out));
    return Chunk.stored(cid, 0, size, new byte[0], cid);
  }

  /**
   * The result of a job without {@code merge}: its chunk results end to end, in memory when the
   * whole is small, else streamed into a blob.
   */
  ResultContent concatenation(JobSpec spec, List<ResultContent> results) {
    if (results.size() == 1) {
      return results.get(0);
    }
    long size = 0;
    for (ResultContent r : results) {
      size += r.size();
    }
    if (size <= inlineResultBytes) {
      ByteArrayOutputStream concat = new ByteArrayOutputStream((int) size);
      for (ResultContent r : results) {
        copy(r, concat);
      }
      byte[] bytes = concat.toByteArray();
      return ResultContent.inline(bytes, io.meshwork.content.Cid.of(bytes));
    }
    String cid =
        writes.write(
            spec.jobId(),
            spec.submitterDid(),
            "result",
            size,
            "",
            out -> {
              for (ResultContent r : results) {
                copy(r, out);
              }
            });
    return ResultContent.stored(cid, size);
  }

  /**
   * The job's final result as it is answered: stored when larger than the threshold (a merkle job's
   * single chunk result may not be yet), and then kept in the blob store past the job's end.
   */
  ResultContent finalResult(JobSpec spec, ResultContent result) {
    ResultContent kept = result;
    if (!result.stored() && result.size() > inlineResultBytes) {
      byte[] bytes = result.bytes();
      String cid =
          writes.write(
              spec.jobId(),
              spec.submitterDid(),
              "result",
              bytes.length,
              result.cid(),
              out -> out.write(bytes));
      kept = ResultContent.stored(cid, bytes.length);
    }
    if (kept.stored()) {
      writes.keepResult(spec.jobId(), kept.cid());
    }
    return kept;
  }

  /** The bytes of a result, read whole from the store if it is there (bounded by the caller). */
  byte[] bytes(ResultContent result) {
    if (!result.stored()) {
      return result.bytes();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(result.size()));
    copy(result, out);
    return out.toByteArray();
  }

  private void writeFrames(List<ResultContent> results, OutputStream out) {
    try {
      byte[] length = new byte[FRAME_LENGTH_BYTES];
      for (ResultContent r : results) {
        // FrameList's frame: an unsigned 32-bit little-endian length, then the bytes.
        long n = r.size();
        for (int i = 0; i < FRAME_LENGTH_BYTES; i++) {
          length[i] = (byte) (n >>> (8 * i));
        }
        out.write(length);
        copy(r, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void copy(ResultContent r, OutputStream out) {
    try {
      if (!r.stored()) {
        out.write(r.bytes());
        return;
      }
      try (InputStream in = reads.read(r.cid(), 0, r.size())) {
        long copied = in.transferTo(out);
        if (copied != r.size()) {
          throw new IllegalStateException(
              "blob " + r.cid() + " gave " + copied + " of its " + r.size() + " bytes");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the stored result " + r.cid(), e);
    }
  }
}
