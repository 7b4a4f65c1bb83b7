package dev.vigil.detection;

import java.util.Locale;

/** A fingerprint's throttle level and the share of the base rate it may use. */
public enum ThrottleLevel {
  NORMAL(1.0),
  WARNING(0.5),
  SEVERE(0.25),
  BLOCKED(0.0);

  private final double multiplier;

  ThrottleLevel(double multiplier) {
    this.multiplier = multiplier;
  }

  public double multiplier() {
    return multiplier;
  }

  public ThrottleLevel up() {
    return this == BLOCKED ? BLOCKED : values()[ordinal() + 1];
  }

  public ThrottleLevel down() {
    return this == NORMAL ? NORMAL : values()[ordinal() - 1];
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ThrottleLevel fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
