package io.meshwork.orchestrator.blobs;

import io.meshwork.blob.core.BlobRepository;
import io.meshwork.orchestrator.jobs.InputBlobs;
import io.meshwork.orchestrator.tasks.ChunkUrl;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Job inputs in the orchestrator's blob store: a submitter's right to use a blob is the store's
 * read rule, and the orchestrator reads ranges as itself (it may read every blob).
 */
public final class StoredInputs implements InputBlobs {
  private final BlobRepository repository;
  private final String self;

  /**
   * @param self this orchestrator's DID
   */
  public StoredInputs(BlobRepository repository, String self) {
    this.repository = repository;
    this.self = self;
  }

  @Override
  public long readableSize(String did, String cid) {
    return repository.blob(did, cid).size();
  }

  @Override
  public void use(String jobId, String cid) {
    repository.use(jobId, cid);
  }

  @Override
  public void release(String jobId) {
    repository.release(jobId);
  }

  @Override
  public InputStream read(String cid, long offset, long length) {
    if (length == 0) {
      // The store reads a length of 0 as "to the end".
      return InputStream.nullInputStream();
    }
    return repository.openRange(self, cid, offset, length).bytes();
  }

  @Override
  public Optional<ChunkUrl> presign(String cid, long offset, long length, Duration validFor) {
    return repository
        .presignRange(cid, offset, length, validFor)
        .filter(r -> r.headers().equals(rangeHeader(offset, length)))
        .map(r -> new ChunkUrl(r.url(), r.expiresAt()));
  }

  /**
   * The one header an executor sends with a chunk URL (ChunkReference.url in compute.proto). A URL
   * that would need others is not handed out: the executor could not send them.
   */
  private static Map<String, String> rangeHeader(long offset, long length) {
    return Map.of("Range", "bytes=" + offset + "-" + (offset + length - 1));
  }
}
