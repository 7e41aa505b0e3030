package io.meshwork.orchestrator.jobs;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Port: the blob store as the place where results too large for the journal go. A blob written here
 * belongs to the job's submitter (who may read it, and whose quota it counts against) and is used
 * by the job until the job ends; a job's final result is kept past that.
 */
public interface ResultBlobs {
  /** Writes a blob's bytes, in order, to a stream; called once per {@link #write}. */
  @FunctionalInterface
  interface Content {
    /** Writes every byte of the blob to {@code out}, which the caller closes. */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Streams {@code size} bytes from {@code content} into a blob of {@code submitterDid}'s, used by
   * job {@code jobId}; returns its CID. Nothing holds the blob whole. Writing the same {@code name}
   * of a job again (a job resumed after a restart) with the same bytes gives the same blob.
   *
   * @param name what the blob is to the job (e.g. {@code result}, {@code merge-input}); unique
   *     within the job
   * @param expectedCid the CID the bytes must have, when it is known beforehand (a verified task
   *     result); "" otherwise. A submitter who holds that blob already is not sent it again.
   * @throws io.meshwork.runtime.errors.MeshException from the store, saying in one line why (a
   *     quota, a size above {@code blobs.max-blob-bytes}, the job already released)
   * @throws IllegalStateException when {@code content} writes other than {@code size} bytes
   */
  String write(
      String jobId,
      String submitterDid,
      String name,
      long size,
      String expectedCid,
      Content content);

  /**
   * Keeps blob {@code cid}, the final result of job {@code jobId}, after the job ends: releasing
   * the job's blobs does not let go of it. Keeping it twice is the same as once.
   */
  void keepResult(String jobId, String cid);

  /**
   * Lets go of the kept result of job {@code jobId}, when the job leaves the journal (its retention
   * ended): from then on the blob store's own retention ({@code blobs.retention}) applies to the
   * blob, unless something else still uses it. Forgetting twice is the same as once.
   */
  void forgetResult(String jobId);
}
