package io.meshwork.orchestrator.jobs;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands for the orchestrator's process in a crash test: the ports handed to a coordinator go
 * through it, and once the process "dies" (right after the journal took a given number of tasks)
 * nothing more it says reaches the journal, the ledger, the receipt log or the executors, exactly
 * as if it had been killed at that instant.
 */
final class CrashingProcess {
  private final AtomicBoolean dead = new AtomicBoolean();
  private final CountDownLatch died = new CountDownLatch(1);
  private final AtomicInteger tasksSaved = new AtomicInteger();
  private final int dieAfterTasks;

  CrashingProcess(int dieAfterTasks) {
    this.dieAfterTasks = dieAfterTasks;
  }

  /** Waits until the process has died. */
  void awaitDeath() throws InterruptedException {
    if (!died.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the process never reached its crash point");
    }
  }

  /** {@code target} as this process reaches it. */
  <T> T port(Class<T> type, T target) {
    Object proxy =
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (self, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return method.invoke(target, args);
              }
              if (dead.get()) {
                throw new IllegalStateException("the orchestrator process is gone");
              }
              Object result;
              try {
                result = method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (method.getName().equals("saveTask")
                  && tasksSaved.incrementAndGet() == dieAfterTasks) {
                dead.set(true);
                died.countDown();
              }
              return result;
            });
    return type.cast(proxy);
  }
}
