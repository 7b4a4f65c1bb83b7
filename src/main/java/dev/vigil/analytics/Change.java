package dev.vigil.analytics;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A figure for a window and for the window of the same length before it, with the change in
 * percent: (current − previous) / previous × 100, rounded half away from zero to one decimal; null
 * when there is nothing to compare against (previous is 0 or unknown).
 */
public record Change(Number current, Number previous, Double changePct) {

  public static Change of(Number current, Number previous) {
    return new Change(current, previous, percent(current, previous));
  }

  public static Double percent(Number current, Number previous) {
    if (current == null || previous == null || previous.doubleValue() == 0) {
      return null;
    }
    // × 100 before ÷: exact for whole counts (125 × 100 / 10000 is 1.25, not 1.2499...)
    double pct = (current.doubleValue() - previous.doubleValue()) * 100 / previous.doubleValue();
    return BigDecimal.valueOf(pct).setScale(1, RoundingMode.HALF_UP).doubleValue();
  }
}
