package io.meshwork.blob.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * An upload as the catalog records it.
 *
 * @param uploadId its id
 * @param requestId the uploader's request id that created it
 * @param uploaderDid who sends the bytes: the only caller who may continue, read or cancel it
 * @param ownerDid who is charged for it and holds the blob afterwards: the uploader, or the
 *     submitter of {@code jobId}
 * @param jobId the job it is for, or ""
 * @param size the bytes the blob will have
 * @param expectedCid the CID the uploader declared, or ""
 * @param acknowledgedOffset how many bytes are durably stored
 * @param hashState the {@link io.meshwork.content.StreamingCid} state after exactly those bytes, or
 *     empty where the store reads its staged bytes back instead (see {@link UploadHash})
 * @param storeToken what the byte store needs to find them again
 * @param state where it stands
 * @param cid the blob's CID once complete, or ""
 * @param createdAt when it was created, epoch milliseconds
 * @param touchedAt when bytes last arrived for it (or it was created or closed)
 */
public record UploadSession(
    String uploadId,
    String requestId,
    String uploaderDid,
    String ownerDid,
    String jobId,
    long size,
    String expectedCid,
    long acknowledgedOffset,
    byte[] hashState,
    String storeToken,
    UploadState state,
    String cid,
    long createdAt,
    long touchedAt) {

  /** Checks the fields. */
  public UploadSession {
    Objects.requireNonNull(uploadId);
    Objects.requireNonNull(hashState);
    Objects.requireNonNull(storeToken);
    Objects.requireNonNull(state);
    Objects.requireNonNull(cid);
  }

  /** This session at a new acknowledged offset. */
  public UploadSession acknowledged(long offset, byte[] state, String token, long now) {
    return new UploadSession(
        uploadId,
        requestId,
        uploaderDid,
        ownerDid,
        jobId,
        size,
        expectedCid,
        offset,
        state,
        token,
        this.state,
        cid,
        createdAt,
        now);
  }

  /** This session closed as {@code closed}, with the blob's CID if it completed. */
  public UploadSession closed(UploadState closed, String blobCid, long now) {
    return new UploadSession(
        uploadId,
        requestId,
        uploaderDid,
        ownerDid,
        jobId,
        size,
        expectedCid,
        acknowledgedOffset,
        hashState,
        storeToken,
        closed,
        blobCid,
        createdAt,
        now);
  }

  // A record compares arrays by identity; sessions are compared by content in tests.
  @Override
  public boolean equals(Object o) {
    return o instanceof UploadSession s
        && uploadId.equals(s.uploadId)
        && Objects.equals(requestId, s.requestId)
        && Objects.equals(uploaderDid, s.uploaderDid)
        && Objects.equals(ownerDid, s.ownerDid)
        && Objects.equals(jobId, s.jobId)
        && size == s.size
        && Objects.equals(expectedCid, s.expectedCid)
        && acknowledgedOffset == s.acknowledgedOffset
        && Arrays.equals(hashState, s.hashState)
        && storeToken.equals(s.storeToken)
        && state == s.state
        && cid.equals(s.cid)
        && createdAt == s.createdAt
        && touchedAt == s.touchedAt;
  }

  @Override
  public int hashCode() {
    return Objects.hash(uploadId, acknowledgedOffset, state);
  }

  @Override
  public String toString() {
    return "UploadSession[" + uploadId + " " + state + " " + acknowledgedOffset + "/" + size + "]";
  }
}
