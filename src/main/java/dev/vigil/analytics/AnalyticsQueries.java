package dev.vigil.analytics;

import dev.vigil.analytics.AnalyticsReports.Bucket;
import dev.vigil.analytics.AnalyticsReports.ContentItem;
import dev.vigil.analytics.AnalyticsReports.ContentReport;
import dev.vigil.analytics.AnalyticsReports.Overview;
import dev.vigil.analytics.AnalyticsReports.TrafficReport;
import dev.vigil.analytics.AnalyticsReports.WindowFigures;
import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Content, traffic and overview reports. PostgreSQL does every count, sum and average; Java only
 * maps the aggregated rows and applies the trend and change rules. Windows are half-open [since,
 * until). Blocking JDBC: call it on the blocking dispatcher.
 */
public final class AnalyticsQueries {
  /** Time on page above 30 minutes is a tab left open, not reading: capped before averaging. */
  static final long TIME_ON_PAGE_CAP_MS = Duration.ofMinutes(30).toMillis();

  /** A session seen within this long and not ended counts as active now. */
  public static final Duration ACTIVE_WINDOW = Duration.ofMinutes(5);

  private static final Map<String, Duration> OVERVIEW_WINDOWS = overviewWindows();

  private final DataSource dataSource;

  public AnalyticsQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Per content key, by views; the 7/30-day figures are the days before {@code now}. */
  public ContentReport content(SiteScope scope, ReportParameters p, Instant now)
      throws SQLException {
    Instant d7 = now.minus(Duration.ofDays(7));
    Instant d30 = now.minus(Duration.ofDays(30));
    // One scan bounded by both the report window and the trend windows (partition pruning).
    Instant scanFrom = p.since().isBefore(d30) ? p.since() : d30;
    Instant scanTo = p.until().isAfter(now) ? p.until() : now;
    SqlStatement sql =
        new SqlStatement()
            .append(
                "WITH ev AS (SELECT e.type, e.session_id, e.ts, e.content_id IS NOT NULL AS by_id,"
                    + " COALESCE(e.content_id, e.path) AS content_key, e.time_on_page_ms,"
                    + " e.max_scroll_depth, e.clicks, (e.ts >= ? AND e.ts < ?) AS in_window"
                    + " FROM engagement_events e LEFT JOIN sessions s"
                    + " ON s.session_id = e.session_id AND s.site_id = e.site_id"
                    + " WHERE e.type IN ('page_view', 'page_exit') AND e.ts >= ? AND e.ts < ?",
                p.since(),
                p.until(),
                scanFrom,
                scanTo);
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("e.site_id", ids));
    if (!p.includeBots()) {
      // No sessions row yet (projection lag, or beacons only) counts as human.
      sql.append(" AND (s.class IS NULL OR s.class = 'human')");
    }
    sql.append(
            ") SELECT by_id, content_key,"
                + " count(*) FILTER (WHERE type = 'page_view' AND in_window) AS views,"
                + " count(DISTINCT session_id) FILTER (WHERE type = 'page_view' AND in_window)"
                + " AS unique_sessions,"
                + " round(avg(LEAST(time_on_page_ms, ?))"
                + " FILTER (WHERE type = 'page_exit' AND in_window)) AS avg_time_on_page_ms,"
                + " round(avg(max_scroll_depth) FILTER (WHERE type = 'page_exit' AND in_window), 1)"
                + " AS avg_scroll_depth,"
                + " COALESCE(sum(clicks) FILTER (WHERE type = 'page_exit' AND in_window), 0)"
                + " AS clicks,",
            TIME_ON_PAGE_CAP_MS)
        .append(
            " count(*) FILTER (WHERE type = 'page_view' AND ts >= ? AND ts < ?) AS views_7d,",
            d7,
            now)
        .append(
            " count(*) FILTER (WHERE type = 'page_view' AND ts >= ? AND ts < ?) AS views_30d",
            d30,
            now)
        .append(
            " FROM ev GROUP BY by_id, content_key HAVING bool_or(in_window)"
                + " ORDER BY views DESC, content_key, by_id LIMIT ?",
            p.limit());
    List<ContentItem> items = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long views7d = rs.getLong("views_7d");
        long views30d = rs.getLong("views_30d");
        BigDecimal avgTime = rs.getBigDecimal("avg_time_on_page_ms");
        BigDecimal avgDepth = rs.getBigDecimal("avg_scroll_depth");
        items.add(
            new ContentItem(
                rs.getString("content_key"),
                rs.getBoolean("by_id") ? "contentId" : "path",
                rs.getLong("views"),
                rs.getLong("unique_sessions"),
                avgTime == null ? null : avgTime.longValue(),
                avgDepth == null ? null : avgDepth.doubleValue(),
                rs.getLong("clicks"),
                views7d,
                views30d,
                Trend.of(views7d, views30d).wire()));
      }
    }
    return new ContentReport(p.since(), p.until(), p.includeBots(), items);
  }

  /** Sessions started in the window, split six ways in one grouping-sets query. */
  public TrafficReport traffic(SiteScope scope, ReportParameters p) throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "WITH s AS (SELECT COALESCE(referrer_host, 'direct') AS source, landing_path,"
                    + " device_class, browser, os, class FROM sessions"
                    + " WHERE started_at >= ? AND started_at < ?",
                p.since(),
                p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    sql.append(
        "), grouped AS (SELECT CASE WHEN GROUPING(source) = 0 THEN 'sources'"
            + " WHEN GROUPING(landing_path) = 0 THEN 'landingPages'"
            + " WHEN GROUPING(device_class) = 0 THEN 'devices'"
            + " WHEN GROUPING(browser) = 0 THEN 'browsers' WHEN GROUPING(os) = 0 THEN 'os'"
            + " WHEN GROUPING(class) = 0 THEN 'classes' ELSE 'total' END AS dimension,"
            // the columns a grouping set does not group by are null, so this is its own key
            + " COALESCE(source, landing_path, device_class, browser, os, class) AS key,"
            + " count(*) AS sessions FROM s GROUP BY GROUPING SETS"
            + " ((source), (landing_path), (device_class), (browser), (os), (class), ()))"
            + " SELECT dimension, key, sessions FROM (SELECT g.*, row_number() OVER"
            + " (PARTITION BY dimension ORDER BY sessions DESC, key NULLS LAST) AS rank"
            + " FROM grouped g) ranked WHERE rank <= ? OR dimension = 'total'"
            + " ORDER BY dimension, rank",
        p.limit());
    Map<String, List<Bucket>> lists = new HashMap<>();
    long total = 0;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String dimension = rs.getString("dimension");
        if (dimension.equals("total")) {
          total = rs.getLong("sessions");
        } else {
          lists
              .computeIfAbsent(dimension, k -> new ArrayList<>())
              .add(new Bucket(rs.getString("key"), rs.getLong("sessions")));
        }
      }
    }
    return new TrafficReport(
        p.since(),
        p.until(),
        total,
        lists.getOrDefault("sources", List.of()),
        lists.getOrDefault("landingPages", List.of()),
        lists.getOrDefault("devices", List.of()),
        lists.getOrDefault("browsers", List.of()),
        lists.getOrDefault("os", List.of()),
        lists.getOrDefault("classes", List.of()));
  }

  /**
   * Active sessions and, per window, two statements (sessions, engagement_events) that each compute
   * the window and the one before it with FILTER clauses. All in one read-only repeatable-read
   * transaction, so the figures come from one snapshot.
   */
  public Overview overview(SiteScope scope, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        long active = activeNow(c, scope, now);
        Map<String, WindowFigures> windows = new LinkedHashMap<>();
        for (var w : OVERVIEW_WINDOWS.entrySet()) {
          windows.put(w.getKey(), window(c, scope, now.minus(w.getValue()), now, w.getValue()));
        }
        return new Overview(now, active, windows);
      } finally {
        c.rollback(); // nothing was written; ends the transaction before the pool takes it back
      }
    }
  }

  private static long activeNow(Connection c, SiteScope scope, Instant now) throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT count(*) FROM sessions WHERE ended_at IS NULL AND last_seen_at >= ?",
                now.minus(ACTIVE_WINDOW));
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static WindowFigures window(
      Connection c, SiteScope scope, Instant since, Instant until, Duration length)
      throws SQLException {
    Instant previousSince = since.minus(length);
    SqlStatement sessions =
        new SqlStatement()
            .append(
                "SELECT count(*) FILTER (WHERE cur) AS n, count(*) FILTER (WHERE NOT cur) AS prev_n,"
                    + " count(DISTINCT visitor_id) FILTER (WHERE cur) AS visitors,"
                    + " count(DISTINCT visitor_id) FILTER (WHERE NOT cur) AS prev_visitors,"
                    + " count(*) FILTER (WHERE cur AND bot)::float8"
                    + " / NULLIF(count(*) FILTER (WHERE cur), 0) AS bot_share,"
                    + " count(*) FILTER (WHERE NOT cur AND bot)::float8"
                    + " / NULLIF(count(*) FILTER (WHERE NOT cur), 0) AS prev_bot_share"
                    + " FROM (SELECT started_at >= ? AS cur, visitor_id, class NOT IN ('human', 'ghost') AS bot"
                    + " FROM sessions WHERE started_at >= ? AND started_at < ?",
                since,
                previousSince,
                until);
    scope.restriction().ifPresent(ids -> sessions.append(" AND ").anyOf("site_id", ids));
    sessions.append(") w");
    SqlStatement events =
        new SqlStatement()
            .append(
                "SELECT count(*) FILTER (WHERE cur AND type = 'page_view') AS page_views,"
                    + " count(*) FILTER (WHERE NOT cur AND type = 'page_view') AS prev_page_views,"
                    + " count(*) FILTER (WHERE cur AND type = 'conversion') AS conversions,"
                    + " count(*) FILTER (WHERE NOT cur AND type = 'conversion')"
                    + " AS prev_conversions"
                    + " FROM (SELECT ts >= ? AS cur, type FROM engagement_events"
                    + " WHERE type IN ('page_view', 'conversion') AND ts >= ? AND ts < ?",
                since,
                previousSince,
                until);
    scope.restriction().ifPresent(ids -> events.append(" AND ").anyOf("site_id", ids));
    events.append(") w");
    try (PreparedStatement ps = sessions.prepare(c);
        ResultSet s = ps.executeQuery();
        PreparedStatement pe = events.prepare(c);
        ResultSet e = pe.executeQuery()) {
      s.next();
      e.next();
      return new WindowFigures(
          since,
          until,
          Change.of(s.getLong("n"), s.getLong("prev_n")),
          Change.of(s.getLong("visitors"), s.getLong("prev_visitors")),
          Change.of(e.getLong("page_views"), e.getLong("prev_page_views")),
          Change.of(e.getLong("conversions"), e.getLong("prev_conversions")),
          Change.of(
              s.getObject("bot_share", Double.class), s.getObject("prev_bot_share", Double.class)));
    }
  }

  private static Map<String, Duration> overviewWindows() {
    Map<String, Duration> windows = new LinkedHashMap<>();
    windows.put("24h", Duration.ofHours(24));
    windows.put("7d", Duration.ofDays(7));
    windows.put("30d", Duration.ofDays(30));
    return windows;
  }
}
