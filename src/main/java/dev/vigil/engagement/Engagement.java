package dev.vigil.engagement;

/**
 * A page's engagement numbers as reported by a {@code page_exit} or {@code engagement} beacon.
 * Times in ms (0..86,400,000), depth in % (0..100), velocity in px/s (0..100,000), counts
 * 0..100,000, mouse distance in px (0..10^8). The first-interaction and first-scroll times are null
 * when they never happened.
 */
public record Engagement(
    int timeOnPageMs,
    int visibleMs,
    int hiddenMs,
    int focusMs,
    Integer firstInteractionMs,
    Integer firstScrollMs,
    int maxScrollDepth,
    int scrollVelocity,
    int clicks,
    int rageClicks,
    int deadClicks,
    int scrollDirectionChanges,
    int keyPresses,
    int copies,
    int tabSwitches,
    int blurs,
    long mouseDistance) {

  /** Derived on the server: the client is not trusted to label itself. */
  public ReadingPattern readingPattern() {
    return ReadingPattern.of(timeOnPageMs, maxScrollDepth);
  }
}
