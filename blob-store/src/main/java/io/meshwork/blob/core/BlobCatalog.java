package io.meshwork.blob.core;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The blob store's bookkeeping: which blobs exist, who holds each, which jobs use it, and the
 * uploads in progress with the offsets they acknowledged. It is small and transactional, kept apart
 * from the bytes ({@link BlobStore}) so each lives where it belongs.
 *
 * <p>The catalog knows no rules: {@link BlobRepository} decides, the catalog persists. Everything
 * one {@link #write} does is atomic and durable once it returns; writes behave as if they ran one
 * at a time, so a check and the change it allows (a quota, say) cannot interleave with another
 * write. Failures are {@link io.meshwork.runtime.errors.MeshException}s, {@code UNAVAILABLE} when
 * the database cannot be reached.
 */
public interface BlobCatalog extends AutoCloseable {

  /** Runs {@code work} against a consistent snapshot of the committed state. */
  <T> T read(Function<Reader, T> work);

  /**
   * Runs {@code work} in one transaction and commits it durably; nothing of it stays if it throws.
   */
  <T> T write(Function<Writer, T> work);

  /** Releases connections. */
  @Override
  void close();

  /** Look-ups, which both reads and writes make. */
  interface Reader {
    /** Blob {@code cid}, if it is stored. */
    Optional<BlobRecord> blob(String cid);

    /** Whether {@code did} holds blob {@code cid}. */
    boolean holds(String cid, String did);

    /** Up to {@code limit} jobs that use blob {@code cid}, in id order after {@code afterJobId}. */
    List<String> jobsUsing(String cid, String afterJobId, int limit);

    /** How many jobs use blob {@code cid}. */
    int jobCount(String cid);

    /** Upload {@code uploadId}, if it exists. */
    Optional<UploadSession> upload(String uploadId);

    /** The upload {@code uploaderDid} created with {@code requestId}, if any. */
    Optional<UploadSession> uploadByRequest(String uploaderDid, String requestId);

    /**
     * The bytes charged to {@code ownerDid}: the sizes of the blobs it holds and of its open
     * uploads.
     */
    long bytesCharged(String ownerDid);

    /** How many open uploads {@code uploaderDid} has. */
    int openUploads(String uploaderDid);

    /** Up to {@code limit} blobs no job uses, unused since at or before {@code cutoffMillis}. */
    List<String> unusedSince(long cutoffMillis, int limit);

    /** Up to {@code limit} open uploads that nothing touched after {@code cutoffMillis}. */
    List<String> idleUploads(long cutoffMillis, int limit);

    /** When job {@code jobId} let go of its blobs, if it did. */
    Optional<Long> jobReleasedAt(String jobId);
  }

  /** What a write can do besides look up: change rows. */
  interface Writer extends Reader {
    /** Stores a new upload. */
    void insertUpload(UploadSession upload);

    /** Stores an existing upload's offset, hash state, token, state, CID and touch time. */
    void updateUpload(UploadSession upload);

    /** Deletes closed uploads last touched at or before {@code cutoffMillis}; returns how many. */
    int deleteClosedUploads(long cutoffMillis);

    /** Stores a new blob. */
    void insertBlob(BlobRecord blob);

    /** Sets since when no job uses blob {@code cid}; empty while one does. */
    void setUnusedSince(String cid, Optional<Long> sinceMillis);

    /** Deletes blob {@code cid} with its holders and uses. */
    void deleteBlob(String cid);

    /** Records that {@code did} holds blob {@code cid}; nothing happens if it already does. */
    void addHolder(String cid, String did, long atMillis);

    /** Records that job {@code jobId} uses blob {@code cid}; returns false if it already did. */
    boolean addUse(String cid, String jobId, long atMillis);

    /** Removes every use by job {@code jobId}; returns the blobs it used. */
    List<String> removeUses(String jobId);

    /** Records that job {@code jobId} let go of its blobs; nothing happens if it already did. */
    void markJobReleased(String jobId, long atMillis);

    /** Forgets released jobs released at or before {@code cutoffMillis}; returns how many. */
    int deleteReleasedJobs(long cutoffMillis);
  }
}
