package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TaskSchedulerTest {
  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_000_000);

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  /** Queues waiters in order, then frees the one busy slot repeatedly and records who runs. */
  private static List<String> runOrder(
      TaskScheduler scheduler, ManualClock clock, List<Priority> queue, long advanceBefore)
      throws Exception {
    scheduler.acquire(Priority.LOW); // the slot is busy while the queue forms
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < queue.size(); i++) {
      String name = queue.get(i) + "#" + i;
      Priority p = queue.get(i);
      CountDownLatch queued = new CountDownLatch(1);
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      queued.countDown();
                      scheduler.acquire(p);
                      order.add(name);
                      scheduler.release();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      queued.await();
      while (scheduler.waitingCount() < i + 1) {
        Thread.onSpinWait();
      }
      threads.add(t);
    }
    clock.millis.addAndGet(advanceBefore);
    scheduler.release();
    for (Thread t : threads) {
      t.join();
    }
    return order;
  }

  @Test
  void aCriticalTaskBehindAQueueOfLowOnesStartsFirst() throws Exception {
    ManualClock clock = new ManualClock();
    TaskScheduler scheduler = new TaskScheduler(1, 60_000, clock);
    List<String> order =
        runOrder(
            scheduler,
            clock,
            List.of(Priority.LOW, Priority.LOW, Priority.LOW, Priority.CRITICAL, Priority.HIGH),
            0);
    assertEquals(List.of("CRITICAL#3", "HIGH#4", "LOW#0", "LOW#1", "LOW#2"), order);
  }

  @Test
  void aLowTaskThatWaitedLongEnoughOutranksFreshCriticalWork() throws Exception {
    ManualClock clock = new ManualClock();
    TaskScheduler scheduler = new TaskScheduler(1, 1_000, clock);
    scheduler.acquire(Priority.LOW);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Thread low =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    scheduler.acquire(Priority.LOW);
                    order.add("low");
                    scheduler.release();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    while (scheduler.waitingCount() < 1) {
      Thread.onSpinWait();
    }
    // Four aging periods later the low task ranks 0 + 4, above a fresh critical task's 3.
    clock.millis.addAndGet(4_000);
    Thread critical =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    scheduler.acquire(Priority.CRITICAL);
                    order.add("critical");
                    scheduler.release();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    while (scheduler.waitingCount() < 2) {
      Thread.onSpinWait();
    }
    scheduler.release();
    low.join();
    critical.join();
    assertEquals(List.of("low", "critical"), order);
  }

  @Test
  void neverMoreThanItsSlotsRunAtOnce() throws Exception {
    TaskScheduler scheduler = new TaskScheduler(3, 1_000, Clock.systemUTC());
    AtomicLong runningNow = new AtomicLong();
    AtomicLong most = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Priority p = Priority.values()[i % 4];
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      scheduler.acquire(p);
                      most.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
                      Thread.sleep(2);
                      runningNow.decrementAndGet();
                      scheduler.release();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(3, most.get());
    assertEquals(0, scheduler.waitingCount());
  }

  @Test
  void zeroSlotsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TaskScheduler(0, 1, Clock.systemUTC()));
  }
}
