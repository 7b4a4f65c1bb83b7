package dev.vigil.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The keys of the two highest-volume fact tables (V10, V11): time first, so inserts of random ids
 * land together, in every daily partition, including those made after the migration; and a retry
 * (same id, same time) is still stored once. And observations' one secondary index (V12): only the
 * throttled and blocked decisions, which is what the bot report reads (BotQueriesIT checks that the
 * report's plan uses it).
 */
class FactKeysIT {
  private static Database db;

  @BeforeAll
  static void open() throws SQLException {
    db =
        Database.open(
            DatabaseSettings.fromConfig(TestServers.config(TestDatabase.fresh())),
            new SimpleMeterRegistry());
    // a partition made after the migration, as the node's maintenance makes them
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      LocalDate later = LocalDate.now(ZoneOffset.UTC).plusDays(20);
      st.execute(
          "SELECT vigil_ensure_day_partitions('engagement_events', DATE '" + later + "', 1)");
      st.execute("SELECT vigil_ensure_day_partitions('observations', DATE '" + later + "', 1)");
    }
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void everyPartitionOfBothTablesIsKeyedByTimeThenId() throws Exception {
    for (String[] table :
        List.of(
            new String[] {"engagement_events", "event_id"},
            new String[] {"observations", "observation_id"})) {
      List<String> tables = new ArrayList<>(partitions(table[0]));
      assertThat(tables).hasSizeGreaterThan(3);
      tables.add(table[0]);
      for (String t : tables) {
        assertThat(keyColumns(t)).as("key of %s", t).containsExactly("ts", table[1]);
      }
    }
  }

  @Test
  void aRetriedBeaconIsStoredOnceAndTheSameIdAtAnotherTimeIsAnotherRow() throws Exception {
    String insert =
        "INSERT INTO engagement_events (event_id, site_id, session_id, type, ts, received_at, url,"
            + " host, path) VALUES ('retry-key', 's', 'x', 'page_view', now() - make_interval(secs"
            + " => ?), now(), 'https://a/', 'a', '/') ON CONFLICT DO NOTHING";
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(insert)) {
      c.setAutoCommit(false);
      // one transaction: now() is the same instant in all three
      ps.setInt(1, 60);
      assertThat(ps.executeUpdate()).isEqualTo(1);
      assertThat(ps.executeUpdate()).isZero();
      ps.setInt(1, 120);
      assertThat(ps.executeUpdate()).isEqualTo(1);
      c.commit();
    }
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM engagement_events WHERE event_id = 'retry-key'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void aRetriedObservationIsStoredOnce() throws Exception {
    String insert =
        "INSERT INTO observations (observation_id, site_id, session_id, fingerprint_id, source, ts)"
            + " VALUES ('retry-observation', 's', 'x', 'fp', 'decision', now()) ON CONFLICT DO"
            + " NOTHING";
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(insert)) {
      c.setAutoCommit(false);
      assertThat(ps.executeUpdate()).isEqualTo(1);
      assertThat(ps.executeUpdate()).isZero();
      c.commit();
    }
  }

  @Test
  void everyPartitionOfObservationsIndexesOnlyItsKeyAndTheEscalatedDecisions() throws Exception {
    List<String> tables = new ArrayList<>(partitions("observations"));
    assertThat(tables).hasSizeGreaterThan(3);
    tables.add("observations");
    for (String t : tables) {
      List<String> secondary =
          strings(
              "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x"
                  + " JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ?"
                  + " AND NOT x.indisprimary AND x.indisvalid",
              t);
      assertThat(secondary).as("secondary indexes of %s", t).hasSize(1);
      assertThat(secondary.get(0))
          .as("the escalated decisions' index of %s", t)
          .contains("(ts, site_id) WHERE (action = ANY (ARRAY['throttle'::text, 'block'::text]))");
    }
  }

  private static List<String> partitions(String parent) throws SQLException {
    return strings(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            + " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ?",
        parent);
  }

  /** The table's primary key columns, in the key's order. */
  private static List<String> keyColumns(String table) throws SQLException {
    return strings(
        "SELECT a.attname FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid,"
            + " unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)"
            + " JOIN pg_attribute a ON a.attnum = k.attnum"
            + " WHERE t.relname = ? AND x.indisprimary AND a.attrelid = t.oid ORDER BY k.position",
        table);
  }

  private static List<String> strings(String sql, String parameter) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, parameter);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }
}
