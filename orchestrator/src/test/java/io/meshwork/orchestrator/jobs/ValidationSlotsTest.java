package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.runtime.errors.MeshException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ValidationSlotsTest {
  @Test
  void aValidationPastTheBoundIsRefusedAndTheSlotIsFreeAgainAfterwards() throws Exception {
    ValidationSlots slots = new ValidationSlots(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(
            () ->
                slots.run(
                    () -> {
                      started.countDown();
                      try {
                        finish.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return "first";
                    }));
    started.await();

    MeshException busy = assertThrows(MeshException.class, () -> slots.run(() -> "second"));
    assertEquals(MeshException.Kind.RESOURCE_EXHAUSTED, busy.kind());
    assertEquals("VALIDATIONS_BUSY", busy.reason());
    assertEquals("1", busy.metadata().get("max"));

    finish.countDown();
    assertEquals("first", first.get());
    assertEquals("third", slots.run(() -> "third"));
  }

  @Test
  void aFailedValidationFreesItsSlot() {
    ValidationSlots slots = new ValidationSlots(1);
    assertThrows(
        IllegalStateException.class,
        () ->
            slots.run(
                () -> {
                  throw new IllegalStateException("refused module");
                }));
    assertEquals("next", slots.run(() -> "next"));
  }
}
