package io.meshwork.client;

/**
 * Hears how far a result's download got, to show progress. Called on the reading thread, so it
 * should return quickly; an exception it throws stops the download.
 */
@FunctionalInterface
public interface DownloadProgress {
  /** Hears nothing. */
  DownloadProgress NONE = (received, total) -> {};

  /**
   * {@code received} of the result's {@code total} bytes have been written out; called as each
   * frame arrives, with {@code received == total} at the end.
   */
  void bytesReceived(long received, long total);
}
