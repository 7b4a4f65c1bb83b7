package dev.vigil.ledger;

import dev.vigil.analytics.Change;
import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * {@code GET /v1/analytics/costs}: PostgreSQL sums, groups, ranks and buckets; Java maps rows.
 * Synthetic calls are excluded from every figure. Windows are half-open [since, until); the change
 * is against the window of the same length before it; rolling figures end now. All statements run
 * in one read-only repeatable-read transaction, so the figures agree with each other.
 */
public final class CostQueries {
  static final String TOKENS =
      "(input_tokens + output_tokens + cache_read_tokens + cache_write_5m_tokens"
          + " + cache_write_1h_tokens)::bigint";
  static final List<String> DIMENSIONS =
      List.of("model", "provider", "agent", "user", "costContext", "site");
  private static final Map<String, String> COLUMNS =
      Map.of(
          "model", "model",
          "provider", "provider",
          "agent", "agent",
          "user", "user_id",
          "costContext", "cost_context",
          "site", "site_id");

  /** The report. */
  public record CostReport(
      Instant since,
      Instant until,
      Totals totals,
      Map<String, Long> rollingCostMicrodollars,
      Map<String, List<BreakdownRow>> breakdowns,
      Series series) {}

  public record Totals(
      Change costMicrodollars,
      Change requests,
      Change tokens,
      Change avgCostPerRequestMicrodollars,
      long webSearchMicrodollars,
      long reportedCostMicrodollars,
      long unpricedRequests) {}

  /** One key of a breakdown; {@code key} null collects the calls without that attribute. */
  public record BreakdownRow(
      String key, long requests, long tokens, long costMicrodollars, Double share) {}

  public record Series(String bucket, List<Point> points) {}

  public record Point(Instant start, long requests, long tokens, long costMicrodollars) {}

  private final DataSource dataSource;

  public CostQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public CostReport costs(SiteScope scope, LedgerReportParameters p, Instant now)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        return new CostReport(
            p.since(),
            p.until(),
            totals(c, scope, p),
            rolling(c, scope, p, now),
            breakdowns(c, scope, p),
            series(c, scope, p));
      } finally {
        c.rollback(); // nothing was written; ends the transaction before the pool takes it back
      }
    }
  }

  /** The calls of the scope and filters (not synthetic) that started in [from, to). */
  static SqlStatement calls(
      String select, SiteScope scope, LedgerReportParameters p, Instant from, Instant to) {
    return calls(select, List.of(), scope, p, from, to);
  }

  /** The same, with values for the {@code ?} of the select list. */
  static SqlStatement calls(
      String select,
      List<Object> selectValues,
      SiteScope scope,
      LedgerReportParameters p,
      Instant from,
      Instant to) {
    SqlStatement sql =
        new SqlStatement()
            .append(select, selectValues.toArray())
            .append(
                " FROM ai_requests WHERE NOT synthetic AND started_at >= ? AND started_at < ?",
                from,
                to);
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    p.agent().ifPresent(v -> sql.append(" AND agent = ?", v));
    p.user().ifPresent(v -> sql.append(" AND user_id = ?", v));
    p.model().ifPresent(v -> sql.append(" AND model = ?", v));
    p.provider().ifPresent(v -> sql.append(" AND provider = ?", v));
    return sql;
  }

  private static Totals totals(Connection c, SiteScope scope, LedgerReportParameters p)
      throws SQLException {
    Duration length = Duration.between(p.since(), p.until());
    SqlStatement inner =
        calls(
            "SELECT started_at >= ? AS cur, cost_microdollars, web_search_microdollars,"
                + " reported_cost_microdollars, priced, "
                + TOKENS
                + " AS tokens",
            List.of(p.since()),
            scope,
            p,
            p.since().minus(length),
            p.until());
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT count(*) FILTER (WHERE cur) AS n, count(*) FILTER (WHERE NOT cur) AS prev_n,"
                    + " COALESCE(sum(cost_microdollars) FILTER (WHERE cur), 0) AS cost,"
                    + " COALESCE(sum(cost_microdollars) FILTER (WHERE NOT cur), 0) AS prev_cost,"
                    + " COALESCE(sum(tokens) FILTER (WHERE cur), 0) AS tokens,"
                    + " COALESCE(sum(tokens) FILTER (WHERE NOT cur), 0) AS prev_tokens,"
                    + " round(sum(cost_microdollars) FILTER (WHERE cur)::numeric"
                    + " / NULLIF(count(*) FILTER (WHERE cur), 0))::bigint AS avg_cost,"
                    + " round(sum(cost_microdollars) FILTER (WHERE NOT cur)::numeric"
                    + " / NULLIF(count(*) FILTER (WHERE NOT cur), 0))::bigint AS prev_avg_cost,"
                    + " COALESCE(sum(web_search_microdollars) FILTER (WHERE cur), 0) AS web,"
                    + " COALESCE(sum(reported_cost_microdollars) FILTER (WHERE cur), 0) AS reported,"
                    + " count(*) FILTER (WHERE cur AND NOT priced) AS unpriced FROM (")
            .append(inner.text(), inner.values().toArray())
            .append(") w");
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Totals(
          Change.of(rs.getLong("cost"), rs.getLong("prev_cost")),
          Change.of(rs.getLong("n"), rs.getLong("prev_n")),
          Change.of(rs.getLong("tokens"), rs.getLong("prev_tokens")),
          Change.of(
              rs.getObject("avg_cost", Long.class), rs.getObject("prev_avg_cost", Long.class)),
          rs.getLong("web"),
          rs.getLong("reported"),
          rs.getLong("unpriced"));
    }
  }

  private static Map<String, Long> rolling(
      Connection c, SiteScope scope, LedgerReportParameters p, Instant now) throws SQLException {
    SqlStatement bound =
        calls(
            "SELECT COALESCE(sum(cost_microdollars) FILTER (WHERE started_at >= ?), 0),"
                + " COALESCE(sum(cost_microdollars) FILTER (WHERE started_at >= ?), 0),"
                + " COALESCE(sum(cost_microdollars), 0)",
            List.of(now.minus(Duration.ofHours(24)), now.minus(Duration.ofDays(7))),
            scope,
            p,
            now.minus(Duration.ofDays(30)),
            now);
    Map<String, Long> rolling = new LinkedHashMap<>();
    try (PreparedStatement ps = bound.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      rolling.put("24h", rs.getLong(1));
      rolling.put("7d", rs.getLong(2));
      rolling.put("30d", rs.getLong(3));
    }
    return rolling;
  }

  private static Map<String, List<BreakdownRow>> breakdowns(
      Connection c, SiteScope scope, LedgerReportParameters p) throws SQLException {
    SqlStatement inner =
        calls(
            "SELECT model, provider, agent, user_id, cost_context, site_id, cost_microdollars, "
                + TOKENS
                + " AS tokens",
            scope,
            p,
            p.since(),
            p.until());
    StringBuilder dimension = new StringBuilder("CASE");
    StringBuilder key = new StringBuilder("CASE");
    StringBuilder sets = new StringBuilder();
    for (String d : DIMENSIONS) {
      String col = COLUMNS.get(d);
      dimension.append(" WHEN GROUPING(").append(col).append(") = 0 THEN '").append(d).append("'");
      key.append(" WHEN GROUPING(").append(col).append(") = 0 THEN ").append(col);
      sets.append(sets.length() == 0 ? "" : ", ").append("(").append(col).append(")");
    }
    SqlStatement sql =
        new SqlStatement()
            .append("WITH w AS (")
            .append(inner.text(), inner.values().toArray())
            .append(
                "), g AS (SELECT "
                    + dimension
                    + " END AS dimension, "
                    + key
                    + " END AS key, count(*) AS requests, sum(tokens) AS tokens,"
                    + " sum(cost_microdollars) AS cost FROM w GROUP BY GROUPING SETS ("
                    + sets
                    + "))"
                    + " SELECT dimension, key, requests, tokens, cost, share FROM (SELECT g.*,"
                    + " cost::float8 / NULLIF(sum(cost) OVER (PARTITION BY dimension), 0) AS share,"
                    + " row_number() OVER (PARTITION BY dimension"
                    + " ORDER BY cost DESC, requests DESC, key NULLS LAST) AS rank FROM g) r"
                    + " WHERE rank <= ? ORDER BY dimension, rank",
                p.limit());
    Map<String, List<BreakdownRow>> lists = new LinkedHashMap<>();
    DIMENSIONS.forEach(d -> lists.put(d, new ArrayList<>()));
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Double share = rs.getObject("share", Double.class);
        lists
            .get(rs.getString("dimension"))
            .add(
                new BreakdownRow(
                    rs.getString("key"),
                    rs.getLong("requests"),
                    rs.getLong("tokens"),
                    rs.getLong("cost"),
                    share == null ? null : Math.round(share * 10000) / 10000.0));
      }
    }
    return lists;
  }

  private static Series series(Connection c, SiteScope scope, LedgerReportParameters p)
      throws SQLException {
    String unit = p.bucket();
    SqlStatement inner =
        calls(
            "SELECT date_trunc('"
                + unit
                + "', started_at AT TIME ZONE 'UTC') AS bucket,"
                + " count(*) AS n, sum(cost_microdollars) AS cost, sum("
                + TOKENS
                + ") AS tokens",
            scope,
            p,
            p.since(),
            p.until());
    SqlStatement sql =
        new SqlStatement()
            .append("WITH s AS (")
            .append(inner.text(), inner.values().toArray())
            .append(
                " GROUP BY 1) SELECT b AT TIME ZONE 'UTC' AS start, COALESCE(s.n, 0) AS n,"
                    + " COALESCE(s.cost, 0) AS cost, COALESCE(s.tokens, 0) AS tokens"
                    + " FROM generate_series(date_trunc('"
                    + unit
                    + "', ?::timestamptz AT TIME ZONE 'UTC'),"
                    + " (?::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC',"
                    + " interval '1 "
                    + unit
                    + "') AS b LEFT JOIN s ON s.bucket = b ORDER BY b",
                p.since(),
                p.until());
    List<Point> points = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        points.add(
            new Point(
                rs.getTimestamp("start").toInstant(),
                rs.getLong("n"),
                rs.getLong("tokens"),
                rs.getLong("cost")));
      }
    }
    return new Series(unit, points);
  }
}
