package io.meshwork.orchestrator.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.runtime.errors.MeshException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ValidationSlotsTest {
  @Test
  void aValidationPastTheBoundIsRefusedAndTheSlotIsFreeAgainAfterwards() throws Exception {
    ValidationSlots<String> slots = new ValidationSlots<>(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(
            () ->
                slots.run(
                    "module-a",
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

    MeshException busy =
        assertThrows(MeshException.class, () -> slots.run("module-b", () -> "second"));
    assertEquals(MeshException.Kind.RESOURCE_EXHAUSTED, busy.kind());
    assertEquals("VALIDATIONS_BUSY", busy.reason());
    assertEquals("1", busy.metadata().get("max"));

    finish.countDown();
    assertEquals("first", first.get());
    assertEquals("third", slots.run("module-c", () -> "third"));
  }

  @Test
  void aFailedValidationFreesItsSlot() {
    ValidationSlots<String> slots = new ValidationSlots<>(1);
    assertThrows(
        IllegalStateException.class,
        () ->
            slots.run(
                "module-a",
                () -> {
                  throw new IllegalStateException("refused module");
                }));
    assertEquals("next", slots.run("module-b", () -> "next"));
  }

  @Test
  void callersOfAModuleBeingValidatedShareThatValidationAndItsSlot() throws Exception {
    ValidationSlots<String> slots = new ValidationSlots<>(1);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicInteger validations = new AtomicInteger();
    Supplier<String> slow =
        () -> {
          validations.incrementAndGet();
          started.countDown();
          try {
            finish.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return "valid";
        };
    List<CompletableFuture<String>> callers = new ArrayList<>();
    callers.add(CompletableFuture.supplyAsync(() -> slots.run("module-a", slow)));
    started.await();
    // Four more callers of the same module wait for it rather than being refused as busy...
    for (int i = 0; i < 4; i++) {
      callers.add(waiting(() -> slots.run("module-a", slow)));
    }
    // ...while another module is refused: the one slot is taken.
    assertEquals(
        "VALIDATIONS_BUSY",
        assertThrows(MeshException.class, () -> slots.run("module-b", () -> "b")).reason());
    finish.countDown();
    for (CompletableFuture<String> c : callers) {
      assertEquals("valid", c.get());
    }
    assertEquals(1, validations.get(), "the module was validated once");
  }

  @Test
  void callersWaitingOnARefusedModuleGetTheSameRefusal() throws Exception {
    ValidationSlots<String> slots = new ValidationSlots<>(2);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Supplier<String> refusing =
        () -> {
          started.countDown();
          try {
            finish.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw MeshException.invalidArgument("TABLE_TOO_LARGE", "the module's table is too big");
        };
    CompletableFuture<String> first =
        CompletableFuture.supplyAsync(() -> slots.run("bomb", refusing));
    started.await();
    CompletableFuture<String> second = waiting(() -> slots.run("bomb", () -> "never asked"));
    finish.countDown();
    for (CompletableFuture<String> c : List.of(first, second)) {
      ExecutionException e = assertThrows(ExecutionException.class, c::get);
      assertEquals("TABLE_TOO_LARGE", ((MeshException) e.getCause()).reason());
    }
  }

  /**
   * Calls {@code call} on a thread of its own and returns once that thread waits (for the
   * validation it joined), with what the call will answer.
   */
  private static CompletableFuture<String> waiting(Supplier<String> call)
      throws InterruptedException {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    answer.complete(call.get());
                  } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                  }
                });
    while (t.getState() != Thread.State.WAITING && !answer.isDone()) {
      Thread.sleep(5);
    }
    return answer;
  }
}
