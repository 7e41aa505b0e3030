package io.meshwork.wasm.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SplitStrategyTest {

  @ParameterizedTest
  @CsvSource({
    "none, NONE",
    "lines, LINES",
    "row_based, LINES",
    "ROW_BASED, LINES",
    "fixed, FIXED",
    "wasm, WASM",
    "Wasm, WASM"
  })
  void parsesEveryAcceptedName(String value, SplitStrategy expected) {
    assertEquals(expected, SplitStrategy.parse(value));
  }

  @Test
  void emptyOrAbsentMeansNone() {
    assertEquals(SplitStrategy.NONE, SplitStrategy.parse(""));
    assertEquals(SplitStrategy.NONE, SplitStrategy.parse(null));
  }

  @Test
  void unknownValueIsNamedWithTheAcceptedOnes() {
    var e = assertThrows(IllegalArgumentException.class, () -> SplitStrategy.parse("columns"));
    assertTrue(e.getMessage().contains("\"columns\""), e.getMessage());
    assertTrue(e.getMessage().contains("none, lines, row_based, fixed, wasm"), e.getMessage());
  }

  @Test
  void wireNamesParseBack() {
    for (SplitStrategy strategy : SplitStrategy.values()) {
      assertEquals(strategy, SplitStrategy.parse(strategy.wireName()));
    }
  }
}
