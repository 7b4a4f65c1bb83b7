package dev.vigil.db;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trims the journals of entities that live long (fingerprints, anomaly subjects, budgets, and
 * sessions that run long): the events before an entity's latest snapshot, less the snapshots Pekko
 * keeps ({@code keepSnapshots} × {@code snapshotEvery} events, so a recovery can still fall back to
 * an older snapshot), are deleted, as Pekko's own {@code withDeleteEventsOnSnapshot} would, but
 * only those the entity type's projection has read. Without it such a journal grows by every rollup
 * an active entity writes (a fingerprint's every minute), for good.
 *
 * <p>Each pass, on one node at a time (a PostgreSQL advisory lock), reads per tag the journal
 * written since its last pass ({@code journal_compaction}), up to what the projection has read, and
 * picks out the entities that passed a snapshot point there: an event whose sequence number is a
 * multiple of {@code snapshotEvery} (Pekko snapshots after the write that holds one).
 */
public final class JournalTrimming {
  private static final Logger log = LoggerFactory.getLogger(JournalTrimming.class);

  /** The advisory lock that keeps passes on several nodes from running at once ("VIGILJT1"). */
  static final long LOCK = 0x5649_4749_4c4a_5431L;

  /** How long one pass may go on taking batch after batch before leaving the rest to the next. */
  private static final Duration MAX_PASS = Duration.ofSeconds(20);

  /** From {@code vigil.journal.trimming}. */
  public record Settings(Duration interval, int batch) {
    public Settings {
      if (interval.isNegative() || interval.isZero() || batch < 1) {
        throw new IllegalArgumentException(
            "vigil.journal.trimming: interval must be positive and batch at least 1");
      }
    }

    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("vigil.journal.trimming");
      return new Settings(c.getDuration("interval"), c.getInt("batch"));
    }
  }

  /**
   * An entity type's journal: the projection that reads it, its tags ({@code tagPrefix} and 0 to
   * {@code tags} - 1, the projection's keys) and its snapshot retention.
   */
  public record Journal(
      String projection, String tagPrefix, int tags, int snapshotEvery, int keepSnapshots) {
    public Journal {
      if (tags < 1 || snapshotEvery < 1 || keepSnapshots < 1) {
        throw new IllegalArgumentException(
            "a journal needs a tag, and snapshots every event or more, keeping one or more");
      }
    }

    public String tag(int index) {
      return tagPrefix + index;
    }
  }

  /**
   * What one pass did: the entities that passed a snapshot point since the last pass, and the
   * events deleted. {@code ran} is false when another node's pass held the lock, or the pass
   * failed.
   */
  public record Pass(boolean ran, int entities, long deleted) {
    static final Pass SKIPPED = new Pass(false, 0, 0);
  }

  private final DataSource pool;
  private final Settings settings;
  private final List<Journal> journals;
  private final Clock clock;

  public JournalTrimming(DataSource pool, Settings settings, List<Journal> journals, Clock clock) {
    this.pool = pool;
    this.settings = settings;
    this.journals = List.copyOf(journals);
    this.clock = clock;
  }

  /** One pass; a failure is logged and the work left to the next. */
  public Pass run() {
    return JournalMarks.runLocked(pool, LOCK, "Journal trimming", Pass.SKIPPED, this::pass);
  }

  private Pass pass(Connection c) throws SQLException {
    Instant deadline = clock.instant().plus(MAX_PASS);
    int entities = 0;
    long deleted = 0;
    for (Journal journal : journals) {
      for (int i = 0; i < journal.tags(); i++) {
        long[] done = trim(c, journal, journal.tag(i), deadline);
        entities += (int) done[0];
        deleted += done[1];
      }
    }
    log.debug("Trimmed the journals of {} entities ({} events)", entities, deleted);
    return new Pass(true, entities, deleted);
  }

  /** Trims one tag's entities; returns {entities trimmed, events deleted}. */
  private long[] trim(Connection c, Journal journal, String tag, Instant deadline)
      throws SQLException {
    String name = "snapshots:" + tag;
    long projected = JournalMarks.projectedTo(c, journal.projection(), tag);
    long mark = JournalMarks.compactedTo(c, name);
    long entities = 0;
    long deleted = 0;
    while (mark < projected) {
      Set<String> passed = new LinkedHashSet<>();
      long last = mark;
      int found = 0;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT t.event_id, j.persistence_id"
                  + " FROM event_tag t JOIN event_journal j ON j.ordering = t.event_id"
                  + " WHERE t.tag = ? AND t.event_id > ? AND t.event_id <= ?"
                  + " AND j.ordering > ? AND j.ordering <= ?"
                  + " AND j.sequence_number % ? = 0 ORDER BY t.event_id LIMIT ?")) {
        // the ordering's bounds as well: a generic plan then cannot scan its index from the start
        ps.setString(1, tag);
        ps.setLong(2, mark);
        ps.setLong(3, projected);
        ps.setLong(4, mark);
        ps.setLong(5, projected);
        ps.setInt(6, journal.snapshotEvery());
        ps.setInt(7, settings.batch());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            last = rs.getLong(1);
            passed.add(rs.getString(2));
            found++;
          }
        }
      }
      boolean full = found >= settings.batch();
      long next = full ? last : projected;
      c.setAutoCommit(false);
      deleted +=
          delete(c, passed, projected, (long) journal.snapshotEvery() * journal.keepSnapshots());
      JournalMarks.setCompactedTo(c, name, next);
      c.commit();
      c.setAutoCommit(true);
      entities += passed.size();
      mark = next;
      if (!full || !clock.instant().isBefore(deadline)) {
        break;
      }
    }
    return new long[] {entities, deleted};
  }

  /**
   * Deletes each entity's events read by the projection ({@code ordering <= projected}) and more
   * than {@code kept} before its latest snapshot; an entity without a snapshot loses nothing.
   */
  private static long delete(Connection c, Set<String> persistenceIds, long projected, long kept)
      throws SQLException {
    if (persistenceIds.isEmpty()) {
      return 0;
    }
    long deleted = 0;
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM event_journal WHERE persistence_id = ? AND ordering <= ?"
                + " AND sequence_number < (SELECT max(s.sequence_number) FROM snapshot s"
                + " WHERE s.persistence_id = ?) - ?")) {
      for (String pid : persistenceIds) {
        ps.setString(1, pid);
        ps.setLong(2, projected);
        ps.setString(3, pid);
        ps.setLong(4, kept);
        ps.addBatch();
      }
      for (int n : ps.executeBatch()) {
        deleted += Math.max(n, 0);
      }
    }
    return deleted;
  }
}
