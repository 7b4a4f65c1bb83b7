package dev.vigil.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Day partitions are created ahead of the beacons and dropped whole when they age out. */
class PartitionMaintenanceIT {
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  @Test
  void createsPartitionsAheadAndDropsDaysOlderThanTheRetention() throws Exception {
    DatabaseSettings settings =
        DatabaseSettings.fromConfig(TestServers.config(TestDatabase.fresh()));
    try (Database db = Database.open(settings, new SimpleMeterRegistry())) {
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      // given a partition far in the past, as if the node had been down for a long time
      try (Connection c = db.dataSource().getConnection();
          Statement st = c.createStatement()) {
        st.execute(
            "SELECT vigil_ensure_day_partitions('engagement_events', DATE '"
                + today.minusDays(40)
                + "', 1)");
      }
      var maintenance =
          new PartitionMaintenance(
              db.dataSource(),
              new PartitionMaintenance.Settings(
                  5,
                  Duration.ofHours(1),
                  List.of(
                      new PartitionMaintenance.Table("engagement_events", Duration.ofDays(30)))));

      maintenance.run();
      maintenance.run(); // idempotent

      List<String> days = partitions(db);
      assertThat(days).doesNotContain(today.minusDays(40).format(DAY));
      assertThat(days).contains(today.minusDays(1).format(DAY), today.format(DAY));
      assertThat(days).contains(today.plusDays(5).format(DAY));
      // a beacon of yesterday and one of five days ahead have somewhere to go
      try (Connection c = db.dataSource().getConnection();
          Statement st = c.createStatement()) {
        st.execute(
            "INSERT INTO engagement_events (event_id, site_id, session_id, type, ts, received_at,"
                + " url, host, path) VALUES ('e1', 's', 'x', 'page_view', now() - interval '23"
                + " hours', now(), 'https://a/', 'a', '/'), ('e2', 's', 'x', 'page_view', now() +"
                + " interval '4 days', now(), 'https://a/', 'a', '/')");
      }
    }
  }

  private static List<String> partitions(Database db) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT right(c.relname, 8) FROM pg_inherits i JOIN pg_class c ON c.oid ="
                    + " i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname ="
                    + " 'engagement_events' ORDER BY 1")) {
      List<String> days = new ArrayList<>();
      while (rs.next()) {
        days.add(rs.getString(1));
      }
      return days;
    }
  }
}
