package dev.vigil.analytics;

import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.QueryParameters;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parameters of {@code /v1/analytics/bots}: the site (or all visible), the window [since,
 * until) with the defaults of the other reports, the row limit of the name and fingerprint lists
 * (10 by default) and the size of the {@code overTime} buckets (a day by default).
 */
public record BotReportParameters(
    Optional<String> site, Instant since, Instant until, int limit, TimeBucket bucket) {

  /** A month by the hour or almost three years by the day: bounds the size of an answer. */
  public static final int MAX_BUCKETS = 1000;

  public static final int DEFAULT_LIMIT = 10;

  /** Buckets are UTC hours or UTC days; the first and last may be cut by the window. */
  public enum TimeBucket {
    HOUR(ChronoUnit.HOURS),
    DAY(ChronoUnit.DAYS);

    static final Set<String> WIRE =
        Arrays.stream(values()).map(TimeBucket::wire).collect(Collectors.toUnmodifiableSet());

    private final ChronoUnit unit;

    TimeBucket(ChronoUnit unit) {
      this.unit = unit;
    }

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static TimeBucket fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** The {@code generate_series} step; {@link #wire()} is the {@code date_trunc} field. */
    String sqlStep() {
      return "1 " + wire();
    }

    /**
     * How many buckets overlap [since, until): as many as {@code generate_series} makes from the
     * bucket of {@code since} up to {@code until}, none for an empty window.
     */
    long count(Instant since, Instant until) {
      if (!since.isBefore(until)) {
        return 0;
      }
      Instant first = since.truncatedTo(unit); // Instant truncates in UTC, as the SQL does
      Duration step = unit.getDuration();
      long whole = Duration.between(first, until).dividedBy(step);
      return first.plus(step.multipliedBy(whole)).equals(until) ? whole : whole + 1;
    }
  }

  public static BotReportParameters of(Map<String, String> parameters, Instant now) {
    QueryParameters q = new QueryParameters(parameters);
    ReportParameters w =
        ReportParameters.window(
            q, now, q.intInRange("limit", 1, ReportParameters.MAX_LIMIT, DEFAULT_LIMIT), true);
    TimeBucket bucket =
        q.oneOf("bucket", TimeBucket.WIRE).map(TimeBucket::fromWire).orElse(TimeBucket.DAY);
    long buckets = bucket.count(w.since(), w.until());
    if (buckets > MAX_BUCKETS) {
      // Blame the bucket when days would do, else the window.
      boolean daysFit = TimeBucket.DAY.count(w.since(), w.until()) <= MAX_BUCKETS;
      throw new InvalidParameterException(
          bucket == TimeBucket.HOUR && daysFit ? "bucket" : "since",
          "the window holds "
              + buckets
              + " "
              + bucket.wire()
              + " buckets, more than "
              + MAX_BUCKETS
              + (daysFit ? ": use bucket=day" : ": shorten the window"));
    }
    return new BotReportParameters(w.site(), w.since(), w.until(), w.limit(), bucket);
  }
}
