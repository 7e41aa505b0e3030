package io.meshwork.client;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.DownloadRequest;
import io.meshwork.blob.v1.DownloadResponse;
import io.meshwork.content.CidDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads a job's stored result, a blob of the orchestrator's blob store, through {@code
 * BlobService.Download} into a stream: frame by frame as the transport delivers them (gRPC's flow
 * control holds the server back while a frame is written), hashed as they pass, and checked against
 * the result's CID at the end. A broken stream continues with a new call from the next byte not yet
 * written.
 */
final class ResultDownloader {
  /** Failed calls in a row, without a byte more written, before the download gives up. */
  static final int MAX_ATTEMPTS = 6;

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Set<Status.Code> TRANSIENT =
      Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED);

  private final BlobServiceGrpc.BlobServiceBlockingStub blobs;
  private final MeshClientOptions options;

  ResultDownloader(BlobServiceGrpc.BlobServiceBlockingStub blobs, MeshClientOptions options) {
    this.blobs = blobs;
    this.options = options;
  }

  /**
   * Writes blob {@code cid} of {@code size} bytes, the result of job {@code jobId}, to {@code out}.
   *
   * @throws MeshClientException when the blob service refuses (its reason, e.g. {@code
   *     BLOB_ACCESS_DENIED}), the stream breaks too often ({@link
   *     MeshClientException#DOWNLOAD_INTERRUPTED}), or the bytes are not the CID's ({@link
   *     MeshClientException#RESULT_CID_MISMATCH})
   */
  void download(String jobId, String cid, long size, OutputStream out, DownloadProgress progress) {
    CidDigest digest = new CidDigest();
    long written = 0;
    int failures = 0;
    Duration backoff = FIRST_BACKOFF;
    while (written < size) {
      long before = written;
      try {
        written = call(cid, written, size, out, digest, progress);
        if (written < size) {
          throw new StatusRuntimeException(
              Status.UNAVAILABLE.withDescription(
                  "the download of " + cid + " ended at byte " + written + " of " + size));
        }
      } catch (StatusRuntimeException e) {
        MeshClientException failure = MeshClientException.fromGrpc(e);
        written = digest.length();
        if (!TRANSIENT.contains(failure.code())) {
          throw failure;
        }
        failures = written > before ? 1 : failures + 1;
        if (failures >= MAX_ATTEMPTS) {
          throw new MeshClientException(
              failure.code(),
              MeshClientException.DOWNLOAD_INTERRUPTED,
              "the download of the result of job "
                  + jobId
                  + " stopped at byte "
                  + written
                  + " of "
                  + size
                  + " after "
                  + MAX_ATTEMPTS
                  + " broken calls in a row: "
                  + failure.getMessage(),
              failure);
        }
        sleep(backoff);
        backoff = backoff.multipliedBy(2);
      }
    }
    String actual = digest.cid();
    if (!actual.equals(cid)) {
      throw new MeshClientException(
          Status.Code.DATA_LOSS,
          MeshClientException.RESULT_CID_MISMATCH,
          "the result of job "
              + jobId
              + " does not match its CID "
              + cid
              + " (the bytes hash to "
              + actual
              + ")");
    }
  }

  /** One Download call from {@code offset} to the end; returns how far the bytes written reach. */
  private long call(
      String cid,
      long offset,
      long size,
      OutputStream out,
      CidDigest digest,
      DownloadProgress progress) {
    // A deadline on the call like an upload's: the call deadline plus a second per MiB it brings.
    long millis = options.callDeadline().toMillis() + ((size - offset) >> 20) * 1000;
    DownloadRequest request =
        DownloadRequest.newBuilder().setCid(cid).setOffset(offset).setLength(0).build();
    // Its own cancellable context, so that a failure here (the disk is full) ends the stream
    // rather than leaving the server sending into a call nobody reads.
    Context.CancellableContext context = Context.current().withCancellation();
    long at = offset;
    try {
      Iterator<DownloadResponse> frames =
          context.call(
              () -> blobs.withDeadlineAfter(millis, TimeUnit.MILLISECONDS).download(request));
      while (frames.hasNext()) {
        DownloadResponse frame = frames.next();
        if (frame.getOffset() != at) {
          throw new MeshClientException(
              Status.Code.DATA_LOSS,
              MeshClientException.RESULT_CID_MISMATCH,
              "the blob service sent byte " + frame.getOffset() + " where " + at + " was due");
        }
        if (at + frame.getData().size() > size) {
          throw new MeshClientException(
              Status.Code.DATA_LOSS,
              MeshClientException.RESULT_CID_MISMATCH,
              "blob " + cid + " is longer than the result's " + size + " bytes");
        }
        for (var buffer : frame.getData().asReadOnlyByteBufferList()) {
          byte[] bytes = new byte[buffer.remaining()];
          buffer.get(bytes);
          out.write(bytes);
          digest.update(bytes, 0, bytes.length);
        }
        at += frame.getData().size();
        progress.bytesReceived(at, size);
      }
      return at;
    } catch (IOException e) {
      context.cancel(e);
      throw new UncheckedIOException("cannot write the result: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      context.cancel(e);
      throw e;
    } catch (Exception e) {
      context.cancel(e);
      throw new IllegalStateException(e);
    } finally {
      context.cancel(null);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MeshClientException(
          Status.Code.CANCELLED, MeshClientException.DOWNLOAD_INTERRUPTED, "interrupted");
    }
  }
}
