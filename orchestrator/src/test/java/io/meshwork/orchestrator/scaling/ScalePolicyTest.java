package io.meshwork.orchestrator.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The scaler's decision: ceil(backlog / work per executor) within the bounds, down after a rest.
 */
class ScalePolicyTest {
  private static final double MIB = 1 << 20;
  private final ScalePolicy policy = new ScalePolicy(1, 10, 64 * MIB, Duration.ofMinutes(5));

  @Test
  void theBacklogOverTheWorkPerExecutorRoundedUpWithinTheBounds() {
    assertEquals(1, policy.desired(0), "the minimum with nothing to do");
    assertEquals(1, policy.desired(64 * MIB));
    assertEquals(2, policy.desired(64 * MIB + 1), "a byte more needs one more");
    assertEquals(4, policy.desired(200 * MIB));
    assertEquals(10, policy.desired(10_000 * MIB), "never past the maximum");
    assertEquals(1, policy.desired(-5), "a backlog is never negative");
    assertEquals(0, new ScalePolicy(0, 3, MIB, Duration.ZERO).desired(0), "zero when allowed");
  }

  @Test
  void upAtOnceDownOnlyAfterTheCooldown() {
    Duration justChanged = Duration.ofSeconds(1);
    Duration rested = Duration.ofMinutes(5);
    assertEquals(4, policy.next(200 * MIB, 2, justChanged), "more executors at once");
    assertEquals(4, policy.next(0, 4, justChanged), "fewer only after the cool-down");
    assertEquals(1, policy.next(0, 4, rested));
    assertEquals(3, policy.next(130 * MIB, 3, justChanged), "no change when it fits");
  }

  @Test
  void aCountSetOutsideTheBoundsIsBroughtBackIntoThem() {
    assertEquals(1, policy.next(0, 0, Duration.ZERO), "below the minimum: up at once");
    assertEquals(10, policy.next(10_000 * MIB, 40, Duration.ofMinutes(5)), "above: down in time");
    assertEquals(40, policy.next(10_000 * MIB, 40, Duration.ZERO));
  }

  @Test
  void boundsThatContradictEachOtherAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ScalePolicy(3, 2, MIB, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new ScalePolicy(0, 2, 0, Duration.ZERO));
  }
}
