package io.meshwork.orchestrator.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AuditDrawTest {
  private static byte[] key(long seed) {
    byte[] k = new byte[32];
    new SplittableRandom(seed).nextBytes(k);
    return k;
  }

  private static List<Boolean> draws(AuditDraw draw, int n, double rate) {
    List<Boolean> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(draw.audits("job-7:" + i, rate));
    }
    return out;
  }

  @Test
  void theSameKeyDrawsTheSameAuditsAfterARestart() {
    assertEquals(draws(new AuditDraw(key(1)), 500, 0.2), draws(new AuditDraw(key(1)), 500, 0.2));
  }

  @Test
  void anotherKeyDrawsOtherAudits() {
    assertNotEquals(draws(new AuditDraw(key(1)), 500, 0.2), draws(new AuditDraw(key(2)), 500, 0.2));
  }

  @Test
  void theShareAuditedIsTheRate() {
    int n = 20_000;
    double rate = 0.1;
    long audited = draws(new AuditDraw(key(3)), n, rate).stream().filter(b -> b).count();
    // Five standard deviations of the binomial: a correct draw fails this about once in 3.5
    // million.
    double sigma = Math.sqrt(n * rate * (1 - rate));
    assertTrue(Math.abs(audited - n * rate) < 5 * sigma, audited + " of " + n);
  }

  @Test
  void rateZeroAuditsNothingAndRateOneEverything() {
    AuditDraw draw = new AuditDraw(key(4));
    assertTrue(draws(draw, 200, 0.0).stream().noneMatch(b -> b));
    assertTrue(draws(draw, 200, 1.0).stream().allMatch(b -> b));
  }

  @Test
  void aShortKeyIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new AuditDraw(new byte[16]));
  }
}
