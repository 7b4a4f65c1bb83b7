package dev.vigil.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Rows of the event journal, its tags, snapshots and projection offsets written straight into a
 * migrated database, for tests of what the journal's compactions delete. Payloads are one byte: the
 * compactions read keys, sequence numbers, manifests and times, never an event.
 */
public final class JournalRows {
  private JournalRows() {}

  /**
   * Journals events {@code from} to {@code to} of {@code pid} under {@code tag}, all with one
   * manifest.
   */
  public static void events(
      DataSource ds, String pid, String tag, long from, long to, String manifest, Instant at)
      throws SQLException {
    List<String> manifests = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      manifests.add(manifest);
    }
    events(ds, pid, tag, from, at, manifests);
  }

  /**
   * Journals one event per manifest of {@code pid} under {@code tag}, from sequence number {@code
   * from}.
   */
  public static void events(
      DataSource ds, String pid, String tag, long from, Instant at, List<String> manifests)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement event =
            c.prepareStatement(
                "INSERT INTO event_journal (persistence_id, sequence_number, writer,"
                    + " write_timestamp, event_ser_id, event_ser_manifest, event_payload)"
                    + " VALUES (?, ?, 'test', ?, 1, ?, '\\x00'::bytea) RETURNING ordering");
        PreparedStatement tagged =
            c.prepareStatement("INSERT INTO event_tag (event_id, tag) VALUES (?, ?)")) {
      for (int i = 0; i < manifests.size(); i++) {
        event.setString(1, pid);
        event.setLong(2, from + i);
        event.setLong(3, at.toEpochMilli());
        event.setString(4, manifests.get(i));
        try (ResultSet rs = event.executeQuery()) {
          rs.next();
          tagged.setLong(1, rs.getLong(1));
        }
        tagged.setString(2, tag);
        tagged.executeUpdate();
      }
    }
  }

  public static void snapshot(DataSource ds, String pid, long sequenceNr, Instant created)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO snapshot (persistence_id, sequence_number, created,"
                    + " snapshot_ser_id, snapshot_ser_manifest, snapshot_payload)"
                    + " VALUES (?, ?, ?, 1, 'state', '\\x00'::bytea)")) {
      ps.setString(1, pid);
      ps.setLong(2, sequenceNr);
      ps.setLong(3, created.toEpochMilli());
      ps.executeUpdate();
    }
  }

  /** Projection {@code projection} has read {@code tag} up to {@code ordering}. */
  public static void projectedTo(DataSource ds, String projection, String tag, long ordering)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO pekko_projection_offset_store (projection_name, projection_key,"
                    + " current_offset, manifest, mergeable, last_updated)"
                    + " VALUES (?, ?, ?, 'SEQ', false, 0)"
                    + " ON CONFLICT (projection_name, projection_key)"
                    + " DO UPDATE SET current_offset = excluded.current_offset")) {
      ps.setString(1, projection);
      ps.setString(2, tag);
      ps.setString(3, Long.toString(ordering));
      ps.executeUpdate();
    }
  }

  /** The journal's last ordering. */
  public static long lastOrdering(DataSource ds) throws SQLException {
    return count(ds, "SELECT coalesce(max(ordering), 0) FROM event_journal");
  }

  /** The ordering of {@code pid}'s event {@code sequenceNr}. */
  public static long ordering(DataSource ds, String pid, long sequenceNr) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT ordering FROM event_journal WHERE persistence_id = ?"
                    + " AND sequence_number = ?")) {
      ps.setString(1, pid);
      ps.setLong(2, sequenceNr);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The sequence numbers {@code table} (event_journal or snapshot) holds of {@code pid}. */
  public static List<Long> sequenceNumbers(DataSource ds, String table, String pid)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT sequence_number FROM "
                    + table
                    + " WHERE persistence_id = ? ORDER BY sequence_number")) {
      ps.setString(1, pid);
      List<Long> seqs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          seqs.add(rs.getLong(1));
        }
      }
      return seqs;
    }
  }

  public static long count(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Takes advisory lock {@code key} on {@code c}, as another node's pass would hold it. */
  public static void holdLock(Connection c, long key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
      ps.setLong(1, key);
      ps.execute();
    }
  }

  /**
   * Whether {@code c} can take advisory lock {@code key} (nobody else holds it); leaves it free.
   */
  public static boolean lockFree(Connection c, long key) throws SQLException {
    try (PreparedStatement take = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      take.setLong(1, key);
      try (ResultSet rs = take.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return false;
        }
      }
    }
    releaseLock(c, key);
    return true;
  }

  public static void releaseLock(Connection c, long key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
      ps.setLong(1, key);
      ps.execute();
    }
  }
}
