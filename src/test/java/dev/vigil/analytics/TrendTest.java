package dev.vigil.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrendTest {

  @ParameterizedTest(name = "7d={0} 30d={1} -> {2}")
  @CsvSource({
    // baseline (42 − 12) / 3 = 10: exactly 1.2 × is stable, one more is up
    "12, 42, STABLE",
    "13, 43, UP",
    // exactly 0.8 × is stable, one fewer is down
    "8, 38, STABLE",
    "7, 37, DOWN",
    "10, 40, STABLE",
    // a baseline that is not a whole number: (31 − 6) / 3 = 8.33; 1.2 × = 10, 0.8 × = 6.67
    "10, 35, STABLE",
    "11, 36, UP",
    "6, 31, DOWN",
    "7, 32, STABLE",
    // no earlier views: any view is up, none is stable
    "3, 3, UP",
    "0, 0, STABLE",
    // views only before this week
    "0, 30, DOWN",
  })
  void comparesThisWeekWithTheWeeklyAverageOfTheThreeWeeksBefore(
      long views7d, long views30d, Trend expected) {
    assertThat(Trend.of(views7d, views30d)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"UP, up", "DOWN, down", "STABLE, stable"})
  void hasLowerCaseWireNames(Trend trend, String wire) {
    assertThat(trend.wire()).isEqualTo(wire);
  }
}
