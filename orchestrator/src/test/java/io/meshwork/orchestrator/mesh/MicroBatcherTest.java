package io.meshwork.orchestrator.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

  @Test
  void aLoneRequestLeavesAtOnceAndGetsItsOwnAnswer() {
    List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
    MicroBatcher<Integer, String> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              calls.add(List.copyOf(requests));
              for (int i = 0; i < requests.size(); i++) {
                outcomes.get(i).complete("answer " + requests.get(i));
              }
            },
            10,
            1);

    assertEquals("answer 7", batcher.submit(7).join());
    assertEquals(List.of(List.of(7)), calls);
  }

  @Test
  void requestsArrivingWhileABatchIsOutLeaveTogetherEachWithItsOwnAnswer() throws Exception {
    CountDownLatch firstCallStarted = new CountDownLatch(1);
    CountDownLatch releaseFirstCall = new CountDownLatch(1);
    List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
    MicroBatcher<Integer, Integer> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              calls.add(List.copyOf(requests));
              if (calls.size() == 1) {
                firstCallStarted.countDown();
                await(releaseFirstCall);
              }
              for (int i = 0; i < requests.size(); i++) {
                outcomes.get(i).complete(requests.get(i) * 10);
              }
            },
            100,
            1);

    CompletableFuture<Integer> first = batcher.submit(0);
    assertTrue(firstCallStarted.await(10, TimeUnit.SECONDS));
    List<CompletableFuture<Integer>> waiting = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      waiting.add(batcher.submit(i));
    }
    releaseFirstCall.countDown();

    assertEquals(0, first.join());
    for (int i = 1; i <= 20; i++) {
      assertEquals(i * 10, waiting.get(i - 1).join());
    }
    // The twenty that queued behind the first call went out as one batch.
    assertEquals(2, calls.size());
    assertEquals(20, calls.get(1).size());
  }

  @Test
  void batchesNeverExceedTheirLargestSize() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    MicroBatcher<Integer, Integer> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              sizes.add(requests.size());
              await(release);
              for (int i = 0; i < requests.size(); i++) {
                outcomes.get(i).complete(requests.get(i));
              }
            },
            4,
            1);

    List<CompletableFuture<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      all.add(batcher.submit(i));
    }
    release.countDown();
    for (int i = 0; i < 13; i++) {
      assertEquals(i, all.get(i).join());
    }
    assertEquals(13, sizes.stream().mapToInt(Integer::intValue).sum());
    assertTrue(sizes.stream().allMatch(s -> s <= 4), "batch sizes " + sizes);
  }

  @Test
  void aFailedCallFailsOnlyTheRequestsItCarried() {
    MicroBatcher<Integer, Integer> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              if (requests.contains(13)) {
                throw new IllegalStateException("unlucky batch");
              }
              for (int i = 0; i < requests.size(); i++) {
                outcomes.get(i).complete(requests.get(i));
              }
            },
            10,
            1);

    CompletionException failed =
        assertThrows(CompletionException.class, () -> batcher.submit(13).join());
    assertInstanceOf(IllegalStateException.class, failed.getCause());
    assertEquals(14, batcher.submit(14).join());
  }

  @Test
  void aBatchLeavesTheInFlightCountWhenItsCallReturnsAndMayBeAnsweredLater() throws Exception {
    // A streamed call returns once the first answer is in; the rest follow on their own. One
    // batch in flight at most, yet the second request leaves while the first is unanswered.
    List<CompletableFuture<Integer>> late = new CopyOnWriteArrayList<>();
    MicroBatcher<Integer, Integer> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              for (int i = 0; i < requests.size(); i++) {
                if (requests.get(i) == 1) {
                  late.add(outcomes.get(i));
                } else {
                  outcomes.get(i).complete(requests.get(i) * 10);
                }
              }
            },
            10,
            1);

    CompletableFuture<Integer> first = batcher.submit(1);
    assertEquals(20, batcher.submit(2).get(5, TimeUnit.SECONDS));
    assertFalse(first.isDone());
    late.forEach(o -> o.complete(10));
    assertEquals(10, first.get(5, TimeUnit.SECONDS));
  }

  @Test
  void manyConcurrentCallersEachGetTheirOwnAnswer() throws Exception {
    MicroBatcher<Integer, Integer> batcher =
        new MicroBatcher<>(
            (requests, outcomes) -> {
              for (int i = 0; i < requests.size(); i++) {
                outcomes.get(i).complete(-requests.get(i));
              }
            },
            16,
            2);
    List<Thread> callers = new ArrayList<>();
    List<Throwable> problems = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 32; t++) {
      int base = t * 1000;
      callers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < 200; i++) {
                      int request = base + i;
                      int answer = batcher.submit(request).join();
                      if (answer != -request) {
                        problems.add(new AssertionError(request + " got " + answer));
                      }
                    }
                  }));
    }
    for (Thread t : callers) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertEquals(List.of(), problems);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the call");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
