package io.meshwork.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.wasm.abi.ModuleInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ModuleCacheTest {

  /** A stand-in compiled module; the cache never looks inside. */
  private record FakeModule(String name) implements CompiledModule {
    @Override
    public ModuleInfo info() {
      return new ModuleInfo(false, false, 65_536, OptionalLong.empty(), 100, Set.of());
    }
  }

  @Test
  void evictsTheLeastRecentlyUsed() {
    ModuleCache cache = new ModuleCache(2);
    cache.put("a", new FakeModule("a"));
    cache.put("b", new FakeModule("b"));
    cache.get("a"); // a is now more recent than b
    cache.put("c", new FakeModule("c"));
    assertTrue(cache.get("a").isPresent());
    assertTrue(cache.get("b").isEmpty());
    assertTrue(cache.get("c").isPresent());
    assertEquals(2, cache.size());
  }

  @Test
  void compilesOnceAndThenHits() throws Exception {
    ModuleCache cache = new ModuleCache(4);
    AtomicInteger compilations = new AtomicInteger();
    ModuleCache.Compilation compile =
        () -> {
          compilations.incrementAndGet();
          return new FakeModule("x");
        };
    CompiledModule first = cache.getOrCompile("x", compile);
    assertSame(first, cache.getOrCompile("x", compile));
    assertEquals(1, compilations.get());
  }

  @Test
  void concurrentMissesShareOneCompilation() throws Exception {
    ModuleCache cache = new ModuleCache(4);
    AtomicInteger compilations = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<CompiledModule>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(
            pool.submit(
                () ->
                    cache.getOrCompile(
                        "x",
                        () -> {
                          compilations.incrementAndGet();
                          awaitQuietly(release);
                          return new FakeModule("x");
                        })));
      }
      Thread.sleep(100);
      release.countDown();
      CompiledModule first = results.get(0).get();
      for (Future<CompiledModule> result : results) {
        assertSame(first, result.get());
      }
      assertEquals(1, compilations.get());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void failedCompilationIsNotCached() throws Exception {
    ModuleCache cache = new ModuleCache(4);
    SandboxException e =
        assertThrows(
            SandboxException.class,
            () ->
                cache.getOrCompile(
                    "bad",
                    () -> {
                      throw new SandboxException(FailureKind.INVALID_MODULE, "bad module", null);
                    }));
    assertEquals(FailureKind.INVALID_MODULE, e.kind());
    assertEquals(0, cache.size());
    assertSame(
        FakeModule.class, cache.getOrCompile("bad", () -> new FakeModule("fixed")).getClass());
  }

  @Test
  void cachesRealCompiledModules() throws Exception {
    WasmEngine engine = WasmEngine.chicory();
    ModuleCache cache = new ModuleCache(1);
    CompiledModule compiled =
        cache.getOrCompile("wordcount", () -> engine.compile(TestModules.wordCount()));
    assertSame(compiled, cache.get("wordcount").orElseThrow());
  }

  @Test
  void capacityMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new ModuleCache(0));
  }
}
