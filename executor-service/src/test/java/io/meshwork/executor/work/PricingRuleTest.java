package io.meshwork.executor.work;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PricingRuleTest {
  private static final long MIB = 1L << 20;

  @Test
  void idleExecutorChargesBasePlusPerMib() {
    PricingRule rule = new PricingRule(1, 16, 0.5);

    assertEquals(1, rule.price(0, 0));
    assertEquals(17, rule.price(MIB, 0));
    assertEquals(33, rule.price(2 * MIB, 0));
  }

  @Test
  void partialMebibytesArePricedProportionallyAndRoundedUp() {
    PricingRule rule = new PricingRule(1, 16, 0.5);

    // 1 + 16 * 0.5 = 9
    assertEquals(9, rule.price(MIB / 2, 0));
    // 1 + 16 / 2^20 is just above 1, and the price rounds up.
    assertEquals(2, rule.price(1, 0));
  }

  @Test
  void loadScalesThePriceUp() {
    PricingRule rule = new PricingRule(1, 16, 0.5);

    // 17 * (1 + 0.5 * 1) = 25.5 -> 26
    assertEquals(26, rule.price(MIB, 1.0));
    // 17 * (1 + 0.5 * 2) = 34
    assertEquals(34, rule.price(MIB, 2.0));
  }

  @Test
  void priceIsNeverBelowOne() {
    assertEquals(1, new PricingRule(0, 0, 0.5).price(0, 0));
    assertEquals(1, new PricingRule(0.1, 0, 0).price(0, 0));
    assertEquals(1, new PricingRule(0, 16, 0).price(0, 0));
  }

  @Test
  void operationWeightsScaleThePerMibPart() {
    PricingRule rule = new PricingRule(1, 16, 0.5, Map.of("matmul", 8.0, "SHA256", 2.0));

    // 1 + 16 * 8 = 129
    assertEquals(129, rule.price(MIB, "matmul", 0));
    assertEquals(33, rule.price(MIB, "sha256", 0));
    // Unknown operations weigh 1.
    assertEquals(17, rule.price(MIB, "word_count", 0));
  }
}
