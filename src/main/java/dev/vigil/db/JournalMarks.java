package dev.vigil.db;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the journal's compactions ({@code SessionPruning}, {@link JournalTrimming}) share: how far a
 * projection has read a tag, how far a compaction has gone ({@code journal_compaction}), and the
 * advisory lock that keeps one compaction's passes on several nodes from running at once.
 */
public final class JournalMarks {
  private static final Logger log = LoggerFactory.getLogger(JournalMarks.class);

  private JournalMarks() {}

  /** A pass that runs while its connection holds an advisory lock. */
  @FunctionalInterface
  public interface Locked<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code pass} on a connection of {@code pool} that holds the session-level advisory lock
   * {@code key}; returns {@code skipped} at once if another connection holds it, and after a
   * failure, which is logged as {@code what}'s and left to its next pass. Whatever the pass leaves
   * open is rolled back and the lock released; a connection whose lock cannot be released is
   * evicted from the pool (its session, and with it the lock, ends), never handed out again holding
   * it. Needs a direct or session-pooled connection to PostgreSQL (not a transaction-pooling
   * proxy).
   */
  public static <T> T runLocked(DataSource pool, long key, String what, T skipped, Locked<T> pass) {
    try {
      return underLock(pool, key, skipped, pass);
    } catch (SQLException e) {
      log.warn("{} failed; retrying at its next pass", what, e);
      return skipped;
    }
  }

  private static <T> T underLock(DataSource pool, long key, T busy, Locked<T> pass)
      throws SQLException {
    try (Connection c = pool.getConnection()) {
      if (!call(c, "SELECT pg_try_advisory_lock(?)", key)) {
        return busy;
      }
      boolean released = false;
      SQLException failure = null;
      try {
        return pass.run(c);
      } catch (SQLException e) {
        failure = e;
        throw e;
      } finally {
        try {
          if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
          }
          released = call(c, "SELECT pg_advisory_unlock(?)", key);
        } catch (SQLException cleanup) {
          if (failure == null) {
            throw cleanup;
          }
          failure.addSuppressed(cleanup); // the pass's own failure is the one to report
        } finally {
          if (!released) {
            evict(pool, c);
          }
        }
      }
    }
  }

  private static void evict(DataSource pool, Connection c) throws SQLException {
    if (pool instanceof HikariDataSource hikari) {
      hikari.evictConnection(c);
    } else {
      c.abort(Runnable::run);
    }
  }

  private static boolean call(Connection c, String sql, long key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * The journal ordering up to which {@code projection} has read {@code tag} (its stored offset; 0:
   * nothing yet).
   */
  public static long projectedTo(Connection c, String projection, String tag) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT current_offset FROM pekko_projection_offset_store"
                + " WHERE projection_name = ? AND projection_key = ? AND manifest = 'SEQ'")) {
      ps.setString(1, projection);
      ps.setString(2, tag);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Long.parseLong(rs.getString(1)) : 0;
      }
    }
  }

  /**
   * The journal rows of one tag written after one ordering up to another, for both compactions'
   * scans (aliases {@code t}, {@code j}; bound by {@link #bindTagRange}): the tag's index gives the
   * range, and it is bounded on the journal's ordering as well, so that a generic plan cannot scan
   * that index from its start.
   */
  public static final String TAG_RANGE =
      " FROM event_tag t JOIN event_journal j ON j.ordering = t.event_id"
          + " WHERE t.tag = ? AND t.event_id > ? AND t.event_id <= ?"
          + " AND j.ordering > ? AND j.ordering <= ?";

  /** Binds {@link #TAG_RANGE}'s parameters from index {@code first}; returns the next index. */
  public static int bindTagRange(PreparedStatement ps, int first, String tag, long after, long upTo)
      throws SQLException {
    ps.setString(first, tag);
    ps.setLong(first + 1, after);
    ps.setLong(first + 2, upTo);
    ps.setLong(first + 3, after);
    ps.setLong(first + 4, upTo);
    return first + 5;
  }

  /** The ordering compaction {@code name} has gone up to (0: not started). */
  public static long compactedTo(Connection c, String name) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT compacted_to FROM journal_compaction WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  public static void setCompactedTo(Connection c, String name, long ordering) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO journal_compaction (name, compacted_to) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET compacted_to = excluded.compacted_to")) {
      ps.setString(1, name);
      ps.setLong(2, ordering);
      ps.executeUpdate();
    }
  }
}
