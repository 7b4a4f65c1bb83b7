package dev.vigil.ledger;

import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * {@code GET /v1/analytics/requests} (per model: counts, tokens, latency percentiles, error rates)
 * and {@code GET /v1/analytics/tools} (ranking, success rate, durations, last use; one tool's
 * statuses, errors, users and agents). Computed by PostgreSQL; synthetic rows excluded.
 */
public final class UsageQueries {
  private static final Map<String, String> TOOL_ORDER =
      Map.of(
          "executions", "executions DESC",
          "success_rate", "success_rate DESC NULLS LAST, executions DESC",
          "avg_duration", "avg_duration_ms DESC NULLS LAST",
          "p95_duration", "p95_duration_ms DESC NULLS LAST",
          "last_used", "last_used DESC");

  public record RequestReport(
      Instant since, Instant until, RequestStats total, List<RequestStats> models) {}

  /** Figures of one provider and model (both null in the total). */
  public record RequestStats(
      String provider,
      String model,
      long requests,
      long failed,
      long rejected,
      Double errorRate,
      TraceTree.Tokens tokens,
      Double latencyP50Ms,
      Double latencyP95Ms,
      Double latencyP99Ms,
      Double latencyAvgMs,
      Double timeToFirstTokenP50Ms,
      long costMicrodollars) {}

  public record ToolReport(
      Instant since, Instant until, List<ToolStats> tools, ToolDetail detail) {}

  public record ToolStats(
      String toolName,
      String serverName,
      long executions,
      long successes,
      long failed,
      long timeouts,
      long denied,
      Double successRate,
      Double avgDurationMs,
      Double p95DurationMs,
      Instant lastUsed) {}

  /** One tool's breakdowns (when {@code tool} is given). */
  public record ToolDetail(
      String toolName,
      Map<String, Long> statuses,
      List<Count> errors,
      List<Count> users,
      List<Count> agents) {}

  public record Count(String key, long count) {}

  private final DataSource dataSource;

  public UsageQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public RequestReport requests(SiteScope scope, LedgerReportParameters p) throws SQLException {
    SqlStatement inner = CostQueries.calls("SELECT *", scope, p, p.since(), p.until());
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT GROUPING(provider, model) = 3 AS total, provider, model, count(*) AS n,"
                    + " count(*) FILTER (WHERE status = 'failed') AS failed,"
                    + " count(*) FILTER (WHERE status = 'rejected') AS rejected,"
                    + " sum(input_tokens) AS input, sum(output_tokens) AS output,"
                    + " sum(cache_read_tokens) AS cache_read, sum(cache_write_5m_tokens) AS w5,"
                    + " sum(cache_write_1h_tokens) AS w1,"
                    + " percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,"
                    + " percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,"
                    + " percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99,"
                    + " avg(latency_ms)::float8 AS avg_latency,"
                    + " percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_first_token_ms)"
                    + " AS ttft_p50, sum(cost_microdollars) AS cost FROM (")
            .append(inner.text(), inner.values().toArray())
            .append(
                ") w GROUP BY GROUPING SETS ((provider, model), ())"
                    + " ORDER BY total DESC, n DESC, provider, model LIMIT ?",
                p.limit() + 1);
    RequestStats total = null;
    List<RequestStats> models = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long n = rs.getLong("n");
        long failed = rs.getLong("failed");
        RequestStats stats =
            new RequestStats(
                rs.getString("provider"),
                rs.getString("model"),
                n,
                failed,
                rs.getLong("rejected"),
                n == 0 ? null : round((double) failed / n),
                TraceTree.Tokens.of(
                    rs.getLong("input"),
                    rs.getLong("output"),
                    rs.getLong("cache_read"),
                    rs.getLong("w5"),
                    rs.getLong("w1")),
                rounded(rs, "p50"),
                rounded(rs, "p95"),
                rounded(rs, "p99"),
                rounded(rs, "avg_latency"),
                rounded(rs, "ttft_p50"),
                rs.getLong("cost"));
        if (rs.getBoolean("total")) {
          total = stats;
        } else {
          models.add(stats);
        }
      }
    }
    return new RequestReport(p.since(), p.until(), total, models);
  }

  public ToolReport tools(SiteScope scope, LedgerReportParameters p) throws SQLException {
    SqlStatement inner = runs("SELECT *", scope, p);
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT tool_name, server_name, count(*) AS executions,"
                    + " count(*) FILTER (WHERE status = 'success') AS successes,"
                    + " count(*) FILTER (WHERE status = 'failed') AS failed,"
                    + " count(*) FILTER (WHERE status = 'timeout') AS timeouts,"
                    + " count(*) FILTER (WHERE status = 'denied') AS denied,"
                    + " count(*) FILTER (WHERE status = 'success')::float8 / count(*) AS success_rate,"
                    + " avg(duration_ms)::float8 AS avg_duration_ms,"
                    + " percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_duration_ms,"
                    + " max(started_at) AS last_used FROM (")
            .append(inner.text(), inner.values().toArray())
            .append(
                ") w GROUP BY tool_name, server_name ORDER BY "
                    + TOOL_ORDER.get(p.sort())
                    + ", tool_name, server_name NULLS FIRST LIMIT ?",
                p.limit());
    List<ToolStats> tools = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement ps = sql.prepare(c);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tools.add(
              new ToolStats(
                  rs.getString("tool_name"),
                  rs.getString("server_name"),
                  rs.getLong("executions"),
                  rs.getLong("successes"),
                  rs.getLong("failed"),
                  rs.getLong("timeouts"),
                  rs.getLong("denied"),
                  round(rs.getDouble("success_rate")),
                  rounded(rs, "avg_duration_ms"),
                  rounded(rs, "p95_duration_ms"),
                  rs.getTimestamp("last_used").toInstant()));
        }
      }
      return new ToolReport(
          p.since(), p.until(), tools, p.tool().isPresent() ? detail(c, scope, p) : null);
    }
  }

  private static ToolDetail detail(Connection c, SiteScope scope, LedgerReportParameters p)
      throws SQLException {
    SqlStatement inner = runs("SELECT status, error, user_id, agent", scope, p);
    inner.append(" AND tool_name = ?", p.tool().get());
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT dimension, key, n FROM (SELECT dimension, key, n, row_number() OVER"
                    + " (PARTITION BY dimension ORDER BY n DESC, key) AS rank FROM (SELECT CASE"
                    + " WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(error) = 0 THEN 'error'"
                    + " WHEN GROUPING(user_id) = 0 THEN 'user' ELSE 'agent' END AS dimension,"
                    + " COALESCE(status, error, user_id, agent) AS key, count(*) AS n FROM (")
            .append(inner.text(), inner.values().toArray())
            .append(
                ") w GROUP BY GROUPING SETS ((status), (error), (user_id), (agent))) g"
                    + " WHERE key IS NOT NULL) r WHERE rank <= ? ORDER BY dimension, rank",
                p.limit());
    Map<String, Long> statuses = new LinkedHashMap<>();
    Map<String, List<Count>> lists = new LinkedHashMap<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String dimension = rs.getString("dimension");
        if (dimension.equals("status")) {
          statuses.put(rs.getString("key"), rs.getLong("n"));
        } else {
          lists
              .computeIfAbsent(dimension, k -> new ArrayList<>())
              .add(new Count(rs.getString("key"), rs.getLong("n")));
        }
      }
    }
    return new ToolDetail(
        p.tool().get(),
        statuses,
        lists.getOrDefault("error", List.of()),
        lists.getOrDefault("user", List.of()),
        lists.getOrDefault("agent", List.of()));
  }

  private static SqlStatement runs(String select, SiteScope scope, LedgerReportParameters p) {
    SqlStatement sql =
        new SqlStatement()
            .append(
                select
                    + " FROM tool_executions WHERE NOT synthetic AND started_at >= ?"
                    + " AND started_at < ?",
                p.since(),
                p.until());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
    p.server().ifPresent(v -> sql.append(" AND server_name = ?", v));
    p.agent().ifPresent(v -> sql.append(" AND agent = ?", v));
    p.user().ifPresent(v -> sql.append(" AND user_id = ?", v));
    return sql;
  }

  private static Double rounded(ResultSet rs, String column) throws SQLException {
    Double v = rs.getObject(column, Double.class);
    return v == null ? null : Math.round(v * 10) / 10.0;
  }

  private static Double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}
