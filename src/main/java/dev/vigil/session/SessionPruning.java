package dev.vigil.session;

import com.typesafe.config.Config;
import dev.vigil.db.JournalMarks;
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
 *       SessionEntity#shouldSnapshot}). Once the sessions projection has read that end and the end
 *       is {@code compact-ended-after} old, the session's events and snapshots before the end are
 *       deleted, so long as a snapshot at or after the end is there: it keeps its end and whatever
 *       came after (the journal's highest sequence number stays), and recovers whole if its id
 *       comes back. Only what the projection has read is deleted; from then on the row, not the
 *       journal, is the record of what came before the end (the table cannot be rebuilt from the
 *       journal).
 *   <li><b>Retention.</b> Sessions started and ended longer than {@code retention} ago, and not
 *       journaled since, are deleted: their row, events and snapshots. An id that comes back after
 *       that starts a new session.
 * </ul>
 *
 * <p>Compaction reads, per projection tag, the journal written since its last pass ({@code
 * journal_compaction}), up to what the projection has read. An end not yet old enough stops the
 * tag's pass there, and so does an end whose snapshot is missing, for an hour; after that the end
 * is passed over, its events kept (a failed save, or an end written by a node of an earlier
 * version).
 */
public final class SessionPruning {
  private static final Logger log = LoggerFactory.getLogger(SessionPruning.class);

  /** The advisory lock that keeps passes on several nodes from running at once ("VIGILSP1"). */
  static final long LOCK = 0x5649_4749_4c53_5031L;

  /** How the journal names a session's end: the Jackson serializer's manifest, its class. */
  static final String ENDED_MANIFEST = SessionEntity.SessionEnded.class.getName();

  /**
   * How long each of a pass's two jobs may go on taking batch after batch before leaving the rest
   * to the next pass.
   */
  private static final Duration MAX_JOB = Duration.ofSeconds(20);

  /** How long an end may wait for its snapshot before it is passed over. */
  static final Duration MISSING_SNAPSHOT_GRACE = Duration.ofHours(1);

  /** What a session's persistence id starts with. */
  private static final String PID_PREFIX =
      PersistenceId.of(SessionEntity.ENTITY_KEY.name(), "").id();

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
   * past their retention. {@code ran} is false when another node's pass held the lock, or the pass
   * failed.
   */
  public record Pass(boolean ran, int compacted, long deleted, int expired) {
    static final Pass SKIPPED = new Pass(false, 0, 0, 0);
  }

  /** A session's end in the journal, its write's time, and whether a snapshot covers it. */
  private record End(
      long ordering, String persistenceId, long sequenceNr, long writtenAt, boolean snapshot) {}

  private final DataSource pool;
  private final Settings settings;
  private final int tags;
  private final Clock clock;

  /** The site retention starts with on the next pass: each pass starts one further on. */
  private int firstSite;

  public SessionPruning(DataSource pool, Settings settings, int tags, Clock clock) {
    this.pool = pool;
    this.settings = settings;
    this.tags = tags;
    this.clock = clock;
  }

  /** One pass; a failure is logged and the work left to the next. */
  public Pass run() {
    return JournalMarks.runLocked(pool, LOCK, "Session journal pruning", Pass.SKIPPED, this::pass);
  }

  private Pass pass(Connection c) throws SQLException {
    Instant start = clock.instant();
    long cutoff = start.minus(settings.compactEndedAfter()).toEpochMilli();
    Instant deadline = start.plus(MAX_JOB);
    int compacted = 0;
    long deleted = 0;
    for (int i = 0; i < tags; i++) {
      long[] done = compact(c, SessionProjection.tag(i), cutoff, deadline);
      compacted += (int) done[0];
      deleted += done[1];
    }
    int expired = expire(c, start.minus(settings.retention()), clock.instant().plus(MAX_JOB));
    // compaction runs on every pass of a busy site: its count is for debugging; a deletion past
    // the retention is rarer and worth a line
    log.debug("Compacted {} ended sessions ({} events and snapshots)", compacted, deleted);
    if (expired > 0) {
      log.info("Deleted {} sessions past their retention, with their journal", expired);
    }
    return new Pass(true, compacted, deleted, expired);
  }

  /** Compacts one tag's ended sessions; returns {sessions compacted, rows deleted}. */
  private long[] compact(Connection c, String tag, long cutoff, Instant deadline)
      throws SQLException {
    String name = "session-ends:" + tag;
    long projected = JournalMarks.projectedTo(c, SessionProjection.NAME, tag);
    long mark = JournalMarks.compactedTo(c, name);
    long sessions = 0;
    long deleted = 0;
    while (mark < projected) {
      List<End> ends = ends(c, tag, mark, projected);
      List<End> due = new ArrayList<>();
      long next = mark;
      boolean stopped = false;
      for (End e : ends) {
        if (e.writtenAt() >= cutoff
            || (!e.snapshot() && e.writtenAt() >= cutoff - MISSING_SNAPSHOT_GRACE.toMillis())) {
          // not old enough yet, or its snapshot may still come: this and later ends wait
          stopped = true;
          break;
        }
        if (e.snapshot()) {
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
      JournalMarks.setCompactedTo(c, name, next);
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

  /**
   * The ends of this tag's sessions journaled after {@code from} up to {@code to}, oldest first,
   * each with whether a snapshot at or after it is stored ({@link JournalMarks#TAG_RANGE} gives the
   * range, the journal's and the snapshots' keys the rest).
   */
  private List<End> ends(Connection c, String tag, long from, long to) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT j.ordering, j.persistence_id, j.sequence_number,"
                + " coalesce(j.write_timestamp, 0),"
                + " EXISTS (SELECT 1 FROM snapshot s WHERE s.persistence_id = j.persistence_id"
                + " AND s.sequence_number >= j.sequence_number)"
                + JournalMarks.TAG_RANGE
                + " AND j.event_ser_manifest = ? ORDER BY t.event_id LIMIT ?")) {
      int i = JournalMarks.bindTagRange(ps, 1, tag, from, to);
      ps.setString(i, ENDED_MANIFEST);
      ps.setInt(i + 1, settings.batch());
      List<End> ends = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ends.add(
              new End(
                  rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getBoolean(5)));
        }
      }
      return ends;
    }
  }

  /**
   * Deletes each session's events and snapshots before its end, so long as a snapshot at or after
   * the end is there to recover from; returns the rows deleted. Events before the end were written
   * before it, so their orderings are below the end's, which the projection has read.
   */
  private static long delete(Connection c, List<End> due) throws SQLException {
    if (due.isEmpty()) {
      return 0;
    }
    String kept =
        " AND EXISTS (SELECT 1 FROM snapshot k WHERE k.persistence_id = ?"
            + " AND k.sequence_number >= ?)";
    String read = " AND ordering < ?";
    long deleted = 0;
    try (PreparedStatement events =
            c.prepareStatement(
                "DELETE FROM event_journal WHERE persistence_id = ? AND sequence_number < ?"
                    + kept
                    + read);
        PreparedStatement snapshots =
            c.prepareStatement(
                "DELETE FROM snapshot WHERE persistence_id = ? AND sequence_number < ?" + kept)) {
      for (End e : due) {
        for (PreparedStatement ps : List.of(events, snapshots)) {
          ps.setString(1, e.persistenceId());
          ps.setLong(2, e.sequenceNr());
          ps.setString(3, e.persistenceId());
          ps.setLong(4, e.sequenceNr());
        }
        events.setLong(5, e.ordering());
        events.addBatch();
        snapshots.addBatch();
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
   * Deletes sessions started and ended before {@code cutoff} and not journaled since (a session
   * whose id came back and whose row the projection has not caught up with yet is kept), with their
   * events and snapshots, a batch at a time per site (the started-at index of each site finds
   * them), starting one site further on each pass so that every site gets its turn; returns how
   * many.
   */
  private int expire(Connection c, Instant cutoff, Instant deadline) throws SQLException {
    List<String> sites = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT id FROM sites ORDER BY id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        sites.add(rs.getString(1));
      }
    }
    int expired = 0;
    int first = sites.isEmpty() ? 0 : Math.floorMod(firstSite++, sites.size());
    for (int i = 0; i < sites.size() && clock.instant().isBefore(deadline); i++) {
      String site = sites.get((first + i) % sites.size());
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

  private int expireBatch(Connection c, String site, Instant cutoff) throws SQLException {
    c.setAutoCommit(false);
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM sessions WHERE session_id IN (SELECT s.session_id FROM sessions s"
                + " WHERE s.site_id = ? AND s.started_at < ? AND s.ended_at < ?"
                + " AND NOT EXISTS (SELECT 1 FROM event_journal j"
                + " WHERE j.persistence_id = ? || s.session_id AND j.write_timestamp >= ?)"
                + " LIMIT ?) RETURNING session_id")) {
      Timestamp at = Timestamp.from(cutoff);
      ps.setString(1, site);
      ps.setTimestamp(2, at);
      ps.setTimestamp(3, at);
      ps.setString(4, PID_PREFIX);
      ps.setLong(5, cutoff.toEpochMilli());
      ps.setInt(6, settings.batch());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(PID_PREFIX + rs.getString(1));
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
