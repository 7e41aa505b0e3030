package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.ChunkUrl;
import io.meshwork.runtime.errors.MeshException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The blob store as jobs see it, in memory: blobs with the DIDs that hold them, the blobs each job
 * uses, and how many bytes were read (so that a test can tell a chunk was read, and once). It
 * presigns no URLs, as a file store, unless {@link #presignsOn} makes it presign like S3.
 */
final class MemoryBlobs implements InputBlobs {
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> holders = new ConcurrentHashMap<>();
  final Map<String, Set<String>> uses = new ConcurrentHashMap<>();
  final Set<String> released = ConcurrentHashMap.newKeySet();
  final AtomicLong bytesRead = new AtomicLong();
  // When set, URLs are presigned, valid from this clock's now.
  private volatile Clock presigning;

  /** Presigns URLs from now on, like an S3 store, valid from {@code clock}'s now. */
  void presignsOn(Clock clock) {
    this.presigning = clock;
  }

  /** Stores {@code bytes} for {@code holder}; returns its CID. */
  String put(String holder, byte[] bytes) {
    String cid = Cid.of(bytes);
    blobs.put(cid, bytes.clone());
    holders.computeIfAbsent(cid, c -> ConcurrentHashMap.newKeySet()).add(holder);
    return cid;
  }

  @Override
  public long readableSize(String did, String cid) {
    byte[] bytes = blobs.get(cid);
    if (bytes == null || !holders.getOrDefault(cid, Set.of()).contains(did)) {
      throw new MeshException(
          MeshException.Kind.PERMISSION_DENIED,
          "BLOB_ACCESS_DENIED",
          did + " may not read blob " + cid);
    }
    return bytes.length;
  }

  @Override
  public void use(String jobId, String cid) {
    if (released.contains(jobId)) {
      throw new MeshException(
          MeshException.Kind.FAILED_PRECONDITION, "JOB_RELEASED", "job " + jobId + " has ended");
    }
    uses.computeIfAbsent(jobId, j -> ConcurrentHashMap.newKeySet()).add(cid);
  }

  @Override
  public void release(String jobId) {
    uses.remove(jobId);
    released.add(jobId);
  }

  @Override
  public InputStream read(String cid, long offset, long length) {
    byte[] bytes = blobs.get(cid);
    bytesRead.addAndGet(length);
    return new ByteArrayInputStream(bytes, (int) offset, (int) length);
  }

  @Override
  public Optional<ChunkUrl> presign(String cid, long offset, long length, Duration validFor) {
    Clock clock = presigning;
    if (clock == null) {
      return Optional.empty();
    }
    URI url =
        URI.create(
            "https://store.test/"
                + cid
                + "?range="
                + offset
                + "-"
                + (offset + length - 1)
                + "&expires="
                + validFor.toSeconds());
    return Optional.of(new ChunkUrl(url, clock.instant().plus(validFor)));
  }
}
