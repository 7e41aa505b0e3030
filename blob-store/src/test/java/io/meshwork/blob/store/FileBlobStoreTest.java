package io.meshwork.blob.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.testing.Bytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;

  @Override
  protected BlobStore openStore() {
    return FileBlobStore.open(dir);
  }

  @Test
  void aBlobIsOneFileNamedByItsCidAndNothingStaysStaged() throws Exception {
    String cid = commit("up-layout", Bytes.random(4096, 8));
    Path file = ((FileBlobStore) store).blobFile(cid);
    assertTrue(Files.isRegularFile(file));
    try (var staged = Files.list(dir.resolve("uploads"))) {
      assertFalse(staged.findAny().isPresent());
    }
  }

  @Test
  void filesCannotBePresigned() {
    String cid = commit("up-presign", Bytes.random(10, 9));
    assertTrue(store.presignRange(cid, 0, 10, Duration.ofMinutes(1)).isEmpty());
  }
}
