package io.meshwork.blob.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A byte range of a blob being read: the blob, where the range starts, how long it is, and the
 * stream of its bytes, which the reader closes.
 */
public record BlobRange(BlobRecord blob, long offset, long length, InputStream bytes)
    implements AutoCloseable {
  @Override
  public void close() {
    try {
      bytes.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
