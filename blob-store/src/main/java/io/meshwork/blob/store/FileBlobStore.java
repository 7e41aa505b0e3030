package io.meshwork.blob.store;

import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobStore;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Blob bytes as files under one directory: the embedded default.
 *
 * <p>A blob is the file {@code blobs/XY/CID}, where {@code XY} are the last two characters of its
 * CID (every raw sha2-256 CID starts alike, so the end spreads them over 1,024 folders). An upload
 * collects its bytes in {@code uploads/UPLOAD_ID}; persisting syncs that file, and committing syncs
 * it, renames it into place atomically and syncs the folder, so a blob is either wholly there or
 * not at all, even after a power cut. Ranges are read with positional reads of only the bytes asked
 * for.
 */
public final class FileBlobStore implements BlobStore {
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final Path blobs;
  private final Path uploads;

  private FileBlobStore(Path root) {
    this.blobs = root.resolve("blobs");
    this.uploads = root.resolve("uploads");
  }

  /** Opens (creating if needed) the store under {@code root}. */
  public static FileBlobStore open(Path root) {
    FileBlobStore store = new FileBlobStore(root);
    try {
      Files.createDirectories(store.blobs);
      Files.createDirectories(store.uploads);
    } catch (IOException e) {
      throw failure("cannot create the blob directories under " + root, e);
    }
    return store;
  }

  @Override
  public Staged stage(
      String uploadId, Optional<String> expectedCid, long persistedLength, String token) {
    if (!UPLOAD_ID.matcher(uploadId).matches()) {
      throw new IllegalArgumentException("not an upload id: " + uploadId);
    }
    Path file = uploads.resolve(uploadId);
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      long size = channel.size();
      if (size < persistedLength) {
        channel.close();
        throw BlobErrors.uploadLost(
            uploadId, "the staged file has " + size + " bytes, " + persistedLength + " were kept");
      }
      // Bytes past the acknowledged offset were never acknowledged; the client sends them again.
      channel.truncate(persistedLength);
      channel.position(persistedLength);
      return new FileStaged(uploadId, file, channel, persistedLength);
    } catch (IOException e) {
      closeQuietly(channel);
      throw failure("cannot open the staged bytes of upload " + uploadId, e);
    }
  }

  @Override
  public OptionalLong length(String cid) {
    try {
      return OptionalLong.of(Files.size(blobFile(cid)));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw failure("cannot read the size of blob " + cid, e);
    }
  }

  @Override
  public InputStream read(String cid, long offset, long length) {
    try {
      FileChannel channel = FileChannel.open(blobFile(cid), StandardOpenOption.READ);
      return new ChannelRangeStream(channel, offset, length);
    } catch (NoSuchFileException e) {
      throw new MeshException(
              MeshException.Kind.INTERNAL,
              "BLOB_BYTES_MISSING",
              "the bytes of blob " + cid + " are missing from the store",
              e)
          .with("cid", cid);
    } catch (IOException e) {
      throw failure("cannot read blob " + cid, e);
    }
  }

  @Override
  public void delete(String cid) {
    try {
      Files.deleteIfExists(blobFile(cid));
    } catch (IOException e) {
      throw failure("cannot delete blob " + cid, e);
    }
  }

  @Override
  public void close() {
    // Nothing is held open between calls.
  }

  Path blobFile(String cid) {
    if (cid.length() < 3 || cid.indexOf('/') >= 0 || cid.indexOf('.') >= 0) {
      throw new IllegalArgumentException("not a CID: " + cid);
    }
    return blobs.resolve(cid.substring(cid.length() - 2)).resolve(cid);
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static MeshException failure(String what, IOException e) {
    return new MeshException(
        MeshException.Kind.INTERNAL, "STORAGE_FAILURE", what + ": " + e.getMessage(), e);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing after a failure; the failure is what gets reported.
      }
    }
  }

  /** One upload's staging file. */
  private final class FileStaged implements Staged {
    private final String uploadId;
    private final Path file;
    private final FileChannel channel;
    private long length;
    private long persisted;

    FileStaged(String uploadId, Path file, FileChannel channel, long persisted) {
      this.uploadId = uploadId;
      this.file = file;
      this.channel = channel;
      this.length = persisted;
      this.persisted = persisted;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public long persistedLength() {
      return persisted;
    }

    @Override
    public long minPersistBytes() {
      return 0;
    }

    @Override
    public void write(ByteBuffer data) {
      try {
        while (data.hasRemaining()) {
          length += channel.write(data);
        }
      } catch (IOException e) {
        throw failure("cannot stage bytes of upload " + uploadId, e);
      }
    }

    @Override
    public Optional<InputStream> readPersisted() {
      try {
        FileChannel reader = FileChannel.open(file, StandardOpenOption.READ);
        return Optional.of(new ChannelRangeStream(reader, 0, persisted));
      } catch (IOException e) {
        throw failure("cannot read back the staged bytes of upload " + uploadId, e);
      }
    }

    @Override
    public String persist() {
      try {
        channel.force(false);
      } catch (IOException e) {
        throw failure("cannot sync the staged bytes of upload " + uploadId, e);
      }
      persisted = length;
      return "";
    }

    @Override
    public void commit(String cid) {
      Path target = blobFile(cid);
      try {
        channel.force(false);
        channel.close();
        Files.createDirectories(target.getParent());
        Files.move(
            file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.getParent());
      } catch (IOException e) {
        throw failure("cannot store blob " + cid + " from upload " + uploadId, e);
      }
    }

    @Override
    public void discard() {
      closeQuietly(channel);
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw failure("cannot drop the staged bytes of upload " + uploadId, e);
      }
    }

    @Override
    public void close() {
      closeQuietly(channel);
    }
  }

  /** The bytes of one range of a file, read where they are without reading what lies before. */
  private static final class ChannelRangeStream extends InputStream {
    private final FileChannel channel;
    private long position;
    private final long end;

    ChannelRangeStream(FileChannel channel, long offset, long length) {
      this.channel = channel;
      this.position = offset;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= end) {
        return -1;
      }
      int want = (int) Math.min(len, end - position);
      int n = channel.read(ByteBuffer.wrap(b, off, want), position);
      if (n < 0) {
        throw new IOException("the blob file ended " + (end - position) + " bytes early");
      }
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
