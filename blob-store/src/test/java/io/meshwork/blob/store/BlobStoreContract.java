package io.meshwork.blob.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobStore;
import io.meshwork.blob.testing.Bytes;
import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} must do, run against each: staging that persists and resumes,
 * commits that make a blob, ranged reads, deletes. Subclasses open the store.
 */
abstract class BlobStoreContract {
  protected BlobStore store;

  /** A fresh, empty store. */
  protected abstract BlobStore openStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = openStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Writes {@code data} in frames of {@code frame} bytes. */
  static void write(BlobStore.Staged staged, byte[] data, int from, int to, int frame) {
    for (int at = from; at < to; at += frame) {
      staged.write(ByteBuffer.wrap(data, at, Math.min(frame, to - at)));
    }
  }

  private int persistable(BlobStore.Staged staged) {
    return (int) Math.max(staged.minPersistBytes(), 100_000);
  }

  @Test
  void aStagedUploadPersistsResumesAndCommits() {
    String upload = "up-resume";
    BlobStore.Staged first = store.stage(upload, Optional.empty(), 0, "");
    int step = persistable(first);
    byte[] data = Bytes.random(2 * step + 12_345, 1);
    write(first, data, 0, step, 64 * 1024);
    String token = first.persist();
    assertEquals(step, first.persistedLength());
    // Written but not persisted: lost when the upload is taken up again.
    write(first, data, step, step + 1000, 1000);
    first.close();

    BlobStore.Staged second = store.stage(upload, Optional.empty(), step, token);
    assertEquals(step, second.length());
    write(second, data, step, 2 * step, 100_000);
    String token2 = second.persist();
    second.close();

    BlobStore.Staged third = store.stage(upload, Optional.empty(), 2L * step, token2);
    write(third, data, 2 * step, data.length, 7000);
    String cid = Cid.of(data);
    third.commit(cid);
    third.close();

    assertEquals(OptionalLong.of(data.length), store.length(cid));
    assertArrayEquals(data, Bytes.readAll(store.read(cid, 0, data.length)));
  }

  @Test
  void rangesAreReadWithoutTheRest() {
    byte[] data = Bytes.random(300_000, 2);
    String cid = commit("up-ranges", data);
    assertArrayEquals(
        Arrays.copyOfRange(data, 123_456, 223_456),
        Bytes.readAll(store.read(cid, 123_456, 100_000)));
    assertArrayEquals(
        Arrays.copyOfRange(data, data.length - 1, data.length),
        Bytes.readAll(store.read(cid, data.length - 1, 1)));
    assertEquals(0, Bytes.readAll(store.read(cid, 17, 0)).length);
  }

  @Test
  void aSmallBlobAndAnEmptyOneNeedNoPersist() {
    byte[] small = Bytes.random(10, 3);
    String cid = commit("up-small", small);
    assertArrayEquals(small, Bytes.readAll(store.read(cid, 0, small.length)));
    String empty = commit("up-empty", new byte[0]);
    assertEquals(OptionalLong.of(0), store.length(empty));
  }

  @Test
  void committingTheSameContentAgainChangesNothing() {
    byte[] data = Bytes.random(50_000, 4);
    String cid = commit("up-a", data);
    assertEquals(cid, commit("up-b", data));
    assertArrayEquals(data, Bytes.readAll(store.read(cid, 0, data.length)));
  }

  @Test
  void aDeclaredCidIsCommittedToo() {
    BlobStore.Staged probe = store.stage("up-probe", Optional.empty(), 0, "");
    int step = persistable(probe);
    probe.discard();
    byte[] data = Bytes.random(step + 5000, 5);
    String cid = Cid.of(data);
    BlobStore.Staged declared = store.stage("up-declared", Optional.of(cid), 0, "");
    write(declared, data, 0, step, 100_000);
    String token = declared.persist();
    declared.close();
    BlobStore.Staged resumed = store.stage("up-declared", Optional.of(cid), step, token);
    write(resumed, data, step, data.length, 100_000);
    resumed.commit(cid);
    assertArrayEquals(data, Bytes.readAll(store.read(cid, 0, data.length)));
  }

  @Test
  void discardDropsPersistedBytes() {
    String upload = "up-discard";
    BlobStore.Staged staged = store.stage(upload, Optional.empty(), 0, "");
    int step = persistable(staged);
    byte[] data = Bytes.random(step, 6);
    write(staged, data, 0, step, 100_000);
    String token = staged.persist();
    staged.discard();
    MeshException lost =
        assertThrows(MeshException.class, () -> store.stage(upload, Optional.empty(), step, token));
    assertEquals(BlobErrors.UPLOAD_LOST, lost.reason());
    assertTrue(store.length(Cid.of(data)).isEmpty());
  }

  @Test
  void aDeletedBlobIsGone() {
    byte[] data = Bytes.random(1000, 7);
    String cid = commit("up-delete", data);
    store.delete(cid);
    assertTrue(store.length(cid).isEmpty());
    store.delete(cid);
  }

  /** Stores {@code data} through a staging area and returns its CID. */
  protected String commit(String upload, byte[] data) {
    BlobStore.Staged staged = store.stage(upload, Optional.empty(), 0, "");
    write(staged, data, 0, data.length, 64 * 1024);
    String cid = Cid.of(data);
    staged.commit(cid);
    staged.close();
    return cid;
  }
}
