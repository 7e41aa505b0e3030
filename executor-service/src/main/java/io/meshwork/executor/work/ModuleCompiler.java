package io.meshwork.executor.work;

import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.sandbox.CompiledModule;
import io.meshwork.sandbox.FailureKind;
import io.meshwork.sandbox.ModuleCache;
import io.meshwork.sandbox.SandboxException;
import io.meshwork.sandbox.WasmEngine;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compiles job modules for the task runner, off the gRPC threads: at most {@code maxCompiles} at
 * once, each on a platform thread of its own, and each given up on once it has taken longer than
 * {@code timeout}.
 *
 * <p>Validating and compiling a module is the costliest thing a stranger can make an executor do
 * before any fuel is counted: Chicory's compiler takes seconds for a module of a few hundred
 * kilobytes and minutes for one of many megabytes, and cannot be interrupted. So a compilation
 * starts only once its task was admitted (the queue limit is checked first), and only when a
 * compile place is free; otherwise the assignment is refused as busy, and the orchestrator places
 * it elsewhere. Tasks of a module already being compiled wait for that compilation instead of
 * starting another.
 *
 * <p>A compilation past its timeout fails every task waiting for it at the deadline. Its thread
 * cannot be stopped, so it keeps its compile place until it ends and its result is thrown away; the
 * module is then remembered as too slow, and later tasks of it fail at once rather than compile it
 * again.
 */
public final class ModuleCompiler {
  /** The setting that bounds how long one compilation may take, named in its failure. */
  public static final String TIMEOUT_SETTING = "executor.compile-timeout-ms";

  /** The setting that bounds how many compilations run at once, named in busy refusals. */
  public static final String MAX_COMPILES_SETTING = "executor.max-compiles";

  // Modules that took too long, so that their next task fails at once. Bounded: an attacker
  // sending ever new modules pays a full timeout for each of them anyway.
  private static final int SLOW_REMEMBERED = 1_024;

  private final WasmEngine engine;
  private final ModuleCache cache;
  private final int maxCompiles;
  private final Duration timeout;
  private final Semaphore places;
  private final AtomicInteger running = new AtomicInteger();
  private final Map<String, Flight> inFlight = new HashMap<>();
  private final Set<String> tooSlow =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > SLOW_REMEMBERED;
            }
          });

  /**
   * Creates a compiler that keeps what it compiled in {@code cache}.
   *
   * @param maxCompiles how many compilations may run at once
   * @param timeout how long one compilation may take
   */
  public ModuleCompiler(
      WasmEngine engine,
      ModuleCache cache,
      int maxCompiles,
      Duration timeout,
      ServiceMetrics metrics) {
    if (maxCompiles < 1 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "a compiler needs at least one place and a positive timeout");
    }
    this.engine = engine;
    this.cache = cache;
    this.maxCompiles = maxCompiles;
    this.timeout = timeout;
    this.places = new Semaphore(maxCompiles);
    metrics.gauge(
        "meshwork.executor.compiles.running", "module compilations running", running::get);
  }

  /** The compiled module of {@code cid}, when it is cached. */
  public Optional<CompiledModule> cached(String cid) {
    return cache.get(cid);
  }

  /** How many compiled modules are cached. */
  public int cachedModules() {
    return cache.size();
  }

  /** How many compilations are running now, counting those past their timeout. */
  public int running() {
    return running.get();
  }

  /**
   * The module of {@code cid}, on its way: cached, or being compiled for another task, or a new
   * compilation started now on a free place. Empty when it must be compiled and every place is
   * taken.
   *
   * @param bytes the module, already checked against {@code cid}
   */
  public synchronized Optional<Pending> start(String cid, byte[] bytes) {
    Optional<CompiledModule> cached = cache.get(cid);
    if (cached.isPresent()) {
      CompiledModule module = cached.get();
      return Optional.of(() -> module);
    }
    if (tooSlow.contains(cid)) {
      return Optional.of(
          () -> {
            throw tooSlow(cid);
          });
    }
    Flight flight = inFlight.get(cid);
    if (flight == null) {
      if (!places.tryAcquire()) {
        return Optional.empty();
      }
      flight = new Flight(cid, System.nanoTime() + timeout.toNanos());
      inFlight.put(cid, flight);
      Flight started = flight;
      running.incrementAndGet();
      Thread.ofPlatform().name("module-compile").daemon(true).start(() -> compile(started, bytes));
    }
    Flight joined = flight;
    return Optional.of(() -> joined.await());
  }

  /** The busy refusal's message when every compile place is taken. */
  public String busyMessage() {
    return "all "
        + maxCompiles
        + " compile places are taken ("
        + MAX_COMPILES_SETTING
        + "); the module is not compiled here yet";
  }

  private void compile(Flight flight, byte[] bytes) {
    CompiledModule compiled = null;
    Throwable failure = null;
    try {
      compiled = engine.compile(bytes);
    } catch (SandboxException | RuntimeException | Error e) {
      failure = e;
    }
    boolean late = System.nanoTime() - flight.deadline > 0;
    synchronized (this) {
      inFlight.remove(flight.cid);
      if (late) {
        tooSlow.add(flight.cid);
      } else if (compiled != null) {
        cache.put(flight.cid, compiled);
      }
    }
    running.decrementAndGet();
    places.release();
    if (late) {
      flight.result.completeExceptionally(tooSlow(flight.cid));
    } else if (failure != null) {
      flight.result.completeExceptionally(failure);
    } else {
      flight.result.complete(compiled);
    }
  }

  private SandboxException tooSlow(String cid) {
    return new SandboxException(
        FailureKind.INVALID_MODULE,
        "module "
            + cid
            + " took longer than "
            + timeout.toMillis()
            + " ms to compile ("
            + TIMEOUT_SETTING
            + "); this executor does not run it",
        null);
  }

  /** A module on its way to a task. */
  @FunctionalInterface
  public interface Pending {
    /**
     * Waits for the compiled module.
     *
     * @throws SandboxException {@link FailureKind#INVALID_MODULE} when the module is refused,
     *     cannot be compiled or took longer than the timeout
     * @throws InterruptedException when the waiting task was cancelled
     */
    CompiledModule await() throws SandboxException, InterruptedException;
  }

  /** One compilation, and the tasks waiting for it. */
  private final class Flight {
    final String cid;
    final long deadline;
    final CompletableFuture<CompiledModule> result = new CompletableFuture<>();

    Flight(String cid, long deadline) {
      this.cid = cid;
      this.deadline = deadline;
    }

    CompiledModule await() throws SandboxException, InterruptedException {
      long left = deadline - System.nanoTime();
      try {
        return result.get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        synchronized (ModuleCompiler.this) {
          tooSlow.add(cid);
        }
        throw tooSlow(cid);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof SandboxException refused) {
          throw refused;
        }
        throw new SandboxException(
            FailureKind.INTERNAL, "compiling module " + cid + " failed: " + e.getCause(), e);
      }
    }
  }
}
