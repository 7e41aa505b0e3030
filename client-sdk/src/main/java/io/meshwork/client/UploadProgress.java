package io.meshwork.client;

/**
 * Hears how far an upload got, to show progress. Called on the uploading thread, so it should
 * return quickly; an exception it throws stops the upload (the bytes the service acknowledged stay,
 * and uploading the same file again continues from them).
 */
@FunctionalInterface
public interface UploadProgress {
  /** Hears nothing. */
  UploadProgress NONE = (sent, total) -> {};

  /**
   * The upload has handed {@code sent} of the file's {@code total} bytes to the connection. It is
   * called as each frame goes out, with {@code sent == total} once the blob is stored. After a
   * broken stream it starts again from the offset the service acknowledged, which may be below what
   * was reported before; an upload that continues an earlier one starts there too.
   */
  void bytesSent(long sent, long total);
}
