package io.meshwork.sandbox.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The platform threads guest calls run on, kept for the next call once a call ends.
 *
 * <p>A guest needs a platform thread of its own: its stack size is the task's stack limit, and a
 * call that outlives its wall time must be interruptible without touching the caller. Starting one
 * such thread per call costs as much CPU as a short task's whole WASM run, so a thread that ends
 * its call waits for the next call with the same stack size for {@code keepAlive}, then exits. At
 * most {@code maxIdle} wait at a time; more idle threads than that simply exit.
 *
 * <p>An interrupt reaches a guest only while its call runs ({@link Run#interrupt}), never a later
 * call on the same thread, and a thread whose guest ignores its interrupt stays busy (and out of
 * the pool) until it ends.
 */
final class SandboxThreads {
  private final ThreadGroup group = new ThreadGroup("meshwork-sandbox");
  private final long keepAliveNanos;
  private final int maxIdle;
  private final Map<Long, ConcurrentLinkedDeque<Worker>> idleBySize = new ConcurrentHashMap<>();
  private final AtomicInteger idle = new AtomicInteger();
  private final AtomicLong started = new AtomicLong();

  SandboxThreads(long keepAliveMillis, int maxIdle) {
    this.keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(keepAliveMillis);
    this.maxIdle = maxIdle;
  }

  /**
   * Runs {@code job} on a thread with {@code stackBytes} of stack: an idle one if there is one,
   * else a new one.
   *
   * @throws OutOfMemoryError or a runtime exception when no new thread can be started
   */
  Run start(Runnable job, long stackBytes) {
    Run run = new Run(job);
    ConcurrentLinkedDeque<Worker> waiting = idleBySize.get(stackBytes);
    Worker worker;
    // The most recently used thread first: its stack and caches are the warmest.
    while (waiting != null && (worker = waiting.pollFirst()) != null) {
      idle.decrementAndGet();
      if (worker.hand(run)) {
        return run;
      }
    }
    Worker fresh = new Worker(stackBytes, run);
    Thread t = new Thread(group, fresh, "sandbox-" + started.incrementAndGet(), stackBytes);
    t.setDaemon(true);
    t.start();
    return run;
  }

  /** Threads waiting for a call now. */
  int idleThreads() {
    return idle.get();
  }

  /** Threads started so far. */
  long threadsStarted() {
    return started.get();
  }

  /** One call on a sandbox thread. */
  static final class Run {
    // Dropped once the call has ended, so that an idle thread keeps nothing of its last guest.
    private Runnable job;
    private Thread thread;
    private boolean interruptAsked;
    private boolean done;

    Run(Runnable job) {
      this.job = job;
    }

    /** Waits up to {@code millis} for the call to end; true when it has. */
    synchronized boolean await(long millis) throws InterruptedException {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (!done) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    /**
     * Interrupts the guest if its call is still running, or as soon as it starts when its thread
     * has not picked it up yet.
     */
    synchronized void interrupt() {
      if (done) {
        return;
      }
      interruptAsked = true;
      if (thread != null) {
        thread.interrupt();
      }
    }

    /** Runs the call; it counts as ended on return, but its caller is not woken yet. */
    void runOn(Thread t) {
      Runnable call;
      synchronized (this) {
        thread = t;
        call = job;
        if (interruptAsked) {
          // Stopped before it started: the guest sees the interrupt at its first check.
          t.interrupt();
        }
      }
      try {
        call.run();
      } finally {
        synchronized (this) {
          done = true;
          thread = null;
          job = null;
        }
      }
    }

    /** Wakes the caller waiting for the end. */
    synchronized void wake() {
      notifyAll();
    }
  }

  private final class Worker implements Runnable {
    private final long stackBytes;
    private Run next;
    private boolean retired;

    Worker(long stackBytes, Run first) {
      this.stackBytes = stackBytes;
      this.next = first;
    }

    /** Gives this idle worker its next call; false when it has just timed out and left. */
    synchronized boolean hand(Run run) {
      if (retired) {
        return false;
      }
      next = run;
      notifyAll();
      return true;
    }

    @Override
    public void run() {
      Thread self = Thread.currentThread();
      Run run = take();
      while (run != null) {
        try {
          run.runOn(self);
        } catch (Throwable e) {
          // The call ended with something it does not turn into a failure itself: its caller
          // hears of the end at once, and this thread is not trusted with another call.
          run.wake();
          throw e;
        }
        // An interrupt that came while the call ran and that the guest never saw ends here,
        // before the thread takes another call: it was meant for that one. None can come
        // later, as the call counts as ended.
        Thread.interrupted();
        // The thread is back in the pool before the caller hears of the end, so that the call
        // its caller starts next finds it there instead of starting another thread.
        boolean kept = park();
        run.wake();
        run = null;
        if (!kept) {
          return;
        }
        run = awaitNext();
      }
    }

    private synchronized Run take() {
      Run run = next;
      next = null;
      return run;
    }

    /** Joins the idle threads; false when there are enough already (this thread exits). */
    private boolean park() {
      if (idle.incrementAndGet() > maxIdle) {
        idle.decrementAndGet();
        return false;
      }
      idleBySize.computeIfAbsent(stackBytes, k -> new ConcurrentLinkedDeque<>()).addFirst(this);
      return true;
    }

    /** The next call, or null after the keep-alive with none (the worker has then left). */
    private Run awaitNext() {
      long until = System.nanoTime() + keepAliveNanos;
      synchronized (this) {
        while (next == null) {
          long left = until - System.nanoTime();
          if (left <= 0) {
            // Leaves the pool unless a caller took it from the deque a moment ago, in which case
            // that caller's hand() is on its way and must find it waiting.
            if (idleBySize.get(stackBytes).remove(this)) {
              idle.decrementAndGet();
              retired = true;
              return null;
            }
            left = TimeUnit.MILLISECONDS.toNanos(10);
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            // Only a stray interrupt can come here (none is sent to an idle thread); keep waiting.
          }
        }
        Run run = next;
        next = null;
        return run;
      }
    }
  }
}
