package dev.vigil.testkit;

import dev.vigil.db.Database;
import dev.vigil.db.DatabaseSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Rows of the read side written straight into {@code sessions} and {@code engagement_events}, with
 * known values, for query tests. Fields not set keep the table's defaults or null.
 */
public final class ReadSideRows {
  private static final AtomicLong EVENT_IDS = new AtomicLong();

  private ReadSideRows() {}

  /** A fresh database on the test server, migrated as at a node's start. */
  public static Database migratedDatabase() {
    return Database.open(
        DatabaseSettings.fromConfig(TestServers.config(TestDatabase.fresh())),
        new SimpleMeterRegistry());
  }

  /** Creates the daily engagement_events partitions [first day of {@code from}, + days). */
  public static void ensurePartitions(DataSource ds, Instant from, int days) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT vigil_ensure_day_partitions('engagement_events', ?, ?)")) {
      ps.setObject(1, LocalDate.ofInstant(from, ZoneOffset.UTC));
      ps.setInt(2, days);
      ps.execute();
    }
  }

  public static Session session(String id, String site, Instant startedAt) {
    return new Session(id, site, startedAt);
  }

  public static Event event(String site, String session, String type, Instant ts, String path) {
    return new Event(site, session, type, ts, path);
  }

  /** {@code n} page views of a path, a minute apart going back from {@code latest}. */
  public static List<Event> pageViews(String site, String path, int n, Instant latest) {
    List<Event> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(event(site, site + "-s" + (i % 5), "page_view", latest.minusSeconds(60L * i), path));
    }
    return rows;
  }

  /** A sessions row; last_seen_at defaults to started_at, ended_at to null. */
  public static final class Session {
    final String id;
    final String site;
    final Instant startedAt;
    Instant lastSeenAt;
    Instant endedAt;
    String visitor;
    String user;
    String landingPath = "/";
    String referrerHost;
    String deviceClass;
    String browser;
    String os;
    String sessionClass = "human";
    int pageViews;
    int score;
    List<String> reasons = List.of();
    String throttleLevel;
    String fingerprint;

    Session(String id, String site, Instant startedAt) {
      this.id = id;
      this.site = site;
      this.startedAt = startedAt;
      this.lastSeenAt = startedAt;
    }

    public Session lastSeen(Instant t) {
      lastSeenAt = t;
      return this;
    }

    public Session ended(Instant t) {
      endedAt = t;
      return this;
    }

    public Session visitor(String v) {
      visitor = v;
      return this;
    }

    public Session user(String u) {
      user = u;
      return this;
    }

    public Session landing(String path) {
      landingPath = path;
      return this;
    }

    public Session referrer(String host) {
      referrerHost = host;
      return this;
    }

    public Session client(String device, String browserName, String osName) {
      deviceClass = device;
      browser = browserName;
      os = osName;
      return this;
    }

    public Session cls(String c) {
      sessionClass = c;
      return this;
    }

    public Session scored(int s, List<String> why, String throttle) {
      score = s;
      reasons = why;
      throttleLevel = throttle;
      return this;
    }

    public Session pageViews(int n) {
      pageViews = n;
      return this;
    }

    public Session fingerprint(String id) {
      fingerprint = id;
      return this;
    }

    public void insert(DataSource ds) throws SQLException {
      try (Connection c = ds.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO sessions (session_id, site_id, visitor_id, user_id, started_at,"
                      + " last_seen_at, ended_at, landing_url, landing_path, referrer_host,"
                      + " utm_source, device_class, browser, os, page_views, beacons, clicks,"
                      + " rage_clicks, dead_clicks, time_on_page_ms, max_scroll_depth, conversions,"
                      + " class, score, reasons, throttle_level, fingerprint_id) VALUES (?, ?, ?, ?,"
                      + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 7, 5, 1, 2, 45000, 60, 1, ?, ?, ?, ?, ?)")) {
        int i = 1;
        ps.setString(i++, id);
        ps.setString(i++, site);
        ps.setString(i++, visitor);
        ps.setString(i++, user);
        ps.setObject(i++, utc(startedAt));
        ps.setObject(i++, utc(lastSeenAt));
        ps.setObject(i++, endedAt == null ? null : utc(endedAt), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setString(i++, "https://" + site + ".example" + landingPath);
        ps.setString(i++, landingPath);
        ps.setString(i++, referrerHost);
        ps.setString(i++, referrerHost == null ? null : "newsletter");
        ps.setString(i++, deviceClass);
        ps.setString(i++, browser);
        ps.setString(i++, os);
        ps.setInt(i++, pageViews);
        ps.setString(i++, sessionClass);
        ps.setInt(i++, score);
        ps.setArray(i++, c.createArrayOf("text", reasons.toArray()));
        ps.setString(i++, throttleLevel);
        ps.setString(i++, fingerprint);
        ps.executeUpdate();
      }
    }
  }

  /** An engagement_events row; page_exit numbers are set with {@link #exit}. */
  public static final class Event {
    final String site;
    final String session;
    final String type;
    final Instant ts;
    final String path;
    String title;
    String contentId;
    Integer timeOnPageMs;
    Integer maxScrollDepth;
    Integer clicks;
    Integer rageClicks;
    Integer deadClicks;
    String readingPattern;

    Event(String site, String session, String type, Instant ts, String path) {
      this.site = site;
      this.session = session;
      this.type = type;
      this.ts = ts;
      this.path = path;
    }

    public Event title(String t) {
      title = t;
      return this;
    }

    public Event contentId(String id) {
      contentId = id;
      return this;
    }

    public Event exit(int timeMs, int depth, int clickCount, int rage, int dead, String pattern) {
      timeOnPageMs = timeMs;
      maxScrollDepth = depth;
      clicks = clickCount;
      rageClicks = rage;
      deadClicks = dead;
      readingPattern = pattern;
      return this;
    }

    public void insert(DataSource ds) throws SQLException {
      insertAll(ds, List.of(this));
    }
  }

  public static void insertAll(DataSource ds, List<Event> events) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO engagement_events (event_id, site_id, session_id, type, ts,"
                    + " received_at, url, host, path, title, content_id, time_on_page_ms,"
                    + " max_scroll_depth, clicks, rage_clicks, dead_clicks, reading_pattern)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (Event e : events) {
        int i = 1;
        ps.setString(i++, "ev-" + EVENT_IDS.incrementAndGet());
        ps.setString(i++, e.site);
        ps.setString(i++, e.session);
        ps.setString(i++, e.type);
        ps.setObject(i++, utc(e.ts));
        ps.setObject(i++, utc(e.ts));
        ps.setString(i++, "https://" + e.site + ".example" + e.path);
        ps.setString(i++, e.site + ".example");
        ps.setString(i++, e.path);
        ps.setString(i++, e.title);
        ps.setString(i++, e.contentId);
        ps.setObject(i++, e.timeOnPageMs, Types.INTEGER);
        ps.setObject(i++, e.maxScrollDepth, Types.SMALLINT);
        ps.setObject(i++, e.clicks, Types.INTEGER);
        ps.setObject(i++, e.rageClicks, Types.INTEGER);
        ps.setObject(i++, e.deadClicks, Types.INTEGER);
        ps.setString(i++, e.readingPattern);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static OffsetDateTime utc(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }
}
