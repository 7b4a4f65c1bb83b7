package dev.vigil.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Rows of the bot defense read side written straight into {@code fingerprints}, {@code
 * throttle_events} and {@code observations}, with known values, for query tests. Sessions with a
 * fingerprint come from {@link ReadSideRows#session}.
 */
public final class BotDefenseRows {
  private static final AtomicLong OBSERVATION_IDS = new AtomicLong();

  private BotDefenseRows() {}

  /** Creates the daily observations partitions [first day of {@code from}, + days). */
  public static void ensureObservationPartitions(DataSource ds, Instant from, int days)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT vigil_ensure_day_partitions('observations', ?, ?)")) {
      ps.setObject(1, LocalDate.ofInstant(from, ZoneOffset.UTC));
      ps.setInt(2, days);
      ps.execute();
    }
  }

  public static Fingerprint fingerprint(
      String id, String site, Instant firstSeenAt, Instant lastSeenAt) {
    return new Fingerprint(id, site, firstSeenAt, lastSeenAt);
  }

  /** A throttle transition of a fingerprint, as the fingerprints projection writes it. */
  public static void transition(
      DataSource ds, String fingerprint, String site, String from, String to, Instant at)
      throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO throttle_events (fingerprint_id, site_id, from_level, to_level,"
                    + " reason, at) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, fingerprint);
      ps.setString(2, site);
      ps.setString(3, from);
      ps.setString(4, to);
      ps.setString(5, "test: " + from + " to " + to);
      ps.setObject(6, utc(at));
      ps.executeUpdate();
    }
  }

  /** One observations row; {@code action} null for an after-the-fact observation. */
  public record Observation(
      String site, String fingerprint, String source, Instant ts, String action) {}

  public static Observation decision(String site, String fingerprint, Instant ts, String action) {
    return new Observation(site, fingerprint, "decision", ts, action);
  }

  public static Observation observation(
      String site, String fingerprint, Instant ts, String action) {
    return new Observation(site, fingerprint, "observation", ts, action);
  }

  public static void insertAll(DataSource ds, List<Observation> rows) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO observations (observation_id, site_id, session_id, fingerprint_id,"
                    + " source, ts, method, host, path, action)"
                    + " VALUES (?, ?, ?, ?, ?, ?, 'GET', ?, '/', ?)")) {
      for (Observation o : rows) {
        int i = 1;
        ps.setString(i++, "ob-" + OBSERVATION_IDS.incrementAndGet());
        ps.setString(i++, o.site());
        ps.setString(i++, o.site() + "-session");
        ps.setString(i++, o.fingerprint());
        ps.setString(i++, o.source());
        ps.setObject(i++, utc(o.ts()));
        ps.setString(i++, o.site() + ".example");
        ps.setString(i++, o.action());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** A fingerprints row; fields not set keep the table's defaults (normal, reputation 50, ...). */
  public static final class Fingerprint {
    final String id;
    final String site;
    final Instant firstSeenAt;
    final Instant lastSeenAt;
    String level = "normal";
    String pinnedLevel;
    int reputation = 50;
    String immediateClass;
    String immediateName;
    boolean bot;
    int score;
    List<String> reasons = List.of();
    int sessions;
    long requests;
    int escalations;

    Fingerprint(String id, String site, Instant firstSeenAt, Instant lastSeenAt) {
      this.id = id;
      this.site = site;
      this.firstSeenAt = firstSeenAt;
      this.lastSeenAt = lastSeenAt;
    }

    public Fingerprint level(String l, int rep) {
      level = l;
      reputation = rep;
      return this;
    }

    public Fingerprint pinned(String l) {
      pinnedLevel = l;
      return this;
    }

    public Fingerprint immediate(String cls, String name) {
      immediateClass = cls;
      immediateName = name;
      return this;
    }

    public Fingerprint bot(int s, List<String> why) {
      bot = true;
      score = s;
      reasons = why;
      return this;
    }

    public Fingerprint counts(int sessionCount, long requestCount, int escalationCount) {
      sessions = sessionCount;
      requests = requestCount;
      escalations = escalationCount;
      return this;
    }

    public void insert(DataSource ds) throws SQLException {
      try (Connection c = ds.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO fingerprints (fingerprint_id, site_id, first_seen_at, last_seen_at,"
                      + " level, pinned_level, reputation, immediate_class, immediate_name, bot,"
                      + " score, reasons, sessions, requests, escalations)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        int i = 1;
        ps.setString(i++, id);
        ps.setString(i++, site);
        ps.setObject(i++, utc(firstSeenAt));
        ps.setObject(i++, utc(lastSeenAt));
        ps.setString(i++, level);
        ps.setString(i++, pinnedLevel);
        ps.setInt(i++, reputation);
        ps.setString(i++, immediateClass);
        ps.setString(i++, immediateName);
        ps.setBoolean(i++, bot);
        ps.setInt(i++, score);
        ps.setArray(i++, c.createArrayOf("text", reasons.toArray()));
        ps.setInt(i++, sessions);
        ps.setLong(i++, requests);
        ps.setInt(i++, escalations);
        ps.executeUpdate();
      }
    }
  }

  private static OffsetDateTime utc(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }
}
