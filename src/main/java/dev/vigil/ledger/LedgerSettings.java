package dev.vigil.ledger;

import com.typesafe.config.Config;
import java.time.Duration;

/** The ledger's settings, from {@code vigil.ledger}. */
public record LedgerSettings(
    long maxBodyBytes,
    int maxBatch,
    Duration maxAge,
    String priceCardFile,
    double budgetWarningRatio,
    Duration budgetCheckTimeout,
    Duration budgetRollupInterval,
    Duration traceRunningWindow,
    int traceMaxRows) {

  public LedgerSettings {
    if (maxBodyBytes < 1024 || maxBatch < 1 || traceMaxRows < 1) {
      throw new IllegalArgumentException(
          "vigil.ledger: max-body-bytes must be at least 1k, max-batch and trace-max-rows at least 1");
    }
    if (maxAge.compareTo(Duration.ofHours(1)) < 0) {
      throw new IllegalArgumentException("vigil.ledger.max-age must be at least 1h");
    }
    if (!(budgetWarningRatio > 0 && budgetWarningRatio <= 1)) {
      throw new IllegalArgumentException(
          "vigil.ledger.budget-warning-ratio must be above 0 and at most 1");
    }
    for (Duration d :
        new Duration[] {budgetCheckTimeout, budgetRollupInterval, traceRunningWindow}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(
            "vigil.ledger: budget-check-timeout, budget-rollup-interval and trace-running-window"
                + " must be positive");
      }
    }
  }

  public static LedgerSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.ledger");
    return new LedgerSettings(
        c.getBytes("max-body-bytes"),
        c.getInt("max-batch"),
        c.getDuration("max-age"),
        c.getString("price-card-file"),
        c.getDouble("budget-warning-ratio"),
        c.getDuration("budget-check-timeout"),
        c.getDuration("budget-rollup-interval"),
        c.getDuration("trace-running-window"),
        c.getInt("trace-max-rows"));
  }
}
