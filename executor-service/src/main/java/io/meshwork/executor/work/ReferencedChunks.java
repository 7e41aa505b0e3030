package io.meshwork.executor.work;

import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.compute.v1.ComputeTaskPacket;
import io.meshwork.content.Cid;
import io.meshwork.content.CidDigest;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.SandboxException;
import java.time.Duration;
import java.util.Optional;

/**
 * Chunks that assignments name by reference ({@code ComputeTaskPacket.chunk_ref}), a byte range of
 * a blob, instead of carrying them: checked when the assignment is admitted, and turned into bytes
 * when the task runs, from the {@link ChunkCache}, or else from the presigned URL the reference may
 * carry ({@link PresignedChunks}), or else downloaded from the assigning orchestrator's blob
 * service, and checked against the chunk's CID as they arrive.
 *
 * <p>A reference may carry a prefix (the job's {@code chunk_prefix}, such as grep's pattern line),
 * which goes before the downloaded range: the chunk is prefix and range together, and its CID,
 * which the receipt names and the cache files it under, is over both.
 *
 * <p>A chunk that cannot be had fails its task with kind {@code INTERNAL} (the module is not at
 * fault) and a message that starts with {@code CHUNK_FETCH_FAILED} (the download failed, was
 * refused, ran past its deadline, or brought the wrong number of bytes) or {@code CHUNK_MISMATCH}
 * (the bytes are not the chunk's), so the orchestrator can tell the two apart; one larger than this
 * executor takes fails as {@code INPUT_TOO_LARGE}, as an inline chunk would, before anything is
 * fetched. No task ever runs on bytes that were not checked.
 */
final class ReferencedChunks {
  /** The start of the message of a task whose chunk could not be downloaded. */
  static final String FETCH_FAILED = "CHUNK_FETCH_FAILED";

  /** The start of the message of a task whose downloaded chunk is not the one named. */
  static final String MISMATCH = "CHUNK_MISMATCH";

  // The largest array the JVM allocates; the sandbox takes its input as one.
  private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private final OrchestratorLink orchestrators;
  private final ChunkCache cache;
  private final long maxInputBytes;
  private final PresignedChunks presigned;

  ReferencedChunks(
      OrchestratorLink orchestrators,
      ChunkCache cache,
      long maxInputBytes,
      PresignedChunks presigned) {
    this.orchestrators = orchestrators;
    this.cache = cache;
    this.maxInputBytes = Math.min(maxInputBytes, MAX_ARRAY_BYTES);
    this.presigned = presigned;
  }

  /**
   * Why {@code task}'s chunk reference cannot be taken, or null when it can (or there is none): a
   * packet carries its chunk one way only, both CIDs must be canonical (the chunk's becomes a file
   * name in the cache), the range must be non-empty and within what a blob can hold, and the prefix
   * no longer than the inputs this executor takes. Whether the range lies within the blob only its
   * blob service knows.
   */
  String refusal(ComputeTaskPacket task) {
    if (!task.hasChunkRef()) {
      return null;
    }
    if (!task.getChunkData().isEmpty()) {
      return "the packet carries both chunk_data and chunk_ref; a chunk travels one way only";
    }
    ChunkReference ref = task.getChunkRef();
    String bad = notCanonical("chunk_ref.blob_cid", ref.getBlobCid());
    if (bad == null) {
      bad = notCanonical("chunk_ref.chunk_cid", ref.getChunkCid());
    }
    if (bad != null) {
      return bad;
    }
    if (ref.getLength() == 0) {
      return "chunk_ref.length is 0; an empty chunk travels as empty chunk_data";
    }
    if (ref.getPrefix().size() > maxInputBytes) {
      // The prefix arrived with the assignment; a task could never run on it.
      return "chunk_ref.prefix has "
          + ref.getPrefix().size()
          + " bytes; this executor takes inputs of at most "
          + maxInputBytes
          + " bytes (executor.max-input-bytes)";
    }
    // The fields are uint64: above Long.MAX_VALUE they read as negative here.
    if (ref.getOffset() < 0 || ref.getLength() < 0 || ref.getOffset() + ref.getLength() < 0) {
      return "chunk_ref's range (offset "
          + Long.toUnsignedString(ref.getOffset())
          + ", length "
          + Long.toUnsignedString(ref.getLength())
          + ") ends beyond the largest blob there can be";
    }
    return null;
  }

  private static String notCanonical(String field, String cid) {
    if (cid.isEmpty()) {
      return field + " is missing";
    }
    try {
      if (Cid.ofDigest(Cid.digest(cid)).equals(cid)) {
        return null;
      }
      return field + " " + cid + " is not in canonical form (lower-case base32, b...)";
    } catch (IllegalArgumentException e) {
      return field + " " + cid + " is not a CIDv1 raw sha2-256 CID: " + e.getMessage();
    }
  }

  /**
   * The bytes of the chunk {@code ref} names, its prefix and then its range, checked against its
   * {@code chunk_cid}: from the cache when they are there, else from the reference's presigned URL
   * within half of {@code deadline}, else the range downloaded from the orchestrator at {@code
   * endpoint} within what is left of it, and then cached. {@code ref} passed {@link #refusal}.
   *
   * @throws SandboxException INPUT_TOO_LARGE for a chunk above the input limit (nothing is
   *     fetched); INTERNAL when the download fails or the bytes are not the chunk's
   * @throws InterruptedException when the task was cancelled meanwhile
   */
  byte[] read(ChunkReference ref, String endpoint, Duration deadline)
      throws SandboxException, InterruptedException {
    int prefix = ref.getPrefix().size();
    if (ref.getLength() > maxInputBytes - prefix) {
      throw new SandboxException(
          FailureKind.INPUT_TOO_LARGE,
          "the chunk "
              + range(ref)
              + " is "
              + (prefix + ref.getLength())
              + " bytes; this executor takes inputs of at most "
              + maxInputBytes
              + " bytes (executor.max-input-bytes), so it did not fetch it",
          null);
    }
    Optional<byte[]> cached = cache.get(ref.getChunkCid());
    if (cached.isPresent()) {
      return cached.get();
    }
    if (!ref.getUrl().isEmpty()) {
      // Half the time for the shortcut, so that the blob service still has the rest if it fails.
      long started = System.nanoTime();
      Optional<byte[]> direct = presigned.read(ref, deadline.dividedBy(2));
      if (direct.isPresent()) {
        cache.put(ref.getChunkCid(), direct.get());
        return direct.get();
      }
      deadline = deadline.minusNanos(System.nanoTime() - started);
    }
    byte[] chunk = new byte[(int) (prefix + ref.getLength())];
    ref.getPrefix().copyTo(chunk, 0);
    CidDigest hash = new CidDigest();
    hash.update(chunk, 0, prefix);
    try {
      orchestrators.fetchRange(
          endpoint,
          ref.getBlobCid(),
          ref.getOffset(),
          ref.getLength(),
          deadline,
          frame -> {
            int at = (int) hash.length();
            int n = frame.remaining();
            if (n > chunk.length - at) {
              throw new IllegalStateException(
                  "the blob service sent more than the " + ref.getLength() + " bytes asked for");
            }
            frame.get(chunk, at, n);
            // Hashed as it arrives: the bytes are never read a second time to be checked.
            hash.update(chunk, at, n);
          });
    } catch (RuntimeException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException("cancelled while fetching its chunk");
      }
      throw fetchFailed(ref, endpoint, e.getMessage());
    }
    if (hash.length() != chunk.length) {
      throw fetchFailed(
          ref,
          endpoint,
          "the blob service sent "
              + (hash.length() - prefix)
              + " of the "
              + ref.getLength()
              + " bytes");
    }
    String actual = hash.cid();
    if (!actual.equals(ref.getChunkCid())) {
      throw new SandboxException(
          FailureKind.INTERNAL,
          MISMATCH
              + ": the chunk "
              + range(ref)
              + " downloaded from "
              + endpoint
              + " hashes to "
              + actual
              + ", not to its chunk_cid "
              + ref.getChunkCid()
              + "; the task was not run",
          null);
    }
    cache.put(ref.getChunkCid(), chunk);
    return chunk;
  }

  private static SandboxException fetchFailed(ChunkReference ref, String endpoint, String why) {
    return new SandboxException(
        FailureKind.INTERNAL,
        FETCH_FAILED
            + ": downloading the chunk "
            + range(ref)
            + " from "
            + endpoint
            + " failed: "
            + why,
        null);
  }

  /**
   * Names the range, e.g. "bytes [1024, 2048) of blob bafk...", and says so when a prefix goes
   * before it.
   */
  private static String range(ChunkReference ref) {
    return "bytes ["
        + ref.getOffset()
        + ", "
        + (ref.getOffset() + ref.getLength())
        + ") of blob "
        + ref.getBlobCid()
        + (ref.getPrefix().isEmpty() ? "" : " after a prefix of " + ref.getPrefix().size());
  }
}
