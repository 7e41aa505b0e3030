package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds how many module validations run at once. Validating parses the whole module, which costs a
 * few tens of times its size in heap and up to seconds of CPU; past the bound a new module is
 * refused at once (the caller may submit again shortly) rather than queued behind a flood.
 */
final class ValidationSlots {
  private final int max;
  private final Semaphore free;

  ValidationSlots(int max) {
    this.max = max;
    this.free = new Semaphore(max);
  }

  /**
   * Runs {@code validation} in a free slot.
   *
   * @throws MeshException RESOURCE_EXHAUSTED {@code VALIDATIONS_BUSY} when every slot is taken
   */
  <T> T run(Supplier<T> validation) {
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
}
