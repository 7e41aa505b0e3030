package io.meshwork.blob.grpc;

import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;

/**
 * Who may call the blob store ({@code meshwork.blob.v1.BlobService}), as docs/AUTH.md lists it:
 * every RPC is for any authenticated user, since what a caller may do is decided per blob and per
 * upload (who holds it, who works on the jobs that use it), which the repository checks.
 */
public final class BlobAccess {
  /** The roles allowed per RPC. */
  public static final AccessTable TABLE =
      AccessTable.forService(BlobServiceGrpc.getServiceDescriptor())
          .allow("CreateUpload", Role.USER)
          .allow("Upload", Role.USER)
          .allow("GetUpload", Role.USER)
          .allow("CancelUpload", Role.USER)
          .allow("GetBlob", Role.USER)
          .allow("Download", Role.USER)
          .build();

  private BlobAccess() {}
}
