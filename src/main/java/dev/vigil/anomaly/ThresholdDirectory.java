package dev.vigil.anomaly;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thresholds in force on this node, held in memory for the entities (no database read per
 * sample). Reloaded at start, periodically, and at once when any node announces an edit on the
 * cluster's threshold topic, so an edit applies everywhere without a restart.
 */
public final class ThresholdDirectory implements Function<String, Optional<Threshold>> {
  private static final Logger log = LoggerFactory.getLogger(ThresholdDirectory.class);

  private final ThresholdRepository repository;
  private volatile Map<String, Threshold> byMetric = Map.of();

  public ThresholdDirectory(ThresholdRepository repository) {
    this.repository = repository;
  }

  /** A directory with fixed rules (tests of the entities). */
  public static ThresholdDirectory of(List<Threshold> rules) {
    ThresholdDirectory d = new ThresholdDirectory(null);
    d.byMetric = rules.stream().collect(Collectors.toUnmodifiableMap(Threshold::metric, t -> t));
    return d;
  }

  /**
   * Reloads the rules. Synchronized: the periodic reload and an edit's may overlap, and the one
   * that read first must not store its older rows after the other.
   */
  public synchronized void refresh() {
    if (repository == null) {
      return;
    }
    try {
      byMetric =
          repository.all().stream()
              .collect(Collectors.toUnmodifiableMap(Threshold::metric, t -> t));
    } catch (SQLException e) {
      log.warn("Could not reload anomaly thresholds; keeping the previous ones", e);
    }
  }

  @Override
  public Optional<Threshold> apply(String metric) {
    return Optional.ofNullable(byMetric.get(metric));
  }

  public List<Threshold> all() {
    return byMetric.values().stream().sorted((a, b) -> a.metric().compareTo(b.metric())).toList();
  }
}
