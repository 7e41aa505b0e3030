package io.meshwork.orchestrator.jobs;

import io.meshwork.orchestrator.tasks.ChunkUrl;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * The blob store as jobs see it: the inputs submitters uploaded, which a job uses while it runs and
 * reads in ranges.
 */
public interface InputBlobs {
  /**
   * The size of blob {@code cid}, which {@code did} must be allowed to read.
   *
   * @throws io.meshwork.runtime.errors.MeshException PERMISSION_DENIED when {@code did} may not
   *     read it (or it does not exist); INVALID_ARGUMENT for a malformed CID
   */
  long readableSize(String did, String cid);

  /** Keeps blob {@code cid} while job {@code jobId} runs; using it again is the same as once. */
  void use(String jobId, String cid);

  /** Lets go of every blob job {@code jobId} uses: the job has ended. */
  void release(String jobId);

  /** Opens {@code length} bytes of blob {@code cid} from {@code offset}; the caller closes it. */
  InputStream read(String cid, long offset, long length);

  /**
   * A URL that reads {@code length} bytes of blob {@code cid} from {@code offset} without
   * credentials for {@code validFor}, sending only the range's {@code Range} header; empty when the
   * store cannot make one (files).
   */
  Optional<ChunkUrl> presign(String cid, long offset, long length, Duration validFor);
}
