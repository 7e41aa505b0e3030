package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * URL inputs in memory: pages by URL, fetched into {@link MemoryBlobs} as the submitter's blob and
 * used by the job from the start, as the real adapter stores them. A test can refuse URLs, count
 * fetches, and hold a fetch until it lets go (or a cancel breaks it off).
 */
final class FakeUrlInputs implements UrlInputs {
  final Map<String, byte[]> pages = new ConcurrentHashMap<>();
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final AtomicInteger fetches = new AtomicInteger();
  // Counted down when a fetch has started; a fetch waits for `release` while `hold` is set.
  final CountDownLatch started = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  volatile boolean hold;
  private final MemoryBlobs blobs;

  FakeUrlInputs(MemoryBlobs blobs) {
    this.blobs = blobs;
  }

  @Override
  public void check(String url) {
    if (refused.contains(url)) {
      throw MeshException.permissionDenied(
              "URL_HOST_NOT_ALLOWED", "input_url host of " + url + " is not in the list")
          .with("field", "input_url");
    }
  }

  @Override
  public String fetch(
      String jobId,
      String submitterDid,
      String url,
      String sha256,
      long deadlineMillis,
      Consumer<Runnable> onCancel) {
    fetches.incrementAndGet();
    check(url);
    Thread fetching = Thread.currentThread();
    boolean[] broken = {false};
    onCancel.accept(
        () -> {
          broken[0] = true;
          fetching.interrupt();
        });
    started.countDown();
    if (hold) {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        // A cancel breaks the fetch off, as closing its connection does.
      }
    }
    if (broken[0]) {
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE, "INPUT_FETCH_FAILED", url + ": Socket closed");
    }
    byte[] bytes = pages.get(url);
    if (bytes == null) {
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE, "INPUT_FETCH_FAILED", url + " answered 404 Not Found");
    }
    String actual = HexFormat.of().formatHex(Cid.digest(Cid.of(bytes)));
    if (!sha256.isEmpty() && !sha256.equals(actual)) {
      throw MeshException.invalidArgument(
          "INPUT_SHA256_MISMATCH",
          url + " gave bytes with SHA-256 " + actual + ", not the declared input_sha256 " + sha256);
    }
    String cid = blobs.put(submitterDid, bytes);
    blobs.use(jobId, cid);
    return cid;
  }
}
