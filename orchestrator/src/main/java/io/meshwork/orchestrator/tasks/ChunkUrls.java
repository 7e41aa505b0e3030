package io.meshwork.orchestrator.tasks;

import java.time.Duration;
import java.util.Optional;

/**
 * Presigns the URL of a byte range of a stored blob, when the blob store can make one (S3 can, a
 * file store cannot): how an assignment of a chunk by reference gets a URL its executor reads the
 * chunk from directly.
 */
public interface ChunkUrls {
  /** Never presigns: every chunk by reference is downloaded from the blob service. */
  ChunkUrls NONE = (blobCid, offset, length, validFor) -> Optional.empty();

  /**
   * A URL that reads {@code length} bytes of blob {@code blobCid} from {@code offset} for {@code
   * validFor}, or empty when the store cannot make one.
   */
  Optional<ChunkUrl> presign(String blobCid, long offset, long length, Duration validFor);
}
