package io.meshwork.blob.core;

import io.meshwork.content.CidDigest;
import io.meshwork.content.StreamingCid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The running SHA-256 of an upload's bytes, from which its CID comes, in one of two forms chosen by
 * what the store can do.
 *
 * <p>Where the store can read back what it staged (files), the hash is the JDK's, which uses the
 * CPU's SHA instructions and is several times faster than a pure-Java digest, and an upload that
 * continues in a later call or after a restart hashes its persisted bytes again before it takes new
 * ones: reading a file back costs less than hashing every byte of every upload slowly. Where it
 * cannot (an S3 multipart upload's parts cannot be read before it is completed), the hash is {@link
 * StreamingCid}, whose state the catalog keeps at every checkpoint so that any replica can continue
 * from it.
 */
abstract sealed class UploadHash permits UploadHash.Replayed, UploadHash.Saved {
  private static final int READ_BUFFER = 256 * 1024;

  /** Adds the remaining bytes of {@code data}, leaving its position where it was. */
  abstract void update(ByteBuffer data);

  /** What the catalog keeps at a checkpoint: empty when the store replays its bytes instead. */
  abstract byte[] state();

  /** The CID of every byte added; called once, at the end. */
  abstract String cid();

  /** The state a new upload starts from in the catalog. */
  static byte[] initialState() {
    return new StreamingCid().state();
  }

  /**
   * The hash of {@code upload}'s acknowledged bytes, ready for more: replayed from {@code staged}
   * when the store can read them back, else continued from the state the catalog kept.
   */
  static UploadHash resume(UploadSession upload, BlobStore.Staged staged) {
    Optional<InputStream> persisted = staged.readPersisted();
    if (persisted.isEmpty()) {
      return new Saved(StreamingCid.resume(upload.hashState()));
    }
    CidDigest digest = new CidDigest();
    try (InputStream in = persisted.get()) {
      byte[] buffer = new byte[READ_BUFFER];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading back the staged bytes of upload " + upload.uploadId(), e);
    }
    if (digest.length() != staged.persistedLength()) {
      throw new IllegalStateException(
          "upload "
              + upload.uploadId()
              + " has "
              + digest.length()
              + " staged bytes where "
              + staged.persistedLength()
              + " were kept");
    }
    return new Replayed(digest);
  }

  /** The JDK's digest, replayed from the staged bytes when the upload continues. */
  static final class Replayed extends UploadHash {
    private static final byte[] NO_STATE = new byte[0];
    private final CidDigest digest;

    Replayed(CidDigest digest) {
      this.digest = digest;
    }

    @Override
    void update(ByteBuffer data) {
      digest.update(data.duplicate());
    }

    @Override
    byte[] state() {
      return NO_STATE;
    }

    @Override
    String cid() {
      return digest.cid();
    }
  }

  /** Bouncy Castle's digest, whose state the catalog keeps. */
  static final class Saved extends UploadHash {
    private final StreamingCid hash;

    Saved(StreamingCid hash) {
      this.hash = hash;
    }

    @Override
    void update(ByteBuffer data) {
      hash.update(data.duplicate());
    }

    @Override
    byte[] state() {
      return hash.state();
    }

    @Override
    String cid() {
      return hash.cid();
    }
  }
}
