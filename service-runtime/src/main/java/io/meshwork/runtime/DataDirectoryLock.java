package io.meshwork.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One service process per data directory: an exclusive operating-system lock on {@code NAME.lock}
 * in the directory, held while the service runs, so that a second ledger, receipt log or
 * orchestrator started on the same SQLite files refuses to start instead of writing beside the
 * first one.
 *
 * <p>The lock is the kernel's ({@link FileChannel#tryLock()}, {@code fcntl} on Linux), not the
 * file's existence: the kernel drops it when the holding process ends, however it ends ({@code kill
 * -9} included), so a stale lock file never blocks a restart. The file's text only names the holder
 * (pid, host, start time) for the refusal message; it is rewritten by every new holder. Services of
 * different names may share a directory: each has a lock file of its own.
 */
public final class DataDirectoryLock implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of service {@code name} on {@code dir} (creating the directory if needed), or
   * refuses at once when another process, or another service of this process, holds it.
   *
   * @throws StartRefusedException naming the directory and its holder, when the lock is held
   * @throws IllegalStateException when the lock file cannot be created or written
   */
  public static DataDirectoryLock acquire(Path dir, String name) {
    Path file = dir.resolve(name + ".lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldHere) {
        // The kernel's locks are per process, so the JVM itself tracks which of its channels
        // holds one: another service object in this very process.
        lock = null;
      }
      if (lock == null) {
        String holder = describeHolder(channel);
        channel.close();
        throw new StartRefusedException(
            "the data directory "
                + dir.toAbsolutePath()
                + " is in use by another "
                + name
                + " service ("
                + holder
                + "); stop it first or give this one another data-dir");
      }
      writeHolder(channel);
      return new DataDirectoryLock(file, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new IllegalStateException("cannot lock the data directory at " + file + ": " + e, e);
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /** Releases the lock; the file stays, for the next holder to rewrite. */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // Closing the channel below releases it too.
    }
    closeQuietly(channel);
  }

  @Override
  public String toString() {
    return "DataDirectoryLock[" + file + "]";
  }

  /** Replaces the file's text with this process's description, on disk before the start goes on. */
  private static void writeHolder(FileChannel channel) throws IOException {
    ProcessHandle self = ProcessHandle.current();
    Instant started =
        self.info().startInstant().orElseGet(Instant::now).truncatedTo(ChronoUnit.SECONDS);
    String text = "pid " + self.pid() + " on host " + hostName() + ", started " + started + "\n";
    channel.truncate(0);
    ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      channel.write(bytes, bytes.position());
    }
    channel.force(false);
  }

  /**
   * What the holder wrote of itself. It can be empty for a moment: between taking the lock and
   * writing its line, or if it was killed in between.
   */
  private static String describeHolder(FileChannel channel) throws IOException {
    long size = Math.min(channel.size(), 512);
    ByteBuffer bytes = ByteBuffer.allocate((int) size);
    while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
      // Reads until the buffer is full or the file ends.
    }
    String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
    // One line in the message, whatever the file holds.
    text = text.replaceAll("\\s+", " ");
    return text.isEmpty() ? "a process that has not yet written its pid" : text;
  }

  private static String hostName() {
    // The kernel's name first: asking the resolver may wait on a DNS server.
    try {
      String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!kernel.isEmpty()) {
        return kernel;
      }
    } catch (IOException | RuntimeException notLinux) {
      // Falls through to the resolver.
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "an unknown host";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing is held once the channel is gone.
    }
  }
}
