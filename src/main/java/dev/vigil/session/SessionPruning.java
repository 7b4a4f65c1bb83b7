package dev.vigil.session;

import com.typesafe.config.Config;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the session journal from growing with every visit ever made. Each pass, on one node at a
 * time (a PostgreSQL advisory lock), does two things:
 *
 * <ul>
 *   <li><b>Compaction.</b> An ended session is snapshotted with its end ({@link
 *       SessionEntity#shouldSnapshot}). Once the sessions projection has read that end and the
 *       snapshot is {@code compact-ended-after} old, the session's events and snapshots before the
 *       end are deleted: it keeps its last event (the journal's highest sequence number) and one
 *       snapshot, from which it recovers whole if its id comes back. Only what the projection has
 *       read is deleted, so the read row misses nothing; but the row, not the journal, is from then
 *       on the record of what came before the end (the table cannot be rebuilt from the journal).
 *   <li><b>Retention.</b> Sessions started and ended longer than {@code retention} ago are deleted:
 *       their row, events and snapshots. An id that comes back after that starts a new session.
 * </ul>
 *
 * <p>Compaction reads, per projection tag, the journal written since its last pass ({@code
 * session_journal_pruning}), up to what the projection has read. An end whose snapshot is not yet
 * old enough stops the tag's pass there; an end whose snapshot was never stored (a failed save) is
 * passed over, its events kept.
 */
public final class SessionPruning {
  private static final Logger log = LoggerFactory.getLogger(SessionPruning.class);

  /** The advisory lock that keeps passes on several nodes from running at once ("VIGILSP1"). */
  static final long LOCK = 0x5649_4749_4c53_5031L;

  /** How the journal names a session's end: the Jackson serializer's manifest, its class. */
  static final String ENDED_MANIFEST = SessionEntity.SessionEnded.class.getName();

  /** How long one pass may go on taking batch after batch before leaving the rest to the next. */
  private static final Duration MAX_PASS = Duration.ofSeconds(20);

  /** From {@code vigil.sessions.pruning}. */
  public record Settings(
      Duration interval, Duration compactEndedAfter, int batch, Duration retention) {
    public Settings {
      if (interval.isNegative()
          || interval.isZero()
          || retention.isNegative()
          || retention.isZero()
          || compactEndedAfter.isNegative()) {
        throw new IllegalArgumentException(
            "vigil.sessions.pruning: interval and retention must be positive, compact-ended-after"
                + " not negative");
      }
      if (batch < 1) {
        throw new IllegalArgumentException("vigil.sessions.pruning.batch must be at least 1");
      }
    }

    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("vigil.sessions.pruning");
      return new Settings(
          c.getDuration("interval"),
          c.getDuration("compact-ended-after"),
          c.getInt("batch"),
          c.getDuration("retention"));
    }
  }

  /**
   * What one pass did: sessions compacted, the events and snapshots that took, and sessions deleted
   * past their retention. {@code ran} is false when another node's pass held the lock.
   */
  public record Pass(boolean ran, int compacted, long deleted, int expired) {
    static final Pass SKIPPED = new Pass(false, 0, 0, 0);
  }

  /** A session's end in the journal, with its snapshot's time (null: none) and its write's. */
  private record End(
      long ordering, String persistenceId, long sequenceNr, Long snapshotAt, long writtenAt) {}

  private final DataSource pool;
  private final Settings settings;
  private final int tags;
  private final Clock clock;

  public SessionPruning(DataSource pool, Settings settings, int tags, Clock clock) {
    this.pool = pool;
    this.settings = settings;
    this.tags = tags;
    this.clock = clock;
  }

  /** One pass; a failure is logged and the work left to the next. */
  public Pass run() {
    try (Connection c = pool.getConnection()) {
      if (!lock(c, "pg_try_advisory_lock")) {
        return Pass.SKIPPED;
      }
      try {
        Instant start = clock.instant();
        Instant deadline = start.plus(MAX_PASS);
        int compacted = 0;
        long deleted = 0;
        long cutoff = start.minus(settings.compactEndedAfter()).toEpochMilli();
        for (int i = 0; i < tags; i++) {
          long[] done = compact(c, SessionProjection.tag(i), cutoff, deadline);
          compacted += (int) done[0];
          deleted += done[1];
        }
        int expired = expire(c, Timestamp.from(start.minus(settings.retention())), deadline);
        // compaction runs on every pass of a busy site: its count is for debugging; a deletion
        // past the retention is rarer and worth a line
        log.debug("Compacted {} ended sessions ({} events and snapshots)", compacted, deleted);
        if (expired > 0) {
          log.info("Deleted {} sessions past their retention, with their journal", expired);
        }
        return new Pass(true, compacted, deleted, expired);
      } finally {
        if (!c.getAutoCommit()) {
          c.rollback();
          c.setAutoCommit(true);
        }
        lock(c, "pg_advisory_unlock");
      }
    } catch (SQLException e) {
      log.warn("Session journal pruning failed; retrying at the next pass", e);
      return new Pass(true, 0, 0, 0);
    }
  }

  private static boolean lock(Connection c, String function) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?)")) {
      ps.setLong(1, LOCK);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Compacts one tag's ended sessions; returns {sessions compacted, rows deleted}. */
  private long[] compact(Connection c, String tag, long cutoff, Instant deadline)
      throws SQLException {
    long projected = projectedTo(c, tag);
    long mark = compactedTo(c, tag);
    long sessions = 0;
    long deleted = 0;
    while (mark < projected) {
      List<End> ends = ends(c, tag, mark, projected);
      List<End> due = new ArrayList<>();
      long next = mark;
      boolean stopped = false;
      for (End e : ends) {
        long madeAt = e.snapshotAt() != null ? e.snapshotAt() : e.writtenAt();
        if (madeAt >= cutoff) {
          // not old enough yet (or its snapshot may still come): this and later ends wait
          stopped = true;
          break;
        }
        if (e.snapshotAt() != null) {
          due.add(e);
        }
        next = e.ordering();
      }
      boolean full = ends.size() >= settings.batch();
      if (!stopped && !full) {
        next = projected; // every end up to what the projection read was seen
      }
      c.setAutoCommit(false);
      deleted += delete(c, due);
      setCompactedTo(c, tag, next);
      c.commit();
      c.setAutoCommit(true);
      sessions += due.size();
      mark = next;
      if (stopped || !full || !clock.instant().isBefore(deadline)) {
        break;
      }
    }
    return new long[] {sessions, deleted};
  }

  /** The ordering up to which the sessions projection has read this tag (0: nothing yet). */
  private static long projectedTo(Connection c, String tag) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT current_offset FROM pekko_projection_offset_store"
                + " WHERE projection_name = ? AND projection_key = ? AND manifest = 'SEQ'")) {
      ps.setString(1, SessionProjection.NAME);
      ps.setString(2, tag);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Long.parseLong(rs.getString(1)) : 0;
      }
    }
  }

  private static long compactedTo(Connection c, String tag) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT compacted_to FROM session_journal_pruning WHERE tag = ?")) {
      ps.setString(1, tag);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static void setCompactedTo(Connection c, String tag, long ordering) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO session_journal_pruning (tag, compacted_to) VALUES (?, ?)"
                + " ON CONFLICT (tag) DO UPDATE SET compacted_to = excluded.compacted_to")) {
      ps.setString(1, tag);
      ps.setLong(2, ordering);
      ps.executeUpdate();
    }
  }

  /**
   * The ends of this tag's sessions journaled after {@code from} up to {@code to}, oldest first,
   * each with its session's first snapshot at or after it: the tag's index gives the range, the
   * journal's and the snapshots' keys the rest.
   */
  private List<End> ends(Connection c, String tag, long from, long to) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT j.ordering, j.persistence_id, j.sequence_number,"
                + " (SELECT s.created FROM snapshot s WHERE s.persistence_id = j.persistence_id"
                + " AND s.sequence_number >= j.sequence_number ORDER BY s.sequence_number LIMIT 1),"
                + " coalesce(j.write_timestamp, 0)"
                + " FROM event_tag t JOIN event_journal j ON j.ordering = t.event_id"
                + " WHERE t.tag = ? AND t.event_id > ? AND t.event_id <= ?"
                + " AND j.event_ser_manifest = ? ORDER BY t.event_id LIMIT ?")) {
      ps.setString(1, tag);
      ps.setLong(2, from);
      ps.setLong(3, to);
      ps.setString(4, ENDED_MANIFEST);
      ps.setInt(5, settings.batch());
      List<End> ends = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long snapshotAt = rs.getLong(4);
          Long snapshot = rs.wasNull() ? null : snapshotAt;
          ends.add(new End(rs.getLong(1), rs.getString(2), rs.getLong(3), snapshot, rs.getLong(5)));
        }
      }
      return ends;
    }
  }

  /**
   * Deletes each session's events and snapshots before its end, so long as a snapshot at or after
   * the end is there to recover from; returns the rows deleted.
   */
  private static long delete(Connection c, List<End> due) throws SQLException {
    if (due.isEmpty()) {
      return 0;
    }
    String kept =
        " AND EXISTS (SELECT 1 FROM snapshot k WHERE k.persistence_id = ?"
            + " AND k.sequence_number >= ?)";
    long deleted = 0;
    try (PreparedStatement events =
            c.prepareStatement(
                "DELETE FROM event_journal WHERE persistence_id = ? AND sequence_number < ?"
                    + kept);
        PreparedStatement snapshots =
            c.prepareStatement(
                "DELETE FROM snapshot WHERE persistence_id = ? AND sequence_number < ?" + kept)) {
      for (End e : due) {
        for (PreparedStatement ps : List.of(events, snapshots)) {
          ps.setString(1, e.persistenceId());
          ps.setLong(2, e.sequenceNr());
          ps.setString(3, e.persistenceId());
          ps.setLong(4, e.sequenceNr());
          ps.addBatch();
        }
      }
      for (PreparedStatement ps : List.of(events, snapshots)) {
        for (int n : ps.executeBatch()) {
          deleted += Math.max(n, 0);
        }
      }
    }
    return deleted;
  }

  /**
   * Deletes sessions started and ended before {@code cutoff}, with their events and snapshots, a
   * batch at a time per site (the started-at index of each site finds them); returns how many.
   */
  private int expire(Connection c, Timestamp cutoff, Instant deadline) throws SQLException {
    List<String> sites = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM sites ORDER BY id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        sites.add(rs.getString(1));
      }
    }
    int expired = 0;
    for (String site : sites) {
      while (clock.instant().isBefore(deadline)) {
        int n = expireBatch(c, site, cutoff);
        expired += n;
        if (n < settings.batch()) {
          break;
        }
      }
    }
    return expired;
  }

  private int expireBatch(Connection c, String site, Timestamp cutoff) throws SQLException {
    c.setAutoCommit(false);
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM sessions"
                + " WHERE site_id = ? AND started_at < ? AND ended_at < ? LIMIT ?)"
                + " RETURNING session_id")) {
      ps.setString(1, site);
      ps.setTimestamp(2, cutoff);
      ps.setTimestamp(3, cutoff);
      ps.setInt(4, settings.batch());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(PersistenceId.of(SessionEntity.ENTITY_KEY.name(), rs.getString(1)).id());
        }
      }
    }
    if (!ids.isEmpty()) {
      Array pids = c.createArrayOf("text", ids.toArray());
      for (String table : List.of("event_journal", "snapshot")) {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + table + " WHERE persistence_id = ANY(?)")) {
          ps.setArray(1, pids);
          ps.executeUpdate();
        }
      }
    }
    c.commit();
    c.setAutoCommit(true);
    return ids.size();
  }
}
