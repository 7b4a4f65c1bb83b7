package dev.vigil.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChangeTest {

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource({
    "2, 1, 100.0",
    "1, 2, -50.0",
    "5, 5, 0.0",
    "11, 6, 83.3",
    "1, 3, -66.7",
    "0, 4, -100.0",
    // half rounds away from zero: 1.25 % and −1.25 %
    "10125, 10000, 1.3",
    "9875, 10000, -1.3",
    "0.2, 0.5, -60.0",
    "0.25, 0.2, 25.0",
  })
  void isTheRelativeChangeInPercentToOneDecimal(double current, double previous, double pct) {
    assertThat(Change.percent(current, previous)).isEqualTo(pct);
  }

  @Test
  void hasNoPercentWhenThereIsNothingToCompareWith() {
    assertThat(Change.percent(3L, 0L)).isNull();
    assertThat(Change.percent(0L, 0L)).isNull();
    assertThat(Change.percent(0.5, 0.0)).isNull();
    assertThat(Change.percent(null, 0.5)).isNull();
    assertThat(Change.percent(0.5, null)).isNull();
  }

  @Test
  void keepsBothFiguresBesideThePercent() {
    assertThat(Change.of(4L, 2L)).isEqualTo(new Change(4L, 2L, 100.0));
    assertThat(Change.of(null, null)).isEqualTo(new Change(null, null, null));
  }
}
