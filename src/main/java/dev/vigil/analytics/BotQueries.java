package dev.vigil.analytics;

import dev.vigil.analytics.BotReport.ClassCount;
import dev.vigil.analytics.BotReport.Interval;
import dev.vigil.analytics.BotReport.Kinds;
import dev.vigil.analytics.BotReport.NameCount;
import dev.vigil.analytics.BotReport.OffendingFingerprint;
import dev.vigil.analytics.BotReport.Totals;
import dev.vigil.db.SqlStatement;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.tenancy.SiteScope;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The bots report. PostgreSQL counts, ranks and buckets (date_trunc in UTC, zero-filled by
 * generate_series); Java only maps rows. Windows are half-open [since, until). Four statements in
 * one read-only repeatable-read transaction, so the figures come from one snapshot. Blocking JDBC:
 * call it on the blocking dispatcher.
 */
public final class BotQueries {
  /** Throttle levels from mildest to harshest: a transition up this list is an escalation. */
  private static final String[] LEVEL_ORDER =
      Arrays.stream(ThrottleLevel.values()).map(ThrottleLevel::wire).toArray(String[]::new);

  private final DataSource dataSource;

  public BotQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public BotReport report(SiteScope scope, BotReportParameters p) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        List<ClassCount> classes = new ArrayList<>();
        Totals totals = sessionsByClass(c, scope, p, classes);
        return new BotReport(
            p.since(),
            p.until(),
            p.bucket().wire(),
            totals,
            new Kinds(classes, names(c, scope, p)),
            topFingerprints(c, scope, p),
            overTime(c, scope, p));
      } finally {
        c.rollback(); // nothing was written; ends the transaction before the pool takes it back
      }
    }
  }

  /** The totals, and the bot classes into {@code classes}: one grouping-sets query. */
  private static Totals sessionsByClass(
      Connection c, SiteScope scope, BotReportParameters p, List<ClassCount> classes)
      throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT class, GROUPING(class) = 1 AS total, count(*) AS sessions,"
                    + " count(*) FILTER (WHERE class = 'human') AS human,"
                    + " count(*) FILTER (WHERE class = 'ghost') AS ghost,"
                    + " count(*) FILTER (WHERE class NOT IN ('human', 'ghost')) AS bot,"
                    + " count(*) FILTER (WHERE class NOT IN ('human', 'ghost'))::float8"
                    + " / NULLIF(count(*), 0) AS bot_share"
                    + " FROM sessions WHERE started_at >= ? AND started_at < ?",
                p.since(),
                p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    // The empty grouping set yields its row even without sessions: the totals are always there.
    sql.append(
        " GROUP BY GROUPING SETS ((class), ())"
            + " HAVING GROUPING(class) = 1 OR class NOT IN ('human', 'ghost')"
            + " ORDER BY GROUPING(class) DESC, sessions DESC, class");
    Totals totals = null;
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (rs.getBoolean("total")) {
          totals =
              new Totals(
                  rs.getLong("sessions"),
                  rs.getLong("human"),
                  rs.getLong("bot"),
                  rs.getLong("ghost"),
                  rs.getObject("bot_share", Double.class));
        } else {
          classes.add(new ClassCount(rs.getString("class"), rs.getLong("sessions")));
        }
      }
    }
    return totals;
  }

  /** Bot sessions by the immediate name of their fingerprint (googlebot, gptbot, curl, ...). */
  private static List<NameCount> names(Connection c, SiteScope scope, BotReportParameters p)
      throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT s.class, f.immediate_name AS name, count(*) AS sessions FROM sessions s"
                    + " JOIN fingerprints f ON f.fingerprint_id = s.fingerprint_id"
                    + " WHERE s.started_at >= ? AND s.started_at < ?"
                    + " AND s.class NOT IN ('human', 'ghost') AND f.immediate_name IS NOT NULL",
                p.since(),
                p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("s.site_id", ids));
    sql.append(
        " GROUP BY s.class, f.immediate_name ORDER BY sessions DESC, name, s.class LIMIT ?",
        p.limit());
    List<NameCount> names = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        names.add(
            new NameCount(rs.getString("class"), rs.getString("name"), rs.getLong("sessions")));
      }
    }
    return names;
  }

  /**
   * Fingerprints seen during the window that have offended or are known bots, by lifetime
   * escalations, then requests. A fingerprint at normal, never escalated, neither recognised nor
   * scored a bot is a visitor, not an offender, and is left out.
   */
  private static List<OffendingFingerprint> topFingerprints(
      Connection c, SiteScope scope, BotReportParameters p) throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT fingerprint_id, site_id, level, pinned_level,"
                    + " COALESCE(pinned_level, level) AS effective_level, reputation,"
                    + " immediate_class, immediate_name, bot, score, reasons, sessions, requests,"
                    + " escalations, first_seen_at, last_seen_at FROM fingerprints"
                    + " WHERE last_seen_at >= ? AND first_seen_at < ?"
                    + " AND (escalations > 0 OR bot OR immediate_class IS NOT NULL"
                    + " OR COALESCE(pinned_level, level) <> 'normal')",
                p.since(),
                p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    sql.append(" ORDER BY escalations DESC, requests DESC, fingerprint_id LIMIT ?", p.limit());
    List<OffendingFingerprint> rows = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(
            new OffendingFingerprint(
                rs.getString("fingerprint_id"),
                rs.getString("site_id"),
                rs.getString("level"),
                rs.getString("pinned_level"),
                rs.getString("effective_level"),
                rs.getInt("reputation"),
                rs.getString("immediate_class"),
                rs.getString("immediate_name"),
                rs.getBoolean("bot"),
                rs.getInt("score"),
                texts(rs.getArray("reasons")),
                rs.getInt("sessions"),
                rs.getLong("requests"),
                rs.getInt("escalations"),
                instant(rs, "first_seen_at"),
                instant(rs, "last_seen_at")));
      }
    }
    return rows;
  }

  /**
   * Per bucket: escalations (a de-escalation after a cooldown is no offence) and enforced
   * decisions. Buckets are computed on UTC wall time, whatever the session's time zone, so a day is
   * a UTC day; every bucket that overlaps the window is present, with zeros when nothing happened.
   */
  private static List<Interval> overTime(Connection c, SiteScope scope, BotReportParameters p)
      throws SQLException {
    SqlStatement sql = overTimeStatement(scope, p);
    List<Interval> intervals = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        intervals.add(
            new Interval(
                instant(rs, "start"),
                rs.getLong("throttle_escalations"),
                rs.getLong("block_escalations"),
                rs.getLong("throttle_decisions"),
                rs.getLong("block_decisions")));
      }
    }
    return intervals;
  }

  /**
   * The query of {@link #overTime}. Its count of throttled and blocked decisions is what the
   * partial index of observations serves (V12): it must keep that index's filter, {@code action IN
   * ('throttle', 'block')}, or read every decision of the window (BotQueriesIT checks the plan).
   */
  static SqlStatement overTimeStatement(SiteScope scope, BotReportParameters p) {
    String field = p.bucket().wire();
    SqlStatement sql =
        new SqlStatement()
            .append(
                "WITH buckets AS (SELECT b FROM generate_series(date_trunc(?, ? AT TIME ZONE 'UTC'),"
                    + " ? AT TIME ZONE 'UTC', ?::interval) b"
                    + " WHERE b < ? AT TIME ZONE 'UTC' AND ? < ?),",
                field,
                p.since(),
                p.until(),
                p.bucket().sqlStep(),
                p.until(),
                p.since(),
                p.until())
            .append(
                " transitions AS (SELECT date_trunc(?, at AT TIME ZONE 'UTC') AS b,"
                    + " count(*) FILTER (WHERE to_level IN ('warning', 'severe')) AS throttles,"
                    + " count(*) FILTER (WHERE to_level = 'blocked') AS blocks"
                    + " FROM throttle_events WHERE at >= ? AND at < ?"
                    + " AND array_position(?, to_level) > array_position(?, from_level)",
                field,
                p.since(),
                p.until(),
                LEVEL_ORDER,
                LEVEL_ORDER);
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    sql.append(
        " GROUP BY 1), decisions AS (SELECT date_trunc(?, ts AT TIME ZONE 'UTC') AS b,"
            + " count(*) FILTER (WHERE action = 'throttle') AS throttles,"
            + " count(*) FILTER (WHERE action = 'block') AS blocks"
            + " FROM observations WHERE source = 'decision' AND action IN ('throttle', 'block')"
            + " AND ts >= ? AND ts < ?",
        field,
        p.since(),
        p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    sql.append(
        " GROUP BY 1) SELECT buckets.b AT TIME ZONE 'UTC' AS start,"
            + " COALESCE(t.throttles, 0) AS throttle_escalations,"
            + " COALESCE(t.blocks, 0) AS block_escalations,"
            + " COALESCE(d.throttles, 0) AS throttle_decisions,"
            + " COALESCE(d.blocks, 0) AS block_decisions"
            + " FROM buckets LEFT JOIN transitions t ON t.b = buckets.b"
            + " LEFT JOIN decisions d ON d.b = buckets.b ORDER BY buckets.b");
    return sql;
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    return Optional.ofNullable(rs.getObject(column, OffsetDateTime.class))
        .map(OffsetDateTime::toInstant)
        .orElse(null);
  }

  private static List<String> texts(Array array) throws SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }
}
