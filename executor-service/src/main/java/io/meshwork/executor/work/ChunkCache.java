package io.meshwork.executor.work;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Input chunks kept on disk by their CID, so that a task run again here (a retry, a redundant
 * replica) does not download its chunk again. Bounded in total bytes, least recently used out
 * first.
 *
 * <p>A file is trusted by its name only because this process wrote it, after checking the bytes
 * against that name: a chunk goes to a temporary file and is renamed into place atomically, so no
 * reader ever sees part of one, and whatever is in the folder when the cache opens (chunks of an
 * earlier run, temporary files of a crash) is removed rather than believed.
 *
 * <p>Thread-safe. A failing disk never fails a task: a chunk that cannot be written is not cached,
 * and one that cannot be read is fetched again.
 */
public final class ChunkCache {
  private static final Logger LOG = Logger.getLogger(ChunkCache.class.getName());
  // Temporary files start with a dot, which no CID does (they start with 'b').
  private static final String TEMP_PREFIX = ".incoming-";

  private final Path dir;
  private final long maxBytes;
  // CID -> size, in access order: the eldest entry is the least recently used.
  private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  private ChunkCache(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /**
   * Opens the cache in {@code dir}, created if missing and emptied if not, holding at most {@code
   * maxBytes}; 0 disables it.
   *
   * @throws UncheckedIOException when the folder cannot be created or emptied
   */
  public static ChunkCache open(Path dir, long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("a cache of " + maxBytes + " bytes");
    }
    if (maxBytes == 0) {
      return disabled();
    }
    try {
      Files.createDirectories(dir);
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir)) {
        for (Path leftover : leftovers) {
          if (Files.isRegularFile(leftover)) {
            Files.delete(leftover);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the chunk cache in " + dir, e);
    }
    return new ChunkCache(dir, maxBytes);
  }

  /** A cache that keeps nothing. */
  public static ChunkCache disabled() {
    return new ChunkCache(null, 0);
  }

  /** The chunk with CID {@code cid}, if it is here; it becomes the most recently used. */
  Optional<byte[]> get(String cid) {
    Long size;
    synchronized (this) {
      size = entries.get(cid);
    }
    if (size == null) {
      return Optional.empty();
    }
    try {
      byte[] chunk = Files.readAllBytes(dir.resolve(cid));
      if (chunk.length == size) {
        return Optional.of(chunk);
      }
      LOG.warning("the cached chunk " + cid + " has changed size on disk; it is dropped");
    } catch (NoSuchFileException e) {
      // Evicted between the look-up and the read (then dropping it again does nothing), or
      // removed by someone else.
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot read the cached chunk " + cid + "; it is dropped", e);
    }
    drop(cid, size);
    return Optional.empty();
  }

  /**
   * Keeps {@code chunk} under {@code cid}, evicting the least recently used chunks beyond the
   * bound. The caller has checked that {@code cid} is the CID of {@code chunk}, and that it is
   * canonical (it becomes a file name). A chunk larger than the whole cache is not kept.
   */
  void put(String cid, byte[] chunk) {
    if (dir == null || chunk.length > maxBytes || contains(cid)) {
      return;
    }
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, TEMP_PREFIX, ".tmp");
      Files.write(temp, chunk);
      synchronized (this) {
        if (entries.containsKey(cid)) {
          return;
        }
        Files.move(temp, dir.resolve(cid), StandardCopyOption.ATOMIC_MOVE);
        temp = null;
        entries.put(cid, (long) chunk.length);
        bytes += chunk.length;
        evict();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "cannot cache the chunk " + cid, e);
    } finally {
      if (temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  /** Whether the chunk is here, without making it the most recently used. */
  synchronized boolean contains(String cid) {
    return entries.containsKey(cid);
  }

  /** The bytes of the chunks kept. */
  public synchronized long bytes() {
    return bytes;
  }

  /** How many chunks are kept. */
  public synchronized int size() {
    return entries.size();
  }

  private void evict() {
    Iterator<Map.Entry<String, Long>> eldest = entries.entrySet().iterator();
    while (bytes > maxBytes && eldest.hasNext()) {
      Map.Entry<String, Long> out = eldest.next();
      eldest.remove();
      bytes -= out.getValue();
      // A reader that opened the file before this keeps reading it whole.
      deleteQuietly(dir.resolve(out.getKey()));
    }
  }

  private synchronized void drop(String cid, long size) {
    if (entries.remove(cid, size)) {
      bytes -= size;
      deleteQuietly(dir.resolve(cid));
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete " + file, e);
    }
  }
}
