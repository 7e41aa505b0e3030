package io.meshwork.sandbox;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Keeps the most recently used compiled modules, keyed by the module's content address (CID), so
 * the chunks of a job compile their module once.
 *
 * <p>Bounded by a number of modules and evicts the least recently used. When several tasks ask for
 * the same missing module at once, one compiles it and the others wait for that result. Failed
 * compilations are not cached. The cache trusts its callers to have checked that the bytes they
 * compile hash to the CID they give.
 */
public final class ModuleCache {

  /** Produces a compiled module on a cache miss. */
  @FunctionalInterface
  public interface Compilation {
    /** Compiles the module, typically with {@link WasmEngine#compile}. */
    CompiledModule compile() throws SandboxException;
  }

  private final int capacity;
  private final LinkedHashMap<String, CompiledModule> entries;
  private final Map<String, CompletableFuture<CompiledModule>> compiling = new HashMap<>();

  /** Creates a cache holding at most {@code capacity} modules. */
  public ModuleCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, CompiledModule> eldest) {
            return size() > ModuleCache.this.capacity;
          }
        };
  }

  /** The cached module for {@code cid}, marking it as recently used. */
  public synchronized Optional<CompiledModule> get(String cid) {
    return Optional.ofNullable(entries.get(cid));
  }

  /** Caches {@code module} under {@code cid}, evicting the least recently used one if full. */
  public synchronized void put(String cid, CompiledModule module) {
    entries.put(cid, module);
  }

  /**
   * Returns the cached module for {@code cid}, compiling and caching it first if it is missing.
   *
   * @throws SandboxException the compilation's failure (also for callers that waited on it), or
   *     {@link FailureKind#CANCELLED} if this thread was interrupted while waiting
   */
  public CompiledModule getOrCompile(String cid, Compilation compilation) throws SandboxException {
    CompletableFuture<CompiledModule> ours = null;
    CompletableFuture<CompiledModule> theirs;
    synchronized (this) {
      CompiledModule cached = entries.get(cid);
      if (cached != null) {
        return cached;
      }
      theirs = compiling.get(cid);
      if (theirs == null) {
        ours = new CompletableFuture<>();
        compiling.put(cid, ours);
      }
    }
    if (ours == null) {
      return awaitOther(cid, theirs);
    }
    try {
      CompiledModule compiled = compilation.compile();
      synchronized (this) {
        entries.put(cid, compiled);
        compiling.remove(cid);
      }
      ours.complete(compiled);
      return compiled;
    } catch (SandboxException | RuntimeException | Error e) {
      synchronized (this) {
        compiling.remove(cid);
      }
      ours.completeExceptionally(e);
      throw e;
    }
  }

  private static CompiledModule awaitOther(String cid, CompletableFuture<CompiledModule> other)
      throws SandboxException {
    try {
      return other.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxException(
          FailureKind.CANCELLED, "cancelled while waiting for module " + cid + " to compile", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SandboxException sandbox) {
        throw sandbox;
      }
      throw new SandboxException(
          FailureKind.INTERNAL, "compiling module " + cid + " failed: " + cause, cause);
    }
  }

  /** How many modules are cached. */
  public synchronized int size() {
    return entries.size();
  }

  /** The most modules the cache holds. */
  public int capacity() {
    return capacity;
  }
}
