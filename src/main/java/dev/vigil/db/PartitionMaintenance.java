package dev.vigil.db;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the day partitions of the fact tables: creates yesterday through {@code days-ahead} days
 * ahead (beacons may be up to 24 h old) and drops whole days older than each table's retention.
 * Runs at start and then periodically; idempotent and safe on several nodes at once.
 */
public final class PartitionMaintenance {
  private static final Logger log = LoggerFactory.getLogger(PartitionMaintenance.class);

  /** One partitioned table and how many days of it to keep. */
  public record Table(String name, Duration retention) {}

  /** From {@code vigil.partitions}. */
  public record Settings(int daysAhead, Duration interval, List<Table> tables) {
    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("vigil.partitions");
      Config retention = c.getConfig("retention");
      List<Table> tables =
          retention.root().keySet().stream()
              .sorted()
              .map(name -> new Table(name, retention.getDuration(name)))
              .toList();
      return new Settings(c.getInt("days-ahead"), c.getDuration("interval"), tables);
    }
  }

  private final DataSource dataSource;
  private final Settings settings;

  public PartitionMaintenance(DataSource dataSource, Settings settings) {
    this.dataSource = dataSource;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** One pass over every table; failures are logged and retried at the next pass. */
  public void run() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    for (Table table : settings.tables()) {
      try (Connection c = dataSource.getConnection()) {
        int created =
            call(
                c,
                "SELECT vigil_ensure_day_partitions(?, ?, ?)",
                table.name(),
                today.minusDays(1),
                settings.daysAhead() + 2);
        LocalDate cutoff = today.minusDays(table.retention().toDays());
        int dropped = call(c, "SELECT vigil_drop_day_partitions(?, ?)", table.name(), cutoff, null);
        if (created > 0 || dropped > 0) {
          log.info("Partitions of {}: {} created, {} dropped", table.name(), created, dropped);
        }
      } catch (SQLException e) {
        log.warn("Partition maintenance of {} failed; retrying at the next pass", table.name(), e);
      }
    }
  }

  private static int call(Connection c, String sql, String table, LocalDate day, Integer days)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, table);
      ps.setObject(2, day);
      if (days != null) {
        ps.setInt(3, days);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
