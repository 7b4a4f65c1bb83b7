package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.Database;
import dev.vigil.testkit.JournalRows;
import dev.vigil.testkit.MutableClock;
import dev.vigil.testkit.ReadSideRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One pruning pass over journal rows written here, against a real PostgreSQL: what it deletes, and
 * what it must keep (what the projection has not read, an end whose snapshot is too young or
 * missing, a session inside its retention), and that one node's pass keeps another's out.
 */
class SessionPruningPassIT {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final String OTHER = "dev.vigil.session.SessionEntity$ActivityRolledUp";

  private final MutableClock clock = new MutableClock(NOW);
  private Database database;
  private DataSource ds;

  @BeforeEach
  void migrate() {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
  }

  @AfterEach
  void close() {
    database.close();
  }

  /** Compacts ends an hour old; one tag; keeps sessions for 30 days. */
  private SessionPruning pruning(int batch) {
    return new SessionPruning(
        ds,
        new SessionPruning.Settings(
            Duration.ofMinutes(1), Duration.ofHours(1), batch, Duration.ofDays(30)),
        1,
        clock);
  }

  @Test
  void compactsAnEndReadByTheProjectionDownToTheEndAndItsSnapshot() throws Exception {
    journal("Session|a", OTHER, OTHER, OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|a", 2, NOW.minus(Duration.ofHours(3)));
    snapshot("Session|a", 4, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    try (Connection other = ds.getConnection()) {
      SessionPruning.Pass pass = pruning(100).run();

      assertThat(pass).isEqualTo(new SessionPruning.Pass(true, 1, 4, 0));
      assertThat(sequenceNumbers("event_journal", "Session|a")).containsExactly(4L);
      assertThat(sequenceNumbers("snapshot", "Session|a")).containsExactly(4L);
      assertThat(count("SELECT count(*) FROM event_tag")).isEqualTo(1);
      // and the pass let its lock go: another connection takes it
      assertThat(JournalRows.lockFree(other, SessionPruning.LOCK)).isTrue();
    }
  }

  @Test
  void aSessionThatResumedKeepsItsEndAndAllAfterIt() throws Exception {
    journal("Session|resumed", OTHER, OTHER, SessionPruning.ENDED_MANIFEST, OTHER, OTHER);
    snapshot("Session|resumed", 3, NOW.minus(Duration.ofHours(2)));
    snapshot("Session|resumed", 5, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    assertThat(pruning(100).run().compacted()).isEqualTo(1);

    assertThat(sequenceNumbers("event_journal", "Session|resumed")).containsExactly(3L, 4L, 5L);
    assertThat(sequenceNumbers("snapshot", "Session|resumed")).containsExactly(3L, 5L);
  }

  @Test
  void keepsWhatTheProjectionHasNotReadAndComesBackForIt() throws Exception {
    journal("Session|a", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|a", 2, NOW.minus(Duration.ofHours(2)));
    long aRead = lastOrdering();
    journal("Session|b", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|b", 2, NOW.minus(Duration.ofHours(2)));
    projectedTo(aRead);

    assertThat(pruning(100).run().compacted()).isEqualTo(1);
    assertThat(sequenceNumbers("event_journal", "Session|a")).containsExactly(2L);
    assertThat(sequenceNumbers("event_journal", "Session|b")).containsExactly(1L, 2L);

    // once the projection has read it, the next pass takes it, starting where the last stopped
    projectedTo(lastOrdering());
    assertThat(pruning(100).run().compacted()).isEqualTo(1);
    assertThat(sequenceNumbers("event_journal", "Session|b")).containsExactly(2L);
  }

  @Test
  void anEndNotYetOldEnoughWaitsAndSoDoTheEndsAfterIt() throws Exception {
    journal("Session|old", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|old", 2, NOW.minus(Duration.ofHours(2)));
    journalAt(
        "Session|young", NOW.minus(Duration.ofMinutes(10)), OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|young", 2, NOW.minus(Duration.ofMinutes(10)));
    journal("Session|later", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|later", 2, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    assertThat(pruning(100).run().compacted()).isEqualTo(1);
    assertThat(sequenceNumbers("event_journal", "Session|young")).containsExactly(1L, 2L);
    assertThat(sequenceNumbers("event_journal", "Session|later")).containsExactly(1L, 2L);

    clock.advance(Duration.ofHours(1));
    assertThat(pruning(100).run().compacted()).isEqualTo(2);
    assertThat(sequenceNumbers("event_journal", "Session|young")).containsExactly(2L);
    assertThat(sequenceNumbers("event_journal", "Session|later")).containsExactly(2L);
  }

  @Test
  void anEndWhoseSnapshotIsMissingWaitsForItForAnHour() throws Exception {
    journal("Session|unsnapped", OTHER, SessionPruning.ENDED_MANIFEST);
    journal("Session|after", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|after", 2, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    // its snapshot may still come: it waits, and the ends after it with it
    assertThat(pruning(100).run().compacted()).isZero();
    assertThat(sequenceNumbers("event_journal", "Session|after")).containsExactly(1L, 2L);

    snapshot("Session|unsnapped", 2, NOW.minus(Duration.ofHours(2)));
    assertThat(pruning(100).run().compacted()).isEqualTo(2);
    assertThat(sequenceNumbers("event_journal", "Session|unsnapped")).containsExactly(2L);
  }

  @Test
  void anEndWhoseSnapshotNeverCameKeepsItsEventsAndHoldsUpNoOther() throws Exception {
    journalAt(
        "Session|unsnapped",
        NOW.minus(Duration.ofHours(1)).minus(SessionPruning.MISSING_SNAPSHOT_GRACE).minusSeconds(1),
        OTHER,
        SessionPruning.ENDED_MANIFEST);
    journal("Session|after", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|after", 2, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    assertThat(pruning(100).run().compacted()).isEqualTo(1);

    assertThat(sequenceNumbers("event_journal", "Session|unsnapped")).containsExactly(1L, 2L);
    assertThat(sequenceNumbers("event_journal", "Session|after")).containsExactly(2L);
  }

  @Test
  void takesBatchAfterBatchWhileTheyComeBackFull() throws Exception {
    for (int i = 0; i < 7; i++) {
      journal("Session|s" + i, OTHER, SessionPruning.ENDED_MANIFEST);
      snapshot("Session|s" + i, 2, NOW.minus(Duration.ofHours(2)));
    }
    projectedTo(lastOrdering());

    assertThat(pruning(3).run().compacted()).isEqualTo(7);
    assertThat(count("SELECT count(*) FROM event_journal")).isEqualTo(7);
  }

  @Test
  void deletesSessionsPastTheirRetentionWithTheirJournal() throws Exception {
    site("shop");
    session("gone", NOW.minus(Duration.ofDays(40)), NOW.minus(Duration.ofDays(31)));
    session("ended-lately", NOW.minus(Duration.ofDays(40)), NOW.minus(Duration.ofDays(29)));
    session("open", NOW.minus(Duration.ofDays(40)), null);
    // its row still says ended 31 days ago, but its id came back yesterday: the projection is
    // behind
    session("resumed", NOW.minus(Duration.ofDays(40)), NOW.minus(Duration.ofDays(31)));
    for (String id : List.of("gone", "ended-lately", "open", "resumed")) {
      journalAt(
          "Session|" + id, NOW.minus(Duration.ofDays(31)), OTHER, SessionPruning.ENDED_MANIFEST);
      snapshot("Session|" + id, 2, NOW.minus(Duration.ofDays(31)));
    }
    JournalRows.events(
        ds, "Session|resumed", "session-0", 3, NOW.minus(Duration.ofDays(1)), List.of(OTHER));

    assertThat(pruning(100).run().expired()).isEqualTo(1);

    assertThat(count("SELECT count(*) FROM sessions WHERE session_id = 'gone'")).isZero();
    assertThat(sequenceNumbers("event_journal", "Session|gone")).isEmpty();
    assertThat(sequenceNumbers("snapshot", "Session|gone")).isEmpty();
    assertThat(count("SELECT count(*) FROM sessions")).isEqualTo(3);
    assertThat(sequenceNumbers("event_journal", "Session|ended-lately")).containsExactly(1L, 2L);
    assertThat(sequenceNumbers("event_journal", "Session|open")).containsExactly(1L, 2L);
    assertThat(sequenceNumbers("event_journal", "Session|resumed")).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aPassWaitsOutAnotherNodesPass() throws Exception {
    journal("Session|a", OTHER, SessionPruning.ENDED_MANIFEST);
    snapshot("Session|a", 2, NOW.minus(Duration.ofHours(2)));
    projectedTo(lastOrdering());

    try (Connection other = ds.getConnection()) {
      JournalRows.holdLock(other, SessionPruning.LOCK);

      assertThat(pruning(100).run()).isEqualTo(new SessionPruning.Pass(false, 0, 0, 0));
      assertThat(sequenceNumbers("event_journal", "Session|a")).containsExactly(1L, 2L);

      JournalRows.releaseLock(other, SessionPruning.LOCK);
    }
    assertThat(pruning(100).run().compacted()).isEqualTo(1);
  }

  // ---- rows ----

  /** Journals events 1.. of {@code pid} under tag session-0, two hours ago. */
  private void journal(String pid, String... manifests) throws SQLException {
    journalAt(pid, NOW.minus(Duration.ofHours(2)), manifests);
  }

  private void journalAt(String pid, Instant at, String... manifests) throws SQLException {
    JournalRows.events(ds, pid, "session-0", 1, at, List.of(manifests));
  }

  private void snapshot(String pid, long sequenceNr, Instant created) throws SQLException {
    JournalRows.snapshot(ds, pid, sequenceNr, created);
  }

  /** The sessions projection has read tag session-0 up to {@code ordering}. */
  private void projectedTo(long ordering) throws SQLException {
    JournalRows.projectedTo(ds, "sessions", "session-0", ordering);
  }

  private void site(String id) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO sites (id, name, public_key, server_key_hash) VALUES ('"
              + id
              + "', 'Shop', 'pk-"
              + id
              + "', 'hash-"
              + id
              + "')");
    }
  }

  private void session(String id, Instant started, Instant ended) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO sessions (session_id, site_id, started_at, last_seen_at, ended_at)"
                    + " VALUES (?, 'shop', ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setTimestamp(2, Timestamp.from(started));
      ps.setTimestamp(3, Timestamp.from(started));
      ps.setTimestamp(4, ended == null ? null : Timestamp.from(ended));
      ps.executeUpdate();
    }
  }

  private long lastOrdering() throws SQLException {
    return JournalRows.lastOrdering(ds);
  }

  private List<Long> sequenceNumbers(String table, String pid) throws SQLException {
    return JournalRows.sequenceNumbers(ds, table, pid);
  }

  private long count(String sql) throws SQLException {
    return JournalRows.count(ds, sql);
  }
}
