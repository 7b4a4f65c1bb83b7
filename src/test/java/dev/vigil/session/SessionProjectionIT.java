package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.Database;
import dev.vigil.engagement.ClientInfo;
import dev.vigil.session.SessionEntity.ActivityRolledUp;
import dev.vigil.session.SessionEntity.Event;
import dev.vigil.session.SessionEntity.Landing;
import dev.vigil.session.SessionEntity.SessionEnded;
import dev.vigil.session.SessionEntity.SessionStarted;
import dev.vigil.testkit.ReadSideRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sessions projection's row changes against a real PostgreSQL: what a group of journal events
 * leaves in a session's row, and how many updates it costs: a rollup is one update of the row, not
 * a second one for an end that did not change.
 */
class SessionProjectionIT {
  private static final Instant T0 = Instant.parse("2026-12-06T02:00:00Z");

  private static Database database;
  private static DataSource ds;

  @BeforeAll
  static void migrate() {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
  }

  @AfterAll
  static void close() {
    database.close();
  }

  private static SessionStarted started(String id) {
    return new SessionStarted(
        id,
        "proj-site",
        "visitor-1",
        null,
        T0,
        new Landing("https://shop.example/a", "/a", null, null, null, null),
        new ClientInfo("Desktop", "Firefox", "Linux", "Browser"));
  }

  private static ActivityRolledUp rollup(int pageViews, int requests, Instant lastSeen) {
    return new ActivityRolledUp(
        new Activity(pageViews, pageViews, 0, 0, 0, 1000L * pageViews, 50, 0, requests),
        lastSeen,
        lastSeen,
        null);
  }

  /** Writes one group of one session's events in a transaction; returns the updates it made. */
  private static long write(String id, Event... events) throws SQLException {
    SessionProjection.RowChange change = new SessionProjection.RowChange();
    for (Event e : events) {
      change.apply(e);
    }
    Map<String, SessionProjection.RowChange> changes = new LinkedHashMap<>();
    changes.put(id, change);
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      long before = updatesSoFar(c);
      SessionProjection.write(c, changes);
      long updates = updatesSoFar(c) - before;
      c.commit();
      return updates;
    }
  }

  /**
   * The connection's updates of {@code sessions} not yet reported to the statistics collector: the
   * current transaction's, plus earlier ones of this backend that PostgreSQL 15 has not flushed yet
   * (it reports at most once a second), hence a difference of two readings.
   */
  private static long updatesSoFar(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'sessions'");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private record Row(int pageViews, int requests, Instant lastSeenAt, Instant endedAt) {}

  private static Row row(String id) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT page_views, requests, last_seen_at, ended_at FROM sessions"
                    + " WHERE session_id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("row of %s", id).isTrue();
        Timestamp ended = rs.getTimestamp(4);
        return new Row(
            rs.getInt(1),
            rs.getInt(2),
            rs.getTimestamp(3).toInstant(),
            ended == null ? null : ended.toInstant());
      }
    }
  }

  @Test
  void aRollupIsOneUpdateOfTheRow() throws Exception {
    String id = "proj-one-update";
    write(id, started(id), rollup(1, 1, T0));

    long updates = write(id, rollup(3, 7, T0.plusSeconds(10)));

    assertThat(updates).isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(3, 7, T0.plusSeconds(10), null));
  }

  @Test
  void activityAfterAnEndResumesTheSession() throws Exception {
    String id = "proj-resume";
    write(id, started(id), rollup(1, 1, T0));
    write(id, new SessionEnded(T0.plusSeconds(60), "inactivity"));
    assertThat(row(id).endedAt()).isEqualTo(T0.plusSeconds(60));

    long updates = write(id, rollup(2, 2, T0.plusSeconds(3600)));

    assertThat(updates).isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(2, 2, T0.plusSeconds(3600), null));
  }

  @Test
  void anEndAfterActivityInOneGroupLeavesTheSessionEnded() throws Exception {
    String id = "proj-end-in-group";
    write(id, started(id), rollup(1, 1, T0));

    long updates =
        write(
            id,
            rollup(4, 5, T0.plusSeconds(20)),
            new SessionEnded(T0.plusSeconds(20), "inactivity"));

    assertThat(updates).isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(4, 5, T0.plusSeconds(20), T0.plusSeconds(20)));
  }

  @Test
  void anEndAloneSetsOnlyTheEnd() throws Exception {
    String id = "proj-end-alone";
    write(id, started(id), rollup(2, 3, T0));

    long updates = write(id, new SessionEnded(T0.plusSeconds(30), "inactivity"));

    assertThat(updates).isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(2, 3, T0, T0.plusSeconds(30)));
  }

  @Test
  void aStartAndItsFirstRollupInOneGroupMakeTheRowWithItsTotals() throws Exception {
    String id = "proj-start";

    long updates = write(id, started(id), rollup(1, 2, T0.plusSeconds(5)));

    assertThat(updates).as("the insert, then the rollup's one update").isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(1, 2, T0.plusSeconds(5), null));
  }

  @Test
  void anEndThenActivityInOneGroupLeavesTheSessionResumed() throws Exception {
    String id = "proj-resume-in-group";
    write(id, started(id), rollup(1, 1, T0));

    long updates =
        write(
            id,
            new SessionEnded(T0.plusSeconds(60), "inactivity"),
            rollup(2, 3, T0.plusSeconds(90)));

    assertThat(updates).isEqualTo(1);
    assertThat(row(id)).isEqualTo(new Row(2, 3, T0.plusSeconds(90), null));
  }

  @Test
  void aRollupWithOtherTransitionsIsStillOneUpdateForTheActivityAndEnd() throws Exception {
    String id = "proj-with-transitions";
    write(id, started(id), rollup(1, 1, T0));

    long updates =
        write(
            id,
            new SessionEntity.FingerprintLinked("fp-1"),
            rollup(2, 2, T0.plusSeconds(10)),
            new SessionEnded(T0.plusSeconds(10), "inactivity"));

    assertThat(updates).as("the activity and end, then the fingerprint").isEqualTo(2);
    assertThat(row(id)).isEqualTo(new Row(2, 2, T0.plusSeconds(10), T0.plusSeconds(10)));
  }
}
