package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Decisions;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.TestNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pruning on a whole node: an ended session's journal shrinks to its end and a snapshot, and the
 * session, recovered from them when its id comes back, goes on from its totals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionPruningIT {
  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.sessions.inactivity-timeout",
                "2s",
                "vigil.sessions.rollup-interval",
                "500ms",
                "vigil.sessions.pruning.interval",
                "300ms",
                "vigil.sessions.pruning.compact-ended-after",
                "0s",
                // so that only the session's own tick can end it again within the bounds below
                "vigil.sessions.reaper-interval",
                "1h",
                // a snapshot every second event, so a busy session's journal is trimmed soon
                "vigil.sessions.snapshot-every",
                2,
                "vigil.journal.trimming.interval",
                "300ms"));
    db = node.db();
    http = node.http();
    serverKey = node.serverKey();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void anEndedSessionKeepsItsEndAndASnapshotAndResumesFromThem() throws Exception {
    String id = "pruned-session-1";
    String pid = "Session|" + id;
    for (int i = 0; i < 3; i++) {
      decide(id, "/a/" + i);
    }

    // once ended and read by the projection, its journal is the end alone, with one snapshot
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          assertThat(sessionRow(id)).isEqualTo("3 ended");
          assertThat(journal(pid)).containsExactly(SessionPruning.ENDED_MANIFEST);
          assertThat(count("SELECT count(*) FROM snapshot WHERE persistence_id = ?", pid))
              .isEqualTo(1);
        });
    long firstEnd = highest(pid);
    assertThat(firstEnd).isGreaterThan(1);
    // the journal stamps a write with its time, which pruning reads for an end without a snapshot
    assertThat(count("SELECT write_timestamp FROM event_journal WHERE persistence_id = ?", pid))
        .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());

    // when its id comes back, it recovers from the snapshot: its totals go on from three
    decide(id, "/b");
    // and it resumes at once and stays live, so its own tick ends it again
    Await.until(Duration.ofSeconds(30), () -> assertThat(sessionRow(id)).isEqualTo("4 open"));

    // and its second end is compacted in turn, after the first
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          assertThat(sessionRow(id)).isEqualTo("4 ended");
          assertThat(journal(pid)).containsExactly(SessionPruning.ENDED_MANIFEST);
          assertThat(highest(pid)).isGreaterThan(firstEnd);
          assertThat(count("SELECT count(*) FROM snapshot WHERE persistence_id = ?", pid))
              .isEqualTo(1);
        });
  }

  @Test
  void aBusySessionsJournalIsTrimmedAndItRecoversFromWhatIsLeft() throws Exception {
    String id = "trimmed-session-1";
    String pid = "Session|" + id;
    AtomicInteger sent = new AtomicInteger();

    // requests until the journal has lost its first events: a rollup every 500 ms, a snapshot
    // every second event, trimmed to the two snapshots before the latest once projected
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          decide(id, "/t/" + sent.incrementAndGet());
          assertThat(
                  count(
                      "SELECT min(sequence_number) FROM event_journal WHERE persistence_id = ?",
                      pid))
              .isGreaterThan(1);
        });
    long latestSnapshot =
        count("SELECT max(sequence_number) FROM snapshot WHERE persistence_id = ?", pid);
    assertThat(
            count("SELECT min(sequence_number) FROM event_journal WHERE persistence_id = ?", pid))
        .isLessThanOrEqualTo(latestSnapshot - 4);

    // ended, and come back: recovered from what trimming and compaction left, it counts on
    Await.until(
        Duration.ofSeconds(30), () -> assertThat(sessionRow(id)).isEqualTo(sent.get() + " ended"));
    decide(id, "/back");
    Await.until(
        Duration.ofSeconds(30),
        () -> assertThat(sessionRow(id)).isEqualTo((sent.get() + 1) + " open"));
  }

  private void decide(String session, String path) {
    assertThat(
            http.postJson("/v1/decide", serverKey, Decisions.browser("10.7.0.1", path, session))
                .status())
        .isEqualTo(200);
  }

  /** The row's requests and whether it is ended, as "3 ended" or "3 open"; "none" without one. */
  private String sessionRow(String id) throws Exception {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement("SELECT requests, ended_at FROM sessions WHERE session_id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return "none";
        }
        return rs.getInt(1) + (rs.getTimestamp(2) == null ? " open" : " ended");
      }
    }
  }

  /** The manifests of the session's journal, in order. */
  private List<String> journal(String pid) throws Exception {
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT event_ser_manifest FROM event_journal WHERE persistence_id = ?"
                    + " ORDER BY sequence_number")) {
      ps.setString(1, pid);
      List<String> manifests = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          manifests.add(rs.getString(1));
        }
      }
      return manifests;
    }
  }

  private long highest(String pid) throws Exception {
    return count("SELECT max(sequence_number) FROM event_journal WHERE persistence_id = ?", pid);
  }

  private long count(String sql, String arg) throws Exception {
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private Connection connect() throws Exception {
    return DriverManager.getConnection(db.url(), db.user(), db.password());
  }
}
