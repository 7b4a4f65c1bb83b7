package dev.vigil.anomaly;

import dev.vigil.CborSerializable;

/**
 * The rules of one metric: a value is a warning when it reaches both the warning floor and the
 * warning multiple of its baseline, critical when it reaches both critical rules. The floors keep a
 * quiet subject from paging on a tiny absolute change; the multiples keep a busy one from paging on
 * its normal level.
 */
public record Threshold(
    String metric,
    double warningFloor,
    double criticalFloor,
    double warningMultiple,
    double criticalMultiple)
    implements CborSerializable {

  /** Why a threshold is not usable; the API answers 400 with it. */
  public static final class Invalid extends IllegalArgumentException {
    private final String field;

    public Invalid(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  public Threshold {
    if (!(warningFloor >= 0) || Double.isInfinite(warningFloor)) {
      throw new Invalid("warningFloor", "must be a number at least 0");
    }
    if (!(criticalFloor >= warningFloor) || Double.isInfinite(criticalFloor)) {
      throw new Invalid("criticalFloor", "must be at least the warning floor");
    }
    if (!(warningMultiple >= 1) || Double.isInfinite(warningMultiple)) {
      throw new Invalid("warningMultiple", "must be at least 1");
    }
    if (!(criticalMultiple >= warningMultiple) || Double.isInfinite(criticalMultiple)) {
      throw new Invalid("criticalMultiple", "must be at least the warning multiple");
    }
  }

  public Level level(double value, double baseline) {
    if (value >= criticalFloor && value >= criticalMultiple * baseline) {
      return Level.CRITICAL;
    }
    if (value >= warningFloor && value >= warningMultiple * baseline) {
      return Level.WARNING;
    }
    return Level.NONE;
  }

  /** The value a level's rules demand given the baseline (reported with the anomaly). */
  public double bound(Level level, double baseline) {
    return level == Level.CRITICAL
        ? Math.max(criticalFloor, criticalMultiple * baseline)
        : Math.max(warningFloor, warningMultiple * baseline);
  }
}
