package dev.vigil.anomaly;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** SQL for {@code anomaly_thresholds}. */
public final class ThresholdRepository {
  private final DataSource dataSource;

  public ThresholdRepository(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public List<Threshold> all() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT metric, warning_floor, critical_floor, warning_multiple, critical_multiple"
                    + " FROM anomaly_thresholds ORDER BY metric");
        ResultSet rs = ps.executeQuery()) {
      List<Threshold> list = new ArrayList<>();
      while (rs.next()) {
        list.add(
            new Threshold(
                rs.getString(1),
                rs.getDouble(2),
                rs.getDouble(3),
                rs.getDouble(4),
                rs.getDouble(5)));
      }
      return list;
    }
  }

  /**
   * Updates the metrics' rules in one transaction: all of them, or none when one of the metrics is
   * unknown.
   *
   * @return the first unknown metric (nothing was changed), or empty when all were updated
   */
  public Optional<String> updateAll(List<Threshold> thresholds, String by) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE anomaly_thresholds SET warning_floor = ?, critical_floor = ?,"
                  + " warning_multiple = ?, critical_multiple = ?, updated_at = now(),"
                  + " updated_by = ? WHERE metric = ?")) {
        for (Threshold t : thresholds) {
          ps.setDouble(1, t.warningFloor());
          ps.setDouble(2, t.criticalFloor());
          ps.setDouble(3, t.warningMultiple());
          ps.setDouble(4, t.criticalMultiple());
          ps.setString(5, by);
          ps.setString(6, t.metric());
          if (ps.executeUpdate() != 1) {
            c.rollback();
            return Optional.of(t.metric());
          }
        }
        c.commit();
        return Optional.empty();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    }
  }
}
