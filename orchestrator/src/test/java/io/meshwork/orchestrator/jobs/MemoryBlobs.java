package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.ChunkUrl;
import io.meshwork.runtime.errors.MeshException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * uses, the results kept past their job, and how many bytes were read and written (so that a test
 * can tell a chunk was read, and once, or that a result went to the store). It presigns no URLs, as
 * a file store, unless {@link #presignsOn} makes it presign like S3.
 */
final class MemoryBlobs implements InputBlobs, ResultBlobs {
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

  final AtomicLong bytesWritten = new AtomicLong();
  // Job id to the result blob kept past the job's end.
  final Map<String, String> keptResults = new ConcurrentHashMap<>();
  // Blob names written per job, in order (e.g. "merge-input", "result").
  final Map<String, java.util.List<String>> written = new ConcurrentHashMap<>();

  /** The bytes of blob {@code cid}, or null. */
  byte[] get(String cid) {
    return blobs.get(cid);
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
  public String write(
      String jobId,
      String submitterDid,
      String name,
      long size,
      String expectedCid,
      Content content) {
    if (released.contains(jobId)) {
      throw new MeshException(
          MeshException.Kind.FAILED_PRECONDITION, "JOB_RELEASED", "job " + jobId + " has ended");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      content.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    if (bytes.length != size) {
      throw new IllegalStateException(name + " wrote " + bytes.length + " of " + size + " bytes");
    }
    String cid = put(submitterDid, bytes);
    if (!expectedCid.isEmpty() && !expectedCid.equals(cid)) {
      throw new MeshException(
          MeshException.Kind.INVALID_ARGUMENT, "CID_MISMATCH", name + " is not " + expectedCid);
    }
    bytesWritten.addAndGet(size);
    written
        .computeIfAbsent(jobId, j -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(name);
    use(jobId, cid);
    return cid;
  }

  @Override
  public void keepResult(String jobId, String cid) {
    keptResults.put(jobId, cid);
  }

  @Override
  public void forgetResult(String jobId) {
    keptResults.remove(jobId);
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
