package dev.vigil.detection;

import java.util.Locale;

/** The behavioural signals of the detection spec; the wire name appears in verdict reasons. */
public enum Signal {
  HIGH_REQUEST_COUNT,
  HIGH_PAGE_COVERAGE,
  SEQUENTIAL_NAVIGATION,
  REGULAR_TIMING,
  HIGH_PAGES_PER_MINUTE,
  HIGH_VELOCITY,
  OUTDATED_BROWSER,
  HEADER_INCONSISTENCY,
  NO_JS_ENGAGEMENT,
  GHOST_SESSION,
  MANY_SESSIONS,
  COOKIELESS_BURST,
  IP_ROTATION,
  NO_ENGAGEMENT_ACROSS_SESSIONS,
  PERIODIC_CADENCE;

  /** {@code high_request_count}: the name in reasons, reports and streams. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code high-request-count}: the key under vigil.detection.points. */
  public String configKey() {
    return wire().replace('_', '-');
  }
}
