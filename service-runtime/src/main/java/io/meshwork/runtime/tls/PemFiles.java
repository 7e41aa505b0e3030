package io.meshwork.runtime.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes the PEM files a service serves and calls with. */
public final class PemFiles {
  private PemFiles() {}

  /**
   * Replaces {@code file} with {@code pem} in one step, so that a reader sees the old or the new
   * file and never half of one.
   *
   * @param secret whether it holds a private key: then it is created readable by its owner only,
   *     never readable by others, not even briefly
   */
  public static void write(Path file, String pem, boolean secret) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp =
        secret && dir.getFileSystem().supportedFileAttributeViews().contains("posix")
            ? Files.createTempFile(
                dir,
                ".pem",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(dir, ".pem", ".tmp");
    try {
      Files.writeString(temp, pem, StandardCharsets.US_ASCII);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
