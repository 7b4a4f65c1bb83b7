package dev.vigil.anomaly;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * Writes anomaly transitions into {@code anomalies}; called by the projections of the entities that
 * own metrics, inside their offset transaction.
 */
public final class AnomalyRows {
  private AnomalyRows() {}

  public static void apply(
      Connection c,
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
      Instant at)
      throws SQLException {
    switch (kind) {
      case OPENED -> {
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO anomalies (anomaly_id, site_id, subject_kind, subject_id, metric,"
                    + " level, value, baseline, threshold, peak, opened_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (anomaly_id) DO NOTHING")) {
          ps.setString(1, anomalyId);
          ps.setString(2, siteId);
          ps.setString(3, subjectKind);
          ps.setString(4, subjectId);
          ps.setString(5, metric);
          ps.setString(6, level.wire());
          ps.setDouble(7, value);
          ps.setDouble(8, baseline);
          ps.setDouble(9, threshold);
          ps.setDouble(10, peak);
          ps.setTimestamp(11, Timestamp.from(at));
          ps.executeUpdate();
        }
      }
      case ESCALATED ->
          update(
              c,
              "UPDATE anomalies SET level = ?, value = ?, threshold = ?,"
                  + " peak = greatest(peak, ?), escalated_at = ?, updated_at = now() WHERE anomaly_id = ?",
              level.wire(),
              value,
              threshold,
              peak,
              at,
              anomalyId);
      case CLOSED ->
          update(
              c,
              "UPDATE anomalies SET peak = greatest(peak, ?), closed_at = ?,"
                  + " updated_at = now() WHERE anomaly_id = ?",
              peak,
              at,
              anomalyId,
              null,
              null,
              null);
    }
  }

  private static void update(
      Connection c, String sql, Object a, Object b, Object d, Object e, Object f, Object g)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Object[] args = {a, b, d, e, f, g};
      int n = (int) sql.chars().filter(ch -> ch == '?').count();
      for (int i = 0; i < n; i++) {
        Object v = args[i];
        ps.setObject(i + 1, v instanceof Instant t ? Timestamp.from(t) : v);
      }
      ps.executeUpdate();
    }
  }
}
