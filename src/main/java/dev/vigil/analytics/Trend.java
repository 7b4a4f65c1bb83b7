package dev.vigil.analytics;

/**
 * A content item's direction: this week's views against the weekly average of the three weeks
 * before it, baseline = (views30d − views7d) / 3. Up above 1.2 × baseline, down below 0.8 ×, stable
 * otherwise (exactly on a boundary is stable).
 */
public enum Trend {
  UP("up"),
  DOWN("down"),
  STABLE("stable");

  private final String wire;

  Trend(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /**
   * Compared in integers, multiplied out ({@code 7d > 1.2 × (30d − 7d) / 3} is {@code 5 × 7d > 2 ×
   * (30d − 7d)}), so the boundaries are exact where doubles would put 1.2 × 10 at
   * 12.000000000000002.
   */
  public static Trend of(long views7d, long views30d) {
    long prior = views30d - views7d;
    if (5 * views7d > 2 * prior) {
      return UP;
    }
    if (15 * views7d < 4 * prior) {
      return DOWN;
    }
    return STABLE;
  }
}
