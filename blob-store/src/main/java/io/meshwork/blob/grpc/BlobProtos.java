package io.meshwork.blob.grpc;

import io.meshwork.blob.core.BlobRecord;
import io.meshwork.blob.core.UploadSession;
import io.meshwork.blob.v1.Blob;
import io.meshwork.blob.v1.Upload;
import io.meshwork.blob.v1.UploadState;
import java.util.Optional;

/** Maps the domain's records to their messages. */
final class BlobProtos {
  private BlobProtos() {}

  static Blob blob(BlobRecord blob) {
    return Blob.newBuilder()
        .setCid(blob.cid())
        .setSize(blob.size())
        .setCreatedAt(blob.createdAt())
        .build();
  }

  static Upload upload(UploadSession upload, Optional<BlobRecord> blob, int maxFrameBytes) {
    Upload.Builder b =
        Upload.newBuilder()
            .setUploadId(upload.uploadId())
            .setState(state(upload.state()))
            .setSize(upload.size())
            .setAcknowledgedOffset(upload.acknowledgedOffset())
            .setExpectedCid(upload.expectedCid())
            .setJobId(upload.jobId())
            .setOwnerDid(upload.ownerDid())
            .setMaxFrameBytes(maxFrameBytes);
    blob.ifPresent(r -> b.setBlob(blob(r)));
    return b.build();
  }

  private static UploadState state(io.meshwork.blob.core.UploadState state) {
    return switch (state) {
      case OPEN -> UploadState.UPLOAD_STATE_OPEN;
      case COMPLETE -> UploadState.UPLOAD_STATE_COMPLETE;
      case CANCELLED -> UploadState.UPLOAD_STATE_CANCELLED;
      case FAILED -> UploadState.UPLOAD_STATE_FAILED;
    };
  }
}
