package dev.vigil.anomaly;

import java.util.Locale;

/** How far a value is above its rules. */
public enum Level {
  NONE,
  WARNING,
  CRITICAL;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
