package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds how many module validations run at once. Validating parses the whole module, which costs a
 * few tens of times its size in heap and up to seconds of CPU; past the bound a new module is
 * refused at once (the caller may submit again shortly) rather than queued behind a flood.
 *
 * <p>What counts is distinct modules: callers asking for a module already being validated wait for
 * that validation and share its answer, so a burst of tasks of one module (chunks delegated by a
 * peer, a client submitting a job many times) takes one slot, not one each.
 *
 * @param <T> what a validation answers
 */
final class ValidationSlots<T> {
  private final int max;
  private final Semaphore free;
  private final ConcurrentMap<String, CompletableFuture<T>> running = new ConcurrentHashMap<>();

  ValidationSlots(int max) {
    this.max = max;
    this.free = new Semaphore(max);
  }

  /**
   * Runs {@code validation} of the module {@code key} in a free slot, or waits for the one running
   * for the same key and answers as it does (its value, or its exception).
   *
   * @throws MeshException RESOURCE_EXHAUSTED {@code VALIDATIONS_BUSY} when every slot is taken
   */
  T run(String key, Supplier<T> validation) {
    CompletableFuture<T> mine = new CompletableFuture<>();
    CompletableFuture<T> other = running.putIfAbsent(key, mine);
    if (other != null) {
      return await(other);
    }
    try {
      T answer = validateInSlot(validation);
      mine.complete(answer);
      return answer;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      running.remove(key, mine);
    }
  }

  private T validateInSlot(Supplier<T> validation) {
    if (!free.tryAcquire()) {
      throw new MeshException(
              MeshException.Kind.RESOURCE_EXHAUSTED,
              "VALIDATIONS_BUSY",
              max
                  + " new modules are being validated, as many as this orchestrator checks at"
                  + " once; submit again shortly")
          .with("max", Integer.toString(max));
    }
    try {
      return validation.get();
    } finally {
      free.release();
    }
  }

  private static <T> T await(CompletableFuture<T> validation) {
    try {
      return validation.join();
    } catch (CompletionException e) {
      // The waiter gets the validation's own refusal, as if it had validated the module itself.
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }
}
