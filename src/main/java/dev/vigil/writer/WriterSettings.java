package dev.vigil.writer;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Tuning of one append writer, from {@code vigil.writer.defaults} overlaid with {@code
 * vigil.writer.tables.<table>} when present.
 */
public record WriterSettings(
    int maxBatchRows, Duration maxBatchDelay, int queueCapacity, int parallelism) {

  public WriterSettings {
    if (maxBatchRows < 1 || queueCapacity < 1 || parallelism < 1) {
      throw new IllegalArgumentException(
          "vigil.writer: max-batch-rows, queue-capacity and parallelism must be at least 1");
    }
    if (maxBatchDelay.isNegative()) {
      throw new IllegalArgumentException("vigil.writer.max-batch-delay must not be negative");
    }
  }

  public static WriterSettings fromConfig(Config config, String table) {
    Config c = config.getConfig("vigil.writer.defaults");
    String override = "vigil.writer.tables." + table;
    if (config.hasPath(override)) {
      c = config.getConfig(override).withFallback(c);
    }
    return new WriterSettings(
        c.getInt("max-batch-rows"),
        c.getDuration("max-batch-delay"),
        c.getInt("queue-capacity"),
        c.getInt("parallelism"));
  }
}
