package dev.vigil.anomaly;

import com.typesafe.config.Config;
import java.time.Duration;

/** How baselines learn and anomalies close, from {@code vigil.anomalies}. */
public record AnomalySettings(
    double alpha,
    int warmupSamples,
    Duration quietPeriod,
    int errorRateMinRequests,
    Duration thresholdRefresh,
    Duration siteRollupInterval) {

  public AnomalySettings {
    if (alpha <= 0 || alpha > 1) {
      throw new IllegalArgumentException("vigil.anomalies.baseline-alpha must be in (0, 1]");
    }
    if (warmupSamples < 1) {
      throw new IllegalArgumentException("vigil.anomalies.warmup-samples must be at least 1");
    }
  }

  public static AnomalySettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.anomalies");
    return new AnomalySettings(
        c.getDouble("baseline-alpha"),
        c.getInt("warmup-samples"),
        c.getDuration("quiet-period"),
        c.getInt("error-rate-min-requests"),
        c.getDuration("threshold-refresh"),
        c.getDuration("site-rollup-interval"));
  }
}
