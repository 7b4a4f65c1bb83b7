package dev.vigil.anomaly;

import dev.vigil.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One metric of one subject: its baseline and its open anomaly, if any. Each sample is judged
 * against the baseline before it joins it; while an anomaly is open the baseline stands still, so a
 * spike does not teach the baseline that spikes are normal. An anomaly escalates when a sample is
 * worse than its level and closes when samples stay below warning for the quiet period.
 */
public record MetricTracker(Baseline baseline, Open open) implements CborSerializable {

  public static final MetricTracker NEW = new MetricTracker(Baseline.EMPTY, null);

  /** The open anomaly. {@code quietSince} is the first sample back below warning, or null. */
  public record Open(
      String id, Level level, Instant openedAt, double peak, double baseline, Instant quietSince)
      implements CborSerializable {}

  /** A change to report (journal, table, stream, SIEM line). */
  public record Transition(
      Kind kind,
      String anomalyId,
      String metric,
      Level level,
      double value,
      double baseline,
      double threshold,
      double peak,
      Instant at) {

    /** What happened. */
    public enum Kind {
      OPENED,
      ESCALATED,
      CLOSED
    }
  }

  /** The tracker after a sample, and the transition it caused. */
  public record Step(MetricTracker tracker, Optional<Transition> transition) {}

  public Step observe(
      String subject, double value, Instant at, Threshold rules, AnomalySettings settings) {
    if (open == null) {
      if (!baseline.warm(settings.warmupSamples())) {
        return new Step(
            new MetricTracker(baseline.update(value, settings.alpha()), null), Optional.empty());
      }
      Level level = rules.level(value, baseline.mean());
      if (level == Level.NONE) {
        return new Step(
            new MetricTracker(baseline.update(value, settings.alpha()), null), Optional.empty());
      }
      String id = anomalyId(subject, rules.metric(), at);
      Open opened = new Open(id, level, at, value, baseline.mean(), null);
      return new Step(
          new MetricTracker(baseline, opened),
          Optional.of(
              new Transition(
                  Transition.Kind.OPENED,
                  id,
                  rules.metric(),
                  level,
                  value,
                  baseline.mean(),
                  rules.bound(level, baseline.mean()),
                  value,
                  at)));
    }
    Level level = rules.level(value, open.baseline());
    double peak = Math.max(open.peak(), value);
    if (level.compareTo(open.level()) > 0) {
      Open escalated = new Open(open.id(), level, open.openedAt(), peak, open.baseline(), null);
      return new Step(
          new MetricTracker(baseline, escalated),
          Optional.of(
              new Transition(
                  Transition.Kind.ESCALATED,
                  open.id(),
                  rules.metric(),
                  level,
                  value,
                  open.baseline(),
                  rules.bound(level, open.baseline()),
                  peak,
                  at)));
    }
    if (level != Level.NONE) {
      Open still = new Open(open.id(), open.level(), open.openedAt(), peak, open.baseline(), null);
      return new Step(new MetricTracker(baseline, still), Optional.empty());
    }
    Instant quietSince = open.quietSince() == null ? at : open.quietSince();
    if (!at.isBefore(quietSince.plus(settings.quietPeriod()))) {
      return new Step(
          new MetricTracker(baseline.update(value, settings.alpha()), null),
          Optional.of(
              new Transition(
                  Transition.Kind.CLOSED,
                  open.id(),
                  rules.metric(),
                  open.level(),
                  value,
                  open.baseline(),
                  rules.bound(open.level(), open.baseline()),
                  peak,
                  at)));
    }
    Open quiet =
        new Open(open.id(), open.level(), open.openedAt(), peak, open.baseline(), quietSince);
    return new Step(new MetricTracker(baseline, quiet), Optional.empty());
  }

  /** A stable id: the same subject, metric and opening time give the same id on every node. */
  static String anomalyId(String subject, String metric, Instant openedAt) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((subject + "|" + metric + "|" + openedAt).getBytes(StandardCharsets.UTF_8));
      return "an_" + HexFormat.of().formatHex(d, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
