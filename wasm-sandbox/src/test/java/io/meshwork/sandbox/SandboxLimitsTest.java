package io.meshwork.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SandboxLimitsTest {

  @Test
  void defaultsMatchTheAbi() {
    SandboxLimits limits = SandboxLimits.defaults();
    assertEquals(1_000_000_000L, limits.fuel());
    assertEquals(256L * 1024 * 1024, limits.memoryBytes());
    assertEquals(30_000, limits.wallTimeMillis());
    assertEquals(1024 * 1024, limits.stackBytes());
    assertEquals(64L * 1024 * 1024, limits.maxOutputBytes());
    assertEquals(64L * 1024 * 1024, limits.maxInputBytes());
  }

  @Test
  void limitsMustBePositive() {
    assertThrows(
        IllegalArgumentException.class, () -> SandboxLimits.defaults().withWallTimeMillis(0));
    assertThrows(
        IllegalArgumentException.class, () -> SandboxLimits.defaults().withMemoryBytes(-1));
  }
}
