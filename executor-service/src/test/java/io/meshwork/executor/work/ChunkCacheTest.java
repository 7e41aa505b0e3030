package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.content.Cid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
  @TempDir Path dataDir;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The names in the cache's folder. */
  private List<String> files() throws IOException {
    try (Stream<Path> list = Files.list(dataDir.resolve("chunks"))) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aChunkIsKeptUnderItsCidInAFileOfItsOwnAndNothingElseIsLeft() throws IOException {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 100);
    byte[] chunk = bytes("some chunk");

    cache.put(Cid.of(chunk), chunk);

    assertArrayEquals(chunk, cache.get(Cid.of(chunk)).orElseThrow());
    // Written to a temporary file and renamed: only the chunk's own file remains.
    assertEquals(List.of(Cid.of(chunk)), files());
    assertEquals(chunk.length, cache.bytes());
  }

  @Test
  void theLeastRecentlyUsedChunksGoFirstOnceTheBoundIsPassed() throws IOException {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 10);
    byte[] a = bytes("aaaa");
    byte[] b = bytes("bbbb");
    byte[] c = bytes("cccc");
    cache.put(Cid.of(a), a);
    cache.put(Cid.of(b), b);
    // a is used again, so b is now the least recently used.
    assertTrue(cache.get(Cid.of(a)).isPresent());

    cache.put(Cid.of(c), c);

    assertFalse(cache.get(Cid.of(b)).isPresent(), "b stayed beyond the bound");
    assertTrue(cache.get(Cid.of(a)).isPresent());
    assertTrue(cache.get(Cid.of(c)).isPresent());
    assertEquals(8, cache.bytes());
    assertEquals(List.of(Cid.of(a), Cid.of(c)).stream().sorted().toList(), files());
  }

  @Test
  void aChunkLargerThanTheWholeCacheIsNotKept() throws IOException {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 4);
    byte[] big = bytes("too big");

    cache.put(Cid.of(big), big);

    assertFalse(cache.get(Cid.of(big)).isPresent());
    assertEquals(0, cache.bytes());
    assertEquals(List.of(), files());
  }

  @Test
  void aDisabledCacheKeepsNothing() {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 0);
    byte[] chunk = bytes("x");

    cache.put(Cid.of(chunk), chunk);

    assertFalse(cache.get(Cid.of(chunk)).isPresent());
    assertFalse(Files.exists(dataDir.resolve("chunks")), "a disabled cache made its folder");
  }

  @Test
  void filesFoundAtStartAreRemovedNotTrusted() throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("chunks"));
    byte[] chunk = bytes("the real chunk");
    // A chunk of an earlier run (which this process did not check) holding other bytes, and the
    // temporary file of a write a crash interrupted.
    Files.write(dir.resolve(Cid.of(chunk)), bytes("something else"));
    Files.write(dir.resolve(".incoming-123.tmp"), bytes("half a chu"));

    ChunkCache cache = ChunkCache.open(dir, 100);

    assertFalse(cache.get(Cid.of(chunk)).isPresent());
    assertEquals(List.of(), files());
  }

  @Test
  void aWriteThatFailsLeavesNeitherTheChunkNorItsTemporaryFile() throws IOException {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 100);
    byte[] chunk = bytes("a chunk");
    // Something in the way of the rename: a folder, not empty, under the chunk's name.
    Path obstacle = Files.createDirectories(dataDir.resolve("chunks").resolve(Cid.of(chunk)));
    Files.write(obstacle.resolve("inside"), bytes("x"));

    cache.put(Cid.of(chunk), chunk);

    assertFalse(cache.get(Cid.of(chunk)).isPresent());
    assertEquals(0, cache.bytes());
    assertEquals(List.of(Cid.of(chunk)), files(), "a temporary file was left behind");
  }

  @Test
  void aChunkWhoseFileWentMissingIsAMissAndIsForgotten() throws IOException {
    ChunkCache cache = ChunkCache.open(dataDir.resolve("chunks"), 100);
    byte[] chunk = bytes("a chunk");
    cache.put(Cid.of(chunk), chunk);
    Files.delete(dataDir.resolve("chunks").resolve(Cid.of(chunk)));

    assertFalse(cache.get(Cid.of(chunk)).isPresent());
    assertEquals(0, cache.bytes());
    assertEquals(0, cache.size());
  }
}
