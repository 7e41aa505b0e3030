package io.meshwork.blob.core;

import io.meshwork.runtime.errors.MeshException;

/**
 * The blob store's refusals: stable reason codes that callers may branch on, and the exceptions
 * that carry them with the values that explain them.
 */
public final class BlobErrors {
  /** A request field is missing or out of range; {@code field} names it. */
  public static final String INVALID_FIELD = "INVALID_FIELD";

  /** A frame carried more than the largest frame allowed. */
  public static final String FRAME_TOO_LARGE = "FRAME_TOO_LARGE";

  /** An upload declared more bytes than a blob may have. */
  public static final String BLOB_TOO_LARGE = "BLOB_TOO_LARGE";

  /** An upload was sent more bytes than it declared. */
  public static final String SIZE_EXCEEDED = "SIZE_EXCEEDED";

  /** The bytes of an upload hash to another CID than the one declared. */
  public static final String CID_MISMATCH = "CID_MISMATCH";

  /** The owner's blobs and open uploads would pass its quota. */
  public static final String QUOTA_EXCEEDED = "QUOTA_EXCEEDED";

  /** The uploader has as many open uploads as it may. */
  public static final String TOO_MANY_UPLOADS = "TOO_MANY_UPLOADS";

  /** An Upload call started at another offset than the one acknowledged. */
  public static final String OFFSET_MISMATCH = "OFFSET_MISMATCH";

  /** Bytes were sent to an upload that is complete, cancelled or failed. */
  public static final String UPLOAD_CLOSED = "UPLOAD_CLOSED";

  /** Another call is streaming bytes to the same upload. */
  public static final String UPLOAD_BUSY = "UPLOAD_BUSY";

  /** A request id was used before for an upload with other fields. */
  public static final String REQUEST_ID_REUSED = "REQUEST_ID_REUSED";

  /** No upload has that id. */
  public static final String UPLOAD_NOT_FOUND = "UPLOAD_NOT_FOUND";

  /** No blob has that CID (told only to callers who may read every blob). */
  public static final String BLOB_NOT_FOUND = "BLOB_NOT_FOUND";

  /** The job let go of its blobs already, so it cannot take up another. */
  public static final String JOB_RELEASED = "JOB_RELEASED";

  /** Someone other than its uploader asked about or sent bytes to an upload. */
  public static final String NOT_UPLOADER = "NOT_UPLOADER";

  /** The caller does not work on the job it named. */
  public static final String NOT_ON_JOB = "NOT_ON_JOB";

  /** The caller may not read the blob: it holds none and works on no job that uses it. */
  public static final String BLOB_ACCESS_DENIED = "BLOB_ACCESS_DENIED";

  /** The staged bytes of an upload are gone or shorter than acknowledged. */
  public static final String UPLOAD_LOST = "UPLOAD_LOST";

  private BlobErrors() {}

  /** A bad request field, named in the message and in the {@code field} metadata. */
  public static MeshException invalidField(String field, String problem) {
    return MeshException.invalidArgument(INVALID_FIELD, field + " " + problem).with("field", field);
  }

  static MeshException frameTooLarge(int bytes, int max) {
    return MeshException.invalidArgument(
            FRAME_TOO_LARGE, "a frame carried " + bytes + " bytes; at most " + max + " are allowed")
        .with("frame_bytes", bytes)
        .with("max_frame_bytes", max);
  }

  static MeshException blobTooLarge(long size, long max) {
    return MeshException.invalidArgument(
            BLOB_TOO_LARGE, "a blob of " + size + " bytes is larger than the " + max + " allowed")
        .with("size", size)
        .with("max_blob_bytes", max);
  }

  static MeshException sizeExceeded(String uploadId, long size, long offered) {
    return MeshException.invalidArgument(
            SIZE_EXCEEDED,
            "upload " + uploadId + " declared " + size + " bytes but was sent " + offered)
        .with("upload_id", uploadId)
        .with("size", size);
  }

  static MeshException cidMismatch(String uploadId, String expected, String actual) {
    return MeshException.invalidArgument(
            CID_MISMATCH,
            "the bytes of upload " + uploadId + " are " + actual + ", not the declared " + expected)
        .with("upload_id", uploadId)
        .with("expected_cid", expected)
        .with("actual_cid", actual);
  }

  static MeshException quotaExceeded(String owner, long quota, long charged, long requested) {
    return new MeshException(
            MeshException.Kind.RESOURCE_EXHAUSTED,
            QUOTA_EXCEEDED,
            owner
                + " has "
                + charged
                + " of its "
                + quota
                + " bytes of blobs and uploads; "
                + requested
                + " more would pass the quota")
        .with("owner", owner)
        .with("quota_bytes", quota)
        .with("charged_bytes", charged)
        .with("requested_bytes", requested);
  }

  static MeshException tooManyUploads(String uploader, int max) {
    return new MeshException(
            MeshException.Kind.RESOURCE_EXHAUSTED,
            TOO_MANY_UPLOADS,
            uploader + " has " + max + " open uploads, as many as allowed; finish or cancel one")
        .with("uploader", uploader)
        .with("max_open_uploads", max);
  }

  static MeshException offsetMismatch(String uploadId, long offset, long acknowledged) {
    return MeshException.failedPrecondition(
            OFFSET_MISMATCH,
            "upload "
                + uploadId
                + " continues at its acknowledged offset "
                + acknowledged
                + ", not at "
                + offset)
        .with("upload_id", uploadId)
        .with("acknowledged_offset", acknowledged)
        .with("offset", offset);
  }

  static MeshException uploadClosed(UploadSession upload) {
    return MeshException.failedPrecondition(
            UPLOAD_CLOSED,
            "upload " + upload.uploadId() + " is " + upload.state().name().toLowerCase())
        .with("upload_id", upload.uploadId())
        .with("state", upload.state());
  }

  static MeshException uploadBusy(String uploadId) {
    return MeshException.failedPrecondition(
            UPLOAD_BUSY, "another call is sending bytes to upload " + uploadId)
        .with("upload_id", uploadId);
  }

  static MeshException requestIdReused(String requestId, String uploadId) {
    return new MeshException(
            MeshException.Kind.ALREADY_EXISTS,
            REQUEST_ID_REUSED,
            "request_id "
                + requestId
                + " already created upload "
                + uploadId
                + " with other fields")
        .with("request_id", requestId)
        .with("upload_id", uploadId);
  }

  static MeshException uploadNotFound(String uploadId) {
    return MeshException.notFound(UPLOAD_NOT_FOUND, "no upload has the id " + uploadId)
        .with("upload_id", uploadId);
  }

  static MeshException blobNotFound(String cid) {
    return MeshException.notFound(BLOB_NOT_FOUND, "no blob has the CID " + cid).with("cid", cid);
  }

  static MeshException jobReleased(String jobId) {
    return MeshException.failedPrecondition(
            JOB_RELEASED, "job " + jobId + " has let go of its blobs and cannot take up another")
        .with("job_id", jobId);
  }

  static MeshException notUploader(String caller, String uploadId) {
    return MeshException.permissionDenied(
            NOT_UPLOADER, "upload " + uploadId + " was not created by " + caller)
        .with("caller", caller)
        .with("upload_id", uploadId);
  }

  static MeshException notOnJob(String caller, String jobId) {
    return MeshException.permissionDenied(NOT_ON_JOB, caller + " does not work on job " + jobId)
        .with("caller", caller)
        .with("job_id", jobId);
  }

  static MeshException accessDenied(String caller, String cid) {
    return MeshException.permissionDenied(
            BLOB_ACCESS_DENIED,
            caller
                + " may not read blob "
                + cid
                + ": it holds no copy and works on no job that uses one")
        .with("caller", caller)
        .with("cid", cid);
  }

  /** The staged bytes of {@code uploadId} are gone; the uploader must start again. */
  public static MeshException uploadLost(String uploadId, String why) {
    return MeshException.failedPrecondition(
            UPLOAD_LOST,
            "the bytes of upload " + uploadId + " are gone (" + why + "); start a new upload")
        .with("upload_id", uploadId);
  }
}
