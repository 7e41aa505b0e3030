package io.meshwork.blob.core;

import java.time.Duration;

/**
 * The limits and periods {@link BlobRepository} enforces, read once from the settings.
 *
 * @param maxFrameBytes the largest piece of bytes one upload frame may carry (and the size of the
 *     frames a download sends)
 * @param maxBlobBytes the largest blob an upload may declare
 * @param quotaBytes the most bytes of blobs and open uploads one owner may be charged for
 * @param maxOpenUploads the most open uploads one uploader may have
 * @param checkpointBytes how many bytes an upload takes in between two acknowledgements; a store
 *     may need more (S3's parts are at least 5 MiB)
 * @param retention how long a blob stays after the last job that used it let go (or after it was
 *     stored, if no job took it up); closed uploads and released jobs are remembered as long
 * @param uploadExpiry how long an open upload may go without bytes before it is cancelled
 */
public record BlobLimits(
    int maxFrameBytes,
    long maxBlobBytes,
    long quotaBytes,
    int maxOpenUploads,
    long checkpointBytes,
    Duration retention,
    Duration uploadExpiry) {

  /**
   * The defaults the settings declare. Frames are 256 KiB: every frame is copied a few times on its
   * way (read buffer, message, network buffers, parsed bytes), and on a small heap the collector
   * allocates an array of half a region (512 KiB at 1 MiB regions) or more outside the young
   * generation, where each one adds to the next collection's work; at 1 MiB, frames made most of a
   * download's garbage such arrays. 256 KiB frames still carry thousands of bytes per byte of
   * framing.
   */
  public static final BlobLimits DEFAULTS =
      new BlobLimits(
          256 << 10,
          64L << 30,
          128L << 30,
          16,
          16L << 20,
          Duration.ofDays(7),
          Duration.ofHours(24));

  /** Checks every limit is positive. */
  public BlobLimits {
    if (maxFrameBytes < 1
        || maxBlobBytes < 0
        || quotaBytes < 0
        || maxOpenUploads < 1
        || checkpointBytes < 1
        || retention.isNegative()
        || uploadExpiry.isNegative()
        || uploadExpiry.isZero()) {
      throw new IllegalArgumentException("blob limits out of range: " + this);
    }
  }
}
