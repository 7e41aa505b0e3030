package io.meshwork.blob.core;

import io.meshwork.runtime.errors.MeshException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Upload call's bytes going into an upload: each frame is checked, hashed and staged as it
 * comes, and every {@code checkpoint} bytes the staged bytes are made durable and the offset they
 * reach is acknowledged in the catalog (with the hash state at exactly that offset where the store
 * cannot read its staged bytes back; see {@link UploadHash}). A later call, in this process or
 * after a restart, continues from there.
 *
 * <p>Used by one thread at a time (gRPC delivers a call's messages in order). It ends with {@link
 * #finish} when the client half-closes, or {@link #abandon} when the call breaks off; either lets
 * another call stream to the upload.
 */
public final class UploadWriter {
  private static final Logger LOG = Logger.getLogger(UploadWriter.class.getName());

  private final BlobRepository repository;
  private final BlobStore.Staged staged;
  private final UploadHash hash;
  private final long checkpointBytes;
  private UploadSession upload;
  private boolean closed;

  UploadWriter(
      BlobRepository repository, UploadSession upload, BlobStore.Staged staged, UploadHash hash) {
    this.repository = repository;
    this.upload = upload;
    this.staged = staged;
    this.hash = hash;
    this.checkpointBytes = Math.max(repository.limits.checkpointBytes(), staged.minPersistBytes());
  }

  /** The upload as last acknowledged. */
  public UploadSession upload() {
    return upload;
  }

  /**
   * Appends one frame.
   *
   * @throws MeshException INVALID_ARGUMENT for a frame above the limit or bytes past the declared
   *     size; the bytes before it stay staged
   */
  public void write(ByteBuffer data) {
    requireOpen();
    int n = data.remaining();
    if (n > repository.limits.maxFrameBytes()) {
      throw BlobErrors.frameTooLarge(n, repository.limits.maxFrameBytes());
    }
    if (staged.length() + n > upload.size()) {
      throw BlobErrors.sizeExceeded(upload.uploadId(), upload.size(), staged.length() + n);
    }
    hash.update(data);
    staged.write(data);
    if (staged.length() - staged.persistedLength() >= checkpointBytes) {
      checkpoint();
    }
  }

  /**
   * Ends the call as the client meant it to end: with every byte, the upload becomes a blob (or
   * fails, if the bytes are not the declared CID's); with fewer, what can be made durable is
   * acknowledged and the upload stays open for the next call.
   *
   * @throws MeshException INVALID_ARGUMENT {@code CID_MISMATCH}, after dropping the bytes
   */
  public UploadSession finish() {
    requireOpen();
    try {
      if (staged.length() < upload.size()) {
        checkpointIfPossible();
        staged.close();
        return upload;
      }
      String cid = hash.cid();
      Optional<String> expected =
          upload.expectedCid().isEmpty() ? Optional.empty() : Optional.of(upload.expectedCid());
      if (expected.isPresent() && !expected.get().equals(cid)) {
        upload = repository.fail(upload, staged);
        throw BlobErrors.cidMismatch(upload.uploadId(), expected.get(), cid);
      }
      upload = repository.complete(upload, staged, cid);
      return upload;
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    } finally {
      end();
    }
  }

  /**
   * Ends a call that broke off (the client went away, or a frame was refused): what can be made
   * durable is acknowledged, the rest is dropped, and the upload stays open. Never throws.
   */
  public void abandon() {
    if (closed) {
      return;
    }
    try {
      checkpointIfPossible();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not keep the progress of upload " + upload.uploadId(), e);
    }
    closeQuietly();
    end();
  }

  private void closeQuietly() {
    try {
      staged.close();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not close the staging of upload " + upload.uploadId(), e);
    }
  }

  private void checkpointIfPossible() {
    long unpersisted = staged.length() - staged.persistedLength();
    if (unpersisted > 0 && unpersisted >= staged.minPersistBytes()) {
      checkpoint();
    }
  }

  private void checkpoint() {
    String token = staged.persist();
    long now = repository.clock.millis();
    UploadSession next = upload.acknowledged(staged.persistedLength(), hash.state(), token, now);
    repository.catalog.write(
        w -> {
          w.updateUpload(next);
          return null;
        });
    upload = next;
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the writer of upload " + upload.uploadId() + " is closed");
    }
  }

  private void end() {
    if (!closed) {
      closed = true;
      repository.writerClosed(upload.uploadId());
    }
  }
}
