package io.meshwork.orchestrator.blobs;

import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.UploadSession;
import io.meshwork.blob.core.UploadState;
import io.meshwork.blob.core.UploadWriter;
import io.meshwork.orchestrator.jobs.ResultBlobs;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Results in the orchestrator's blob store, written through the same uploads a submitter makes: an
 * upload in the submitter's name for the job (as {@code CreateUpload} with {@code job_id}), so the
 * blob is the submitter's (held by it, charged to its quota) and used by the job from the moment it
 * is stored. A job's final result is kept past the job's end by a use of its own, {@code
 * result:<job>}, which the job's release does not touch.
 */
public final class StoredResults implements ResultBlobs {
  private static final Logger LOG = Logger.getLogger(StoredResults.class.getName());
  // Request ids tried per blob: a write broken off by a restart leaves its upload open with bytes
  // in it; it is cancelled and the next id taken (the bytes are made again from the journal).
  private static final int UPLOAD_ATTEMPTS = 8;
  private static final int FRAME_BYTES = 256 * 1024;
  // Each write is an open upload of the submitter's, and blobs.max-open-uploads (16 by default)
  // counts them with the submitter's own; writing a few at a time leaves it most of its allowance,
  // and the disk is the bound on these writes anyway.
  private static final int CONCURRENT_WRITES = 4;

  private final BlobRepository repository;
  private final Semaphore writes = new Semaphore(CONCURRENT_WRITES);

  /** Writes results into {@code repository}. */
  public StoredResults(BlobRepository repository) {
    this.repository = repository;
  }

  @Override
  public String write(
      String jobId,
      String submitterDid,
      String name,
      long size,
      String expectedCid,
      Content content) {
    writes.acquireUninterruptibly();
    try {
      for (int attempt = 0; attempt < UPLOAD_ATTEMPTS; attempt++) {
        String requestId = jobId + ":" + name + (attempt == 0 ? "" : "." + attempt);
        UploadSession upload;
        try {
          upload =
              repository.createUpload(
                  submitterDid,
                  new BlobRepository.NewUpload(
                      requestId,
                      size,
                      expectedCid.isEmpty() ? Optional.empty() : Optional.of(expectedCid),
                      Optional.of(jobId)));
        } catch (MeshException e) {
          if (BlobErrors.REQUEST_ID_REUSED.equals(e.reason())) {
            // Written before as other bytes (a task run again after a restart).
            continue;
          }
          throw e;
        }
        if (upload.state() == UploadState.COMPLETE) {
          // Written before the restart, or the submitter holds these bytes already.
          return upload.cid();
        }
        if (upload.state() == UploadState.OPEN && upload.acknowledgedOffset() == 0) {
          return stream(submitterDid, upload, content);
        }
        cancel(submitterDid, upload);
      }
      throw new IllegalStateException("no upload could be opened for " + name + " of job " + jobId);
    } finally {
      writes.release();
    }
  }

  @Override
  public void keepResult(String jobId, String cid) {
    repository.use("result:" + jobId, cid);
  }

  @Override
  public void forgetResult(String jobId) {
    repository.release("result:" + jobId);
  }

  private String stream(String submitter, UploadSession upload, Content content) {
    UploadWriter writer = repository.openWriter(submitter, upload.uploadId(), 0);
    boolean stored = false;
    int frameBytes = Math.min(FRAME_BYTES, repository.limits().maxFrameBytes());
    Frames out = new Frames(writer, frameBytes);
    try {
      try {
        content.writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException("writing " + upload.requestId() + ": " + e.getMessage(), e);
      }
      out.flush();
      if (out.written != upload.size()) {
        throw new IllegalStateException(
            upload.requestId() + " wrote " + out.written + " of its " + upload.size() + " bytes");
      }
      String cid = writer.finish().cid();
      stored = true;
      return cid;
    } finally {
      if (!stored) {
        writer.abandon();
        cancel(submitter, upload);
      }
    }
  }

  private void cancel(String submitter, UploadSession upload) {
    try {
      repository.cancelUpload(submitter, upload.uploadId());
    } catch (RuntimeException e) {
      // It expires by itself (blobs.upload-expiry) and its quota with it.
      LOG.log(Level.WARNING, "could not cancel upload " + upload.uploadId(), e);
    }
  }

  /** Bytes gathered into frames for the upload's writer. */
  private static final class Frames extends OutputStream {
    private final UploadWriter writer;
    private final byte[] frame;
    private int filled;
    long written;

    Frames(UploadWriter writer, int frameBytes) {
      this.writer = writer;
      this.frame = new byte[frameBytes];
    }

    @Override
    public void write(int b) {
      if (filled == frame.length) {
        flush();
      }
      frame[filled++] = (byte) b;
      written++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        if (filled == frame.length) {
          flush();
        }
        int n = Math.min(len, frame.length - filled);
        System.arraycopy(b, off, frame, filled, n);
        filled += n;
        off += n;
        len -= n;
        written += n;
      }
    }

    @Override
    public void flush() {
      if (filled > 0) {
        writer.write(ByteBuffer.wrap(frame, 0, filled));
        filled = 0;
      }
    }
  }
}
