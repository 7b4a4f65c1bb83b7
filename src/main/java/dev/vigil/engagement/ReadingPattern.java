package dev.vigil.engagement;

import java.util.Locale;

/**
 * How a page was read, derived from time on page and scroll depth (engagement spec): the first rule
 * that matches wins.
 */
public enum ReadingPattern {
  BOUNCE,
  ENGAGED,
  READER,
  SCANNER,
  SKIMMER;

  public static ReadingPattern of(long timeOnPageMs, int maxScrollDepth) {
    if (timeOnPageMs < 10_000 && maxScrollDepth < 25) {
      return BOUNCE;
    }
    if (maxScrollDepth > 75 && timeOnPageMs > 30_000) {
      return ENGAGED;
    }
    if (maxScrollDepth > 50 && timeOnPageMs > 15_000) {
      return READER;
    }
    if (maxScrollDepth > 30 && timeOnPageMs < 20_000) {
      return SCANNER;
    }
    return SKIMMER;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
