package dev.vigil.anomaly;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.vigil.stream.LiveEvents;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per anomaly transition on the {@code vigil.siem} logger, with stable field names
 * (event, anomaly_id, site_id, subject_kind, subject_id, metric, level, value, baseline, threshold,
 * peak, at). With {@code VIGIL_LOG_FORMAT=json} each field is a JSON field of the line, ready for a
 * SIEM; in plain logs they read as key=value.
 */
public final class AnomalyLog {
  private static final Logger SIEM = LoggerFactory.getLogger("vigil.siem");

  private AnomalyLog() {}

  /** What live streams get as an {@code anomaly.opened|escalated|closed} event's data. */
  public record LiveAnomaly(
      String id,
      String siteId,
      String subjectKind,
      String subjectId,
      String metric,
      String level,
      String state,
      double value,
      double baseline,
      double threshold,
      double peak,
      Instant at) {}

  /** Logs the transition for the SIEM and publishes it to the site's live streams. */
  public static void transition(
      LiveEvents live,
      String siteId,
      String subjectKind,
      String subjectId,
      String anomalyId,
      MetricTracker.Transition.Kind kind,
      String metric,
      Level level,
      double value,
      double baseline,
      double threshold,
      double peak,
      Instant at) {
    SIEM.warn(
        "anomaly {} {} {} {} {} {} {} {} {} {} {} {}",
        kv("event", "anomaly." + kind.name().toLowerCase(java.util.Locale.ROOT)),
        kv("anomaly_id", anomalyId),
        kv("site_id", siteId),
        kv("subject_kind", subjectKind),
        kv("subject_id", subjectId),
        kv("metric", metric),
        kv("level", level.wire()),
        kv("value", value),
        kv("baseline", baseline),
        kv("threshold", threshold),
        kv("peak", peak),
        kv("at", at.toString()));
    String type = "anomaly." + kind.name().toLowerCase(java.util.Locale.ROOT);
    live.publish(
        siteId,
        type,
        at,
        new LiveAnomaly(
            anomalyId,
            siteId,
            subjectKind,
            subjectId,
            metric,
            level.wire(),
            kind == MetricTracker.Transition.Kind.CLOSED ? "closed" : "open",
            value,
            baseline,
            threshold,
            peak,
            at));
  }
}
