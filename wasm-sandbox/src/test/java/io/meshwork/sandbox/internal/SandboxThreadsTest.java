package io.meshwork.sandbox.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SandboxThreadsTest {
  private static final long STACK = 1 << 20;

  private static void eventually(String what, BooleanSupplier condition)
      throws InterruptedException {
    for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
      Thread.sleep(10);
    }
    assertTrue(condition.getAsBoolean(), what);
  }

  private static Thread runAndGetThread(SandboxThreads threads, long stack) throws Exception {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    SandboxThreads.Run run = threads.start(() -> ranOn.set(Thread.currentThread()), stack);
    assertTrue(run.await(5_000));
    return ranOn.get();
  }

  @Test
  void aThreadThatEndedItsCallTakesTheNextOneWithTheSameStackSize() throws Exception {
    SandboxThreads threads = new SandboxThreads(60_000, 4);
    Thread first = runAndGetThread(threads, STACK);
    eventually("the thread is back in the pool", () -> threads.idleThreads() == 1);
    assertSame(first, runAndGetThread(threads, STACK));
    eventually("the thread is back in the pool", () -> threads.idleThreads() == 1);
    // Another stack size needs a thread of its own.
    assertNotSame(first, runAndGetThread(threads, 2 * STACK));
    assertEquals(2, threads.threadsStarted());
  }

  @Test
  void idleThreadsExitAfterTheKeepAlive() throws Exception {
    SandboxThreads threads = new SandboxThreads(50, 4);
    Thread used = runAndGetThread(threads, STACK);
    eventually("the idle thread left", () -> threads.idleThreads() == 0 && !used.isAlive());
    // The pool still works after its thread has gone.
    assertNotSame(used, runAndGetThread(threads, STACK));
  }

  @Test
  void noMoreThanMaxIdleThreadsAreKept() throws Exception {
    SandboxThreads threads = new SandboxThreads(60_000, 2);
    CountDownLatch allStarted = new CountDownLatch(5);
    CountDownLatch finish = new CountDownLatch(1);
    List<SandboxThreads.Run> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runs.add(
          threads.start(
              () -> {
                allStarted.countDown();
                try {
                  finish.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              STACK));
    }
    allStarted.await();
    finish.countDown();
    for (SandboxThreads.Run r : runs) {
      assertTrue(r.await(5_000));
    }
    Thread.sleep(100);
    assertEquals(2, threads.idleThreads());
  }

  @Test
  void anInterruptReachesOnlyTheCallItWasMeantFor() throws Exception {
    SandboxThreads threads = new SandboxThreads(60_000, 4);
    CountDownLatch running = new CountDownLatch(1);
    SandboxThreads.Run stubborn =
        threads.start(
            () -> {
              running.countDown();
              // Ignores its interrupt and ends on its own 200 ms later.
              long until = System.nanoTime() + 200_000_000L;
              while (System.nanoTime() < until) {
                Thread.onSpinWait();
              }
            },
            STACK);
    running.await();
    stubborn.interrupt();
    assertTrue(stubborn.await(5_000));
    stubborn.interrupt(); // after the end: must not reach the thread any more
    eventually("the thread is back in the pool", () -> threads.idleThreads() == 1);

    AtomicBoolean interrupted = new AtomicBoolean(true);
    SandboxThreads.Run next =
        threads.start(() -> interrupted.set(Thread.currentThread().isInterrupted()), STACK);
    assertTrue(next.await(5_000));
    assertFalse(interrupted.get(), "the next call on that thread started interrupted");
    assertEquals(1, threads.threadsStarted());
  }

  @Test
  void anInterruptAskedBeforeTheCallStartedReachesItWhenItStarts() throws Exception {
    AtomicBoolean sawInterrupt = new AtomicBoolean();
    SandboxThreads.Run run =
        new SandboxThreads.Run(() -> sawInterrupt.set(Thread.currentThread().isInterrupted()));
    // Asked while no thread has the call yet (a cancel racing the hand-over).
    run.interrupt();
    Thread.ofPlatform()
        .start(
            () -> {
              run.runOn(Thread.currentThread());
              run.wake();
            });
    assertTrue(run.await(5_000));
    assertTrue(sawInterrupt.get(), "the call never saw its interrupt");
  }
}
