package dev.vigil.ledger;

import dev.vigil.analytics.ReportParameters;
import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.QueryParameters;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parameters of the ledger reports: the window, site and limit as in every report ({@link
 * ReportParameters}: the 30 days before {@code until}, 10 rows per list), a time-series bucket, and
 * filters by agent, user, model, provider (costs, requests) or tool server and agent (tools).
 */
public record LedgerReportParameters(
    Optional<String> site,
    Instant since,
    Instant until,
    int limit,
    String bucket,
    Optional<String> agent,
    Optional<String> user,
    Optional<String> model,
    Optional<String> provider,
    Optional<String> server,
    Optional<String> tool,
    String sort) {

  public static final Set<String> BUCKETS = Set.of("hour", "day", "week");
  public static final Set<String> TOOL_SORTS =
      Set.of("executions", "success_rate", "avg_duration", "p95_duration", "last_used");

  /** More points than this in one series is not a chart anyone reads: choose a coarser bucket. */
  static final int MAX_POINTS = 1000;

  public static LedgerReportParameters of(Map<String, String> parameters, Instant now) {
    ReportParameters window = ReportParameters.traffic(parameters, now);
    QueryParameters q = new QueryParameters(parameters);
    String bucket = q.oneOf("bucket", BUCKETS).orElse("day");
    Duration step = step(bucket);
    long points = Duration.between(window.since(), window.until()).dividedBy(step) + 1;
    if (points > MAX_POINTS) {
      throw new InvalidParameterException(
          "bucket",
          "a " + bucket + " bucket over this window gives more than " + MAX_POINTS + " points");
    }
    return new LedgerReportParameters(
        window.site(),
        window.since(),
        window.until(),
        window.limit(),
        bucket,
        q.text("agent"),
        q.text("user"),
        q.text("model"),
        q.text("provider").map(p -> p.toLowerCase(java.util.Locale.ROOT)),
        q.text("server"),
        q.text("tool"),
        q.oneOf("sort", TOOL_SORTS).orElse("executions"));
  }

  static Duration step(String bucket) {
    return switch (bucket) {
      case "hour" -> Duration.ofHours(1);
      case "week" -> Duration.ofDays(7);
      default -> Duration.ofDays(1);
    };
  }
}
