package dev.vigil.anomaly;

import dev.vigil.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The anomaly state of one subject (a fingerprint, a site, a user): a one-minute window of requests
 * and observed errors in the inputs' own time, and a tracker per metric. A minute is judged when
 * the first input of a later minute arrives (or when the owner flushes it after a quiet spell);
 * minutes without any input count as zero, up to {@value #MAX_EMPTY_MINUTES}.
 */
public record AnomalyBook(
    long minute, int requests, int responses, int errors, Map<String, MetricTracker> trackers)
    implements CborSerializable {

  public static final String REQUESTS_PER_MINUTE = "requests_per_minute";
  public static final String ERROR_RATE = "error_rate";
  public static final String BOT_SHARE = "bot_share";
  static final int MAX_EMPTY_MINUTES = 10;

  public static final AnomalyBook EMPTY = new AnomalyBook(-1, 0, 0, 0, Map.of());

  public AnomalyBook {
    trackers = Map.copyOf(trackers);
  }

  /** The book after an input, and what opened, escalated or closed. */
  public record Result(AnomalyBook book, List<MetricTracker.Transition> transitions) {}

  /** One request; {@code response} when it reports a served response ({@code error} if ≥ 400). */
  public Result onRequest(
      String subject,
      Instant at,
      boolean response,
      boolean error,
      Function<String, Optional<Threshold>> rules,
      AnomalySettings settings) {
    long m = at.getEpochSecond() / 60;
    if (minute >= 0 && m < minute) {
      // late input of a minute already judged: count it in the current one
      m = minute;
    }
    Result closed = closeUpTo(subject, m, rules, settings, ERROR_RATE);
    AnomalyBook b = closed.book();
    return new Result(
        new AnomalyBook(
            m,
            b.requests + 1,
            b.responses + (response ? 1 : 0),
            b.errors + (error ? 1 : 0),
            b.trackers),
        closed.transitions());
  }

  /**
   * Counts pre-aggregated elsewhere (a node's rollup for a site or user): {@code requests} in the
   * minute of {@code at}, {@code bots} of them from bot-classed sessions. The minute's bot share is
   * judged with its request count when the minute closes.
   */
  public Result onCounts(
      String subject,
      Instant at,
      int addRequests,
      int addBots,
      Function<String, Optional<Threshold>> rules,
      AnomalySettings settings) {
    long m = at.getEpochSecond() / 60;
    if (minute >= 0 && m < minute) {
      m = minute;
    }
    Result closed = closeUpTo(subject, m, rules, settings, BOT_SHARE);
    AnomalyBook b = closed.book();
    // in a book fed by counts, responses and errors hold the bot share's denominator and numerator
    return new Result(
        new AnomalyBook(
            m, b.requests + addRequests, b.responses + addRequests, b.errors + addBots, b.trackers),
        closed.transitions());
  }

  /** Judges the current minute if it ended before {@code now} (a quiet spell). */
  public Result flush(
      String subject, Instant now, Function<String, Optional<Threshold>> rules, AnomalySettings s) {
    return flush(subject, now, rules, s, ERROR_RATE);
  }

  /** As {@link #flush}, for a book whose ratio metric is {@code ratioMetric}. */
  public Result flush(
      String subject,
      Instant now,
      Function<String, Optional<Threshold>> rules,
      AnomalySettings s,
      String ratioMetric) {
    long m = now.getEpochSecond() / 60;
    if (minute < 0 || m <= minute) {
      return new Result(this, List.of());
    }
    return closeUpTo(subject, m, rules, s, ratioMetric);
  }

  /** A sample of a metric measured elsewhere (sessions or distinct IPs of a fingerprint, ...). */
  public Result sample(
      String subject,
      String metric,
      double value,
      Instant at,
      Function<String, Optional<Threshold>> rules,
      AnomalySettings settings) {
    Optional<Threshold> rule = rules.apply(metric);
    if (rule.isEmpty()) {
      return new Result(this, List.of());
    }
    MetricTracker.Step step =
        trackers
            .getOrDefault(metric, MetricTracker.NEW)
            .observe(subject, value, at, rule.get(), settings);
    Map<String, MetricTracker> t = new HashMap<>(trackers);
    t.put(metric, step.tracker());
    return new Result(
        new AnomalyBook(minute, requests, responses, errors, t),
        step.transition().map(List::of).orElse(List.of()));
  }

  public Optional<MetricTracker.Open> open(String metric) {
    MetricTracker t = trackers.get(metric);
    return t == null ? Optional.empty() : Optional.ofNullable(t.open());
  }

  private Result closeUpTo(
      String subject,
      long m,
      Function<String, Optional<Threshold>> rules,
      AnomalySettings s,
      String ratioMetric) {
    if (minute < 0 || m == minute) {
      return new Result(minute < 0 ? new AnomalyBook(m, 0, 0, 0, trackers) : this, List.of());
    }
    List<MetricTracker.Transition> transitions = new ArrayList<>();
    AnomalyBook b = this;
    Instant end = Instant.ofEpochSecond((minute + 1) * 60);
    Result r = b.sample(subject, REQUESTS_PER_MINUTE, requests, end, rules, s);
    transitions.addAll(r.transitions());
    b = r.book();
    if (responses >= s.errorRateMinRequests()) {
      r = b.sample(subject, ratioMetric, (double) errors / responses, end, rules, s);
      transitions.addAll(r.transitions());
      b = r.book();
    }
    long empty = Math.min(MAX_EMPTY_MINUTES, m - minute - 1);
    for (long i = 1; i <= empty; i++) {
      r = b.sample(subject, REQUESTS_PER_MINUTE, 0, end.plusSeconds(60 * i), rules, s);
      transitions.addAll(r.transitions());
      b = r.book();
    }
    return new Result(new AnomalyBook(m, 0, 0, 0, b.trackers), transitions);
  }
}
