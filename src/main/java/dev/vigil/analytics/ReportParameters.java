package dev.vigil.analytics;

import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.QueryParameters;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The parameters of the analytics reports: the site (or all visible), the window [since, until), a
 * row limit and whether bot sessions count. The window defaults to the 30 days before until, and
 * until to now.
 */
public record ReportParameters(
    Optional<String> site, Instant since, Instant until, int limit, boolean includeBots) {

  public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
  public static final int MAX_LIMIT = 500;

  /** {@code /v1/analytics/content}: 50 rows by default, bots excluded unless includeBots=true. */
  public static ReportParameters content(Map<String, String> parameters, Instant now) {
    QueryParameters q = new QueryParameters(parameters);
    return window(q, now, q.intInRange("limit", 1, MAX_LIMIT, 50), q.bool("includeBots", false));
  }

  /** {@code /v1/analytics/traffic}: 10 entries per list by default; every session counts. */
  public static ReportParameters traffic(Map<String, String> parameters, Instant now) {
    QueryParameters q = new QueryParameters(parameters);
    return window(q, now, q.intInRange("limit", 1, MAX_LIMIT, 10), true);
  }

  /** {@code /v1/analytics/overview}: only the site; its windows are fixed. */
  public static Optional<String> overviewSite(Map<String, String> parameters) {
    return new QueryParameters(parameters).text("site");
  }

  /** The site and the window [since, until), checked; shared with {@link BotReportParameters}. */
  static ReportParameters window(QueryParameters q, Instant now, int limit, boolean includeBots) {
    Instant until = q.instant("until").orElse(now);
    Instant since = q.instant("since").orElse(until.minus(DEFAULT_WINDOW));
    if (since.isAfter(until)) {
      throw new InvalidParameterException("since", "since must not be after until");
    }
    return new ReportParameters(q.text("site"), since, until, limit, includeBots);
  }
}
