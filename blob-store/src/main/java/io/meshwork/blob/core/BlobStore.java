package io.meshwork.blob.core;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where blob bytes live, named by CID, and where uploads collect their bytes until they are
 * complete.
 *
 * <p>The store knows no rules and no owners: {@link BlobRepository} decides what may be written,
 * read and deleted, and {@link BlobCatalog} remembers it. The two are kept apart because they
 * differ in every way that matters: the bytes are large, written once and read in ranges, and in a
 * cluster they live in an object store; the bookkeeping is small rows that change together in
 * transactions, and lives in a database. Each store is tested by one contract suite.
 *
 * <p>Failures are {@link io.meshwork.runtime.errors.MeshException}s: {@code UNAVAILABLE} when the
 * store cannot be reached (a retry may succeed), {@code INTERNAL} otherwise.
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Opens the staging area of upload {@code uploadId}: empty when {@code persistedLength} is 0 and
   * {@code token} is empty, otherwise as {@link Staged#persist} last left it, with anything written
   * after that dropped.
   *
   * @param expectedCid the CID the uploader declared, if any; a store may stage the bytes where
   *     that blob will live, saving a copy at the end
   * @param persistedLength the length the last {@link Staged#persist} made durable
   * @param token what that persist returned, or "" before the first
   */
  Staged stage(String uploadId, Optional<String> expectedCid, long persistedLength, String token);

  /** The length of blob {@code cid}, if the store has it. */
  OptionalLong length(String cid);

  /**
   * Reads {@code length} bytes of blob {@code cid} from {@code offset}, without reading the rest of
   * it. The caller closes the stream.
   */
  InputStream read(String cid, long offset, long length);

  /** Deletes blob {@code cid}; nothing happens if it is not there. */
  void delete(String cid);

  /**
   * A URL that fetches {@code length} bytes of blob {@code cid} from {@code offset} for {@code ttl}
   * without the store's credentials, if the store can make one (S3 can; files cannot).
   */
  default Optional<PresignedRange> presignRange(
      String cid, long offset, long length, Duration ttl) {
    return Optional.empty();
  }

  /** Releases clients and files. */
  @Override
  void close();

  /**
   * An upload's bytes while they arrive. Bytes are appended with {@link #write}; {@link #persist}
   * makes them durable so that a later {@link BlobStore#stage} finds them; {@link #commit} makes
   * them the blob. Used by one thread at a time.
   */
  interface Staged extends AutoCloseable {
    /** The bytes written so far, persisted or not. */
    long length();

    /** The bytes the last {@link #persist} made durable. */
    long persistedLength();

    /**
     * The fewest unpersisted bytes {@link #persist} accepts: 0 when any amount can be made durable
     * (a file), S3's smallest part otherwise.
     */
    long minPersistBytes();

    /** Appends the remaining bytes of {@code data}. */
    void write(ByteBuffer data);

    /**
     * The persisted bytes, read back from the start, when this store can read a staging area it is
     * still writing (a file can; an S3 multipart upload cannot). An upload that continues is hashed
     * again from them instead of from a saved hash state: see {@code UploadHash}.
     */
    default Optional<InputStream> readPersisted() {
      return Optional.empty();
    }

    /**
     * Makes every byte written so far durable and returns the token a later {@link BlobStore#stage}
     * needs to find them.
     *
     * @throws IllegalStateException if fewer than {@link #minPersistBytes} bytes are unpersisted
     */
    String persist();

    /**
     * Makes the staged bytes, all of them, blob {@code cid}; the staging area is gone afterwards. A
     * blob already stored under {@code cid} is replaced, which changes nothing since the bytes are
     * the same.
     */
    void commit(String cid);

    /** Drops the staged bytes, persisted or not. */
    void discard();

    /** Releases what the staging holds open, keeping what was persisted. */
    @Override
    void close();
  }
}
