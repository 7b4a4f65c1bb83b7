package dev.vigil.session;

import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The read side of sessions: the {@code sessions} table listed with filters and keyset paging, and
 * one session with its pages from {@code engagement_events}. Blocking JDBC: call it on the blocking
 * dispatcher.
 */
public final class SessionQueries {

  /** A page of the list; {@code nextCursor} is null on the last page. */
  public record SessionList(List<SessionView> sessions, String nextCursor) {}

  /** One page view of a session with the engagement numbers of the page_exit that closed it. */
  public record Page(
      Instant ts,
      String url,
      String path,
      String title,
      Integer timeOnPageMs,
      Integer maxScrollDepth,
      Integer clicks,
      Integer rageClicks,
      Integer deadClicks,
      String readingPattern) {}

  /**
   * Page views one session's view lists at most: a session id anyone with the site's public key can
   * post page views under, or a tab left open for days, must not make an answer of millions.
   */
  public static final int MAX_PAGES = 1_000;

  /** A session's first page views, and whether it has more than those. */
  public record Pages(List<Page> list, boolean truncated) {}

  /**
   * How far outside [started_at, last_seen_at] a session's beacons are looked for: beacons are
   * accepted up to 24 h old, so a client clock can put one up to a day before its session started.
   */
  static final Duration EVENT_MARGIN = Duration.ofDays(1);

  private final DataSource dataSource;

  public SessionQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Sessions newest first by (started_at, session_id), one page after the filter's cursor. */
  public SessionList list(SiteScope scope, SessionFilter filter) throws SQLException {
    SqlStatement sql =
        new SqlStatement().append("SELECT " + SessionView.COLUMNS + " FROM sessions s WHERE TRUE");
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("s.site_id", ids));
    filter.since().ifPresent(t -> sql.append(" AND s.started_at >= ?", t));
    filter.until().ifPresent(t -> sql.append(" AND s.started_at < ?", t));
    filter.sessionClass().ifPresent(c -> sql.append(" AND s.class = ?", c));
    filter.user().ifPresent(u -> sql.append(" AND s.user_id = ?", u));
    filter.landing().ifPresent(p -> sql.append(" AND s.landing_path = ?", p));
    if (filter.directOnly()) {
      sql.append(" AND s.referrer_host IS NULL");
    } else {
      filter.referrer().ifPresent(r -> sql.append(" AND s.referrer_host = ?", r));
    }
    filter
        .cursor()
        .ifPresent(
            c ->
                sql.append(
                    " AND (s.started_at, s.session_id) < (?, ?)", c.startedAt(), c.sessionId()));
    // One row more than asked for tells whether there is a next page without a count query.
    sql.append(" ORDER BY s.started_at DESC, s.session_id DESC LIMIT ?", filter.limit() + 1);

    List<SessionView> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(SessionView.from(rs));
      }
    }
    if (rows.size() <= filter.limit()) {
      return new SessionList(rows, null);
    }
    List<SessionView> page = rows.subList(0, filter.limit());
    SessionView last = page.get(page.size() - 1);
    return new SessionList(
        List.copyOf(page), new SessionCursor(last.startedAt(), last.sessionId()).encode());
  }

  /** One session by id, whatever its site: the caller checks that the token may see it. */
  /**
   * Sessions of the site not ended and seen within {@code window} (the overview's "active now"),
   * for the live {@code stats} event.
   */
  public long activeSessions(String siteId, Instant now, Duration window) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM sessions WHERE site_id = ? AND ended_at IS NULL"
                    + " AND last_seen_at >= ?")) {
      ps.setString(1, siteId);
      ps.setObject(2, OffsetDateTime.ofInstant(now.minus(window), ZoneOffset.UTC));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  public Optional<SessionView> find(String sessionId) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + SessionView.COLUMNS + " FROM sessions s WHERE s.session_id = ?")) {
      ps.setString(1, sessionId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(SessionView.from(rs)) : Optional.empty();
      }
    }
  }

  /**
   * The session's page views in time order, each with the first page_exit of the same path at or
   * after it and before the session's next page view. Both scans are bounded by the session's time
   * span (plus {@link #EVENT_MARGIN}) so only the partitions of those days are read, and by its
   * site: session ids are minted by clients, so another site may reuse one.
   */
  public Pages pages(SessionView session) throws SQLException {
    return pages(session, MAX_PAGES);
  }

  /** The first {@code max} page views; {@code truncated} when the session has more. */
  Pages pages(SessionView session, int max) throws SQLException {
    Instant from = session.startedAt().minus(EVENT_MARGIN);
    Instant to = session.lastSeenAt().plus(EVENT_MARGIN);
    String site = session.siteId();
    String id = session.sessionId();
    SqlStatement sql =
        new SqlStatement()
            .append(
                "WITH views AS ("
                    + " SELECT v.ts, v.event_id, v.url, v.path, v.title,"
                    + " lead(v.ts) OVER (ORDER BY v.ts, v.event_id) AS next_ts"
                    + " FROM engagement_events v"
                    + " WHERE v.site_id = ? AND v.session_id = ? AND v.type = 'page_view'"
                    + " AND v.ts >= ? AND v.ts <= ?"
                    + " ORDER BY v.ts, v.event_id LIMIT ?)",
                site,
                id,
                from,
                to,
                max + 1)
            .append(
                " SELECT views.ts, views.url, views.path, views.title, x.time_on_page_ms,"
                    + " x.max_scroll_depth, x.clicks, x.rage_clicks, x.dead_clicks,"
                    + " x.reading_pattern"
                    + " FROM views LEFT JOIN LATERAL ("
                    + " SELECT e.time_on_page_ms, e.max_scroll_depth, e.clicks, e.rage_clicks,"
                    + " e.dead_clicks, e.reading_pattern"
                    + " FROM engagement_events e"
                    + " WHERE e.site_id = ? AND e.session_id = ? AND e.type = 'page_exit'"
                    + " AND e.path = views.path AND e.ts >= views.ts"
                    + " AND (views.next_ts IS NULL OR e.ts < views.next_ts)"
                    + " AND e.ts >= ? AND e.ts <= ?"
                    + " ORDER BY e.ts, e.event_id LIMIT 1) x ON TRUE"
                    + " ORDER BY views.ts, views.event_id",
                site,
                id,
                from,
                to);
    List<Page> pages = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        pages.add(
            new Page(
                SessionView.instant(rs, "ts"),
                rs.getString("url"),
                rs.getString("path"),
                rs.getString("title"),
                rs.getObject("time_on_page_ms", Integer.class),
                rs.getObject("max_scroll_depth", Integer.class),
                rs.getObject("clicks", Integer.class),
                rs.getObject("rage_clicks", Integer.class),
                rs.getObject("dead_clicks", Integer.class),
                rs.getString("reading_pattern")));
      }
    }
    if (pages.size() <= max) {
      return new Pages(pages, false);
    }
    return new Pages(List.copyOf(pages.subList(0, max)), true);
  }
}
