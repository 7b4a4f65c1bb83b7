package dev.vigil.db;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trims the journals of entities that live long (fingerprints, anomaly subjects, budgets, and
 * sessions that run long), as Pekko's own {@code withDeleteEventsOnSnapshot} would: an entity's
 * events and snapshots from before the {@code keepSnapshots} snapshots kept behind its latest
 * ({@code keepSnapshots} × {@code snapshotEvery} events) are deleted, the events only if the entity
 * type's projection has read them. Pekko recovers from the latest snapshot alone; the older ones
 * and their events are there for an operator, who can delete a latest snapshot that cannot be read
 * and so let the entity recover from the one before. Without trimming such a journal grows by every
 * rollup an active entity writes (a fingerprint's every minute), for good.
 *
 * <p>Each pass, on one node at a time (a PostgreSQL advisory lock), reads per tag the journal
 * written since its last pass ({@code journal_compaction}), up to what the projection has read, and
 * picks out the entities that passed a snapshot point there: an event whose sequence number is a
 * multiple of {@code snapshotEvery} (Pekko snapshots after the write that holds one). One found
 * before that snapshot was stored is trimmed to the snapshot before it, and further at its next
 * snapshot point.
 */
public final class JournalTrimming {
  private static final Logger log = LoggerFactory.getLogger(JournalTrimming.class);

  /** The advisory lock that keeps passes on several nodes from running at once ("VIGILJT1"). */
  static final long LOCK = 0x5649_4749_4c4a_5431L;

  /** How long one pass may go on taking batch after batch before leaving the rest to the next. */
  private static final Duration MAX_PASS = Duration.ofSeconds(20);

  /** The most events one delete statement takes. */
  static final int CHUNK = 10_000;

  /** From {@code vigil.journal.trimming}. */
  public record Settings(Duration interval, int batch) {
    public Settings {
      if (interval.isNegative() || interval.isZero() || batch < 1) {
        throw new IllegalArgumentException(
            "vigil.journal.trimming: interval must be positive and batch at least 1");
      }
    }

    /**
     * From {@code vigil.journal.trimming}. Refuses a snapshot store whose snapshots are optional:
     * Pekko would then answer a snapshot it cannot load by replaying the journal from the start,
     * which trimming and pruning have deleted, and recover a wrong state without a word.
     */
    public static Settings fromConfig(Config config) {
      if (snapshotsOptional(config)) {
        throw new IllegalArgumentException(
            "snapshot-is-optional must stay false: the journal's pruning and trimming delete the"
                + " events a recovery would replay instead of a snapshot it cannot load");
      }
      Config c = config.getConfig("vigil.journal.trimming");
      return new Settings(c.getDuration("interval"), c.getInt("batch"));
    }

    private static boolean snapshotsOptional(Config config) {
      for (String path :
          List.of(
              "jdbc-snapshot-store.snapshot-is-optional",
              "pekko.persistence.snapshot-store-plugin-fallback.snapshot-is-optional")) {
        if (config.hasPath(path)) {
          return config.getBoolean(path);
        }
      }
      return false;
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
   * events and snapshots deleted. {@code ran} is false when another node's pass held the lock, or
   * the pass failed.
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
    log.debug("Trimmed the journals of {} entities ({} events and snapshots)", entities, deleted);
    return new Pass(true, entities, deleted);
  }

  /** Trims one tag's entities; returns {entities found at a snapshot point, rows deleted}. */
  private long[] trim(Connection c, Journal journal, String tag, Instant deadline)
      throws SQLException {
    String name = "snapshots:" + tag;
    long projected = JournalMarks.projectedTo(c, journal.projection(), tag);
    long mark = JournalMarks.compactedTo(c, name);
    long deleted = 0;
    Set<String> seen = new HashSet<>();
    while (mark < projected && clock.instant().isBefore(deadline)) {
      Set<String> passed = new LinkedHashSet<>();
      long last = mark;
      int found = 0;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT t.event_id, j.persistence_id"
                  + JournalMarks.TAG_RANGE
                  + " AND j.sequence_number % ? = 0 ORDER BY t.event_id LIMIT ?")) {
        int i = JournalMarks.bindTagRange(ps, 1, tag, mark, projected);
        ps.setInt(i, journal.snapshotEvery());
        ps.setInt(i + 1, settings.batch());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            last = rs.getLong(1);
            passed.add(rs.getString(2));
            found++;
          }
        }
      }
      long kept = (long) journal.snapshotEvery() * journal.keepSnapshots();
      boolean finished = true;
      for (String pid : passed) {
        if (!clock.instant().isBefore(deadline)) {
          finished = false; // the rest of this batch, and the batch again, next pass
          break;
        }
        deleted += trimOne(c, pid, projected, kept);
      }
      seen.addAll(passed);
      if (!finished) {
        break;
      }
      boolean full = found >= settings.batch();
      mark = full ? last : projected;
      JournalMarks.setCompactedTo(c, name, mark);
      if (!full) {
        break;
      }
    }
    return new long[] {seen.size(), deleted};
  }

  /**
   * Deletes one entity's events read by the projection ({@code ordering <= projected}) and more
   * than {@code kept} before its latest snapshot, and its snapshots as far back (as Pekko's {@code
   * withDeleteEventsOnSnapshot} would); an entity without a snapshot loses nothing. Each statement
   * deletes at most {@link #CHUNK} events in a transaction of its own, so a first pass over a long
   * history neither holds a long transaction nor writes its WAL in one burst.
   */
  private static long trimOne(Connection c, String pid, long projected, long kept)
      throws SQLException {
    long cut;
    long floor;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT (SELECT max(sequence_number) FROM snapshot WHERE persistence_id = ?),"
                + " (SELECT min(sequence_number) FROM event_journal WHERE persistence_id = ?)")) {
      ps.setString(1, pid);
      ps.setString(2, pid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long latest = rs.getLong(1);
        if (rs.wasNull()) {
          return 0;
        }
        cut = latest - kept;
        floor = rs.getLong(2);
      }
    }
    long deleted = 0;
    try (PreparedStatement events =
        c.prepareStatement(
            "DELETE FROM event_journal WHERE persistence_id = ? AND sequence_number < ?"
                + " AND ordering <= ?")) {
      while (floor < cut) {
        long bound = Math.min(cut, floor + CHUNK);
        events.setString(1, pid);
        events.setLong(2, bound);
        events.setLong(3, projected);
        deleted += events.executeUpdate();
        floor = bound;
      }
    }
    try (PreparedStatement snapshots =
        c.prepareStatement(
            "DELETE FROM snapshot WHERE persistence_id = ? AND sequence_number < ?")) {
      snapshots.setString(1, pid);
      snapshots.setLong(2, cut);
      deleted += snapshots.executeUpdate();
    }
    return deleted;
  }
}
