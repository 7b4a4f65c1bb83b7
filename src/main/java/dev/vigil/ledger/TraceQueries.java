package dev.vigil.ledger;

import dev.vigil.db.SqlStatement;
import dev.vigil.tenancy.SiteScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * Finds a trace from any id of it and reads its rows. Each step is index lookups (trace, request,
 * execution and task ids are indexed in byte order, so a prefix is a range scan): an exact id first
 * (a trace id before a request or execution id before a task id, whose latest trace wins), then a
 * prefix of at least {@value #MIN_PREFIX} characters of any of them. The ids carry no date, so each
 * step searches the last 35 days, then the rest of the retention: a window reads only its days'
 * partitions, and recent traces are the ones people look up. A match (exact, else prefix) in the
 * recent window wins over one in the older window. Blocking JDBC.
 */
public final class TraceQueries {
  public static final int MIN_PREFIX = 8;

  /** Candidates listed when a prefix is ambiguous. */
  static final int MAX_CANDIDATES = 10;

  /**
   * Lookups search the recent days first: recent traces are what people look up, and planning a
   * query costs about as much as the day partitions it may touch.
   */
  static final Duration RECENT = Duration.ofDays(35);

  /** A trace's rows are read within this long either side of the row that matched. */
  static final Duration TRACE_REACH = Duration.ofDays(3);

  /**
   * How an id was resolved: to one trace (with the start of a row that matched), to several
   * (ambiguous prefix), or to none.
   */
  public record Resolution(
      Optional<String> traceId, Instant at, String matchedAs, List<String> candidates) {}

  /** A trace's rows; {@code truncated} when there were more than the row limit. */
  public record Rows(
      List<AiRequestView> calls,
      List<ToolExecutionView> runs,
      List<TraceTree.Node> anomalies,
      List<LinkedSession> sessions,
      boolean truncated) {}

  /** A web session that calls of the trace name (its sessions row). */
  public record LinkedSession(
      String sessionId, String site, Instant startedAt, Instant lastSeenAt, String sessionClass) {}

  private final DataSource dataSource;

  public TraceQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Searches the last 35 days, then the rest of the retention. Rows start at most minutes ahead of
   * now, so the empty partitions kept ahead are left out.
   */
  static List<Window> windows(Instant now) {
    Instant recent = now.minus(RECENT);
    return List.of(new Window(recent, now.plus(Duration.ofDays(1))), new Window(null, recent));
  }

  /** A span of starts, open at either end (null). */
  record Window(Instant from, Instant to) {
    void bound(SqlStatement sql) {
      if (from != null) {
        sql.append(" AND started_at >= ?", from);
      }
      if (to != null) {
        sql.append(" AND started_at < ?", to);
      }
    }
  }

  public Resolution resolve(String id, SiteScope scope, Instant now) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      for (Window w : windows(now)) {
        // Most lookups are a trace or request id of a model call: one statement answers them.
        Optional<Match> ai = exact(c, scope, w, id, "ai_requests", "request_id");
        if (ai.isPresent() && ai.get().rank() < 3) {
          return ai.get().resolution();
        }
        Optional<Match> tool = exact(c, scope, w, id, "tool_executions", "execution_id");
        Optional<Match> best =
            Stream.of(ai, tool)
                .flatMap(Optional::stream)
                .min(
                    Comparator.comparingInt(Match::rank)
                        .thenComparing(Match::startedAt, Comparator.reverseOrder()));
        if (best.isPresent()) {
          return best.get().resolution();
        }
        if (id.length() >= MIN_PREFIX) {
          Map<String, Instant> traces = new TreeMap<>();
          byPrefix(c, scope, w, id, "ai_requests", "request_id", traces);
          byPrefix(c, scope, w, id, "tool_executions", "execution_id", traces);
          if (traces.size() == 1) {
            var only = traces.entrySet().iterator().next();
            return new Resolution(Optional.of(only.getKey()), only.getValue(), "prefix", List.of());
          }
          if (!traces.isEmpty()) {
            List<String> candidates = traces.keySet().stream().limit(MAX_CANDIDATES).toList();
            return new Resolution(Optional.empty(), null, "prefix", candidates);
          }
        }
      }
      return new Resolution(Optional.empty(), null, "none", List.of());
    }
  }

  /** A row whose trace (rank 1), own (2) or task (3) id is the id; tasks take their latest. */
  private record Match(String traceId, int rank, Instant startedAt) {
    Resolution resolution() {
      String kind =
          switch (rank) {
            case 1 -> "trace";
            case 2 -> "request";
            default -> "task";
          };
      return new Resolution(Optional.of(traceId), startedAt, kind, List.of());
    }
  }

  private static Optional<Match> exact(
      Connection c, SiteScope scope, Window w, String id, String table, String idColumn)
      throws SQLException {
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT trace_id, CASE WHEN trace_id = ? THEN 1 WHEN "
                    + idColumn
                    + " = ? THEN 2 ELSE 3 END AS rank, started_at FROM "
                    + table
                    + " WHERE (trace_id = ? OR "
                    + idColumn
                    + " = ? OR task_id = ?)",
                id,
                id,
                id,
                id,
                id);
    w.bound(sql);
    restrict(sql, scope);
    sql.append(" ORDER BY rank, started_at DESC LIMIT 1");
    try (PreparedStatement ps = prepare(c, sql);
        ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(new Match(rs.getString(1), rs.getInt(2), rs.getTimestamp(3).toInstant()))
          : Optional.empty();
    }
  }

  /** Adds the traces with an id of the table starting with the prefix (a few more than listed). */
  private static void byPrefix(
      Connection c,
      SiteScope scope,
      Window w,
      String prefix,
      String table,
      String idColumn,
      Map<String, Instant> traces)
      throws SQLException {
    // ids are printable ASCII (below 0x7F) in byte order: [prefix, prefix + DEL) is the prefix
    String upper = prefix + '\u007f';
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT trace_id, max(started_at) FROM (SELECT trace_id, started_at FROM "
                    + table
                    + " WHERE ((trace_id >= ? AND trace_id < ?) OR ("
                    + idColumn
                    + " >= ? AND "
                    + idColumn
                    + " < ?) OR (task_id >= ? AND task_id < ?))",
                prefix,
                upper,
                prefix,
                upper,
                prefix,
                upper);
    w.bound(sql);
    restrict(sql, scope);
    sql.append(" LIMIT ?) t GROUP BY trace_id LIMIT ?", MAX_CANDIDATES * 20, MAX_CANDIDATES + 1);
    try (PreparedStatement ps = prepare(c, sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        traces.merge(
            rs.getString(1), rs.getTimestamp(2).toInstant(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
  }

  /**
   * The rows of a trace in start order, at most {@code maxRows} calls plus runs, within {@link
   * #TRACE_REACH} of the row that matched (so only those days' partitions are read).
   */
  public Rows rows(String traceId, Instant at, SiteScope scope, int maxRows) throws SQLException {
    Window reach = new Window(at.minus(TRACE_REACH), at.plus(TRACE_REACH));
    try (Connection c = dataSource.getConnection()) {
      List<AiRequestView> calls = new ArrayList<>();
      SqlStatement ai =
          new SqlStatement()
              .append(
                  "SELECT " + AiRequestView.COLUMNS + " FROM ai_requests WHERE trace_id = ?",
                  traceId);
      reach.bound(ai);
      restrict(ai, scope);
      ai.append(" ORDER BY started_at, request_id LIMIT ?", maxRows + 1);
      try (PreparedStatement ps = prepare(c, ai);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          calls.add(AiRequestView.from(rs));
        }
      }
      List<ToolExecutionView> runs = new ArrayList<>();
      SqlStatement tools =
          new SqlStatement()
              .append(
                  "SELECT "
                      + ToolExecutionView.COLUMNS
                      + " FROM tool_executions WHERE trace_id = ?",
                  traceId);
      reach.bound(tools);
      restrict(tools, scope);
      tools.append(" ORDER BY started_at, execution_id LIMIT ?", maxRows + 1);
      try (PreparedStatement ps = prepare(c, tools);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          runs.add(ToolExecutionView.from(rs));
        }
      }
      boolean truncated = calls.size() + runs.size() > maxRows;
      if (calls.size() > maxRows) {
        calls = calls.subList(0, maxRows);
      }
      if (calls.size() + runs.size() > maxRows) {
        runs = runs.subList(0, Math.max(0, maxRows - calls.size()));
      }
      return new Rows(calls, runs, anomalies(c, calls), sessions(c, calls, runs), truncated);
    }
  }

  /**
   * Planned with the actual bounds each time (no server-side generic plan): PostgreSQL then prunes
   * the day partitions outside the window while planning, instead of locking every partition of the
   * retention at each execution.
   */
  private static PreparedStatement prepare(Connection c, SqlStatement sql) throws SQLException {
    PreparedStatement ps = sql.prepare(c);
    ps.unwrap(PGStatement.class).setPrepareThreshold(0);
    return ps;
  }

  /** Budget anomalies of the trace's agents and users that opened while it ran. */
  private static List<TraceTree.Node> anomalies(Connection c, List<AiRequestView> calls)
      throws SQLException {
    if (calls.isEmpty()) {
      return List.of();
    }
    Set<String> subjects = new LinkedHashSet<>();
    Instant start = calls.get(0).startedAt();
    Instant end = start;
    for (AiRequestView r : calls) {
      subjects.add(r.site());
      if (r.agent() != null) {
        subjects.add(r.site() + "/" + r.agent());
      }
      if (r.userId() != null) {
        subjects.add(r.site() + "/" + r.userId());
      }
      Instant e = r.endedAt() != null ? r.endedAt() : r.startedAt();
      end = e.isAfter(end) ? e : end;
    }
    // spend is told after the commit, so a crossing lands a moment after the call that caused it
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT anomaly_id, site_id, subject_kind, subject_id, level, value, threshold,"
                    + " opened_at FROM anomalies WHERE metric = 'cost'")
            .append(" AND ")
            .anyOf("subject_id", List.copyOf(subjects))
            .append(
                " AND opened_at >= ? AND opened_at <= ? ORDER BY opened_at",
                start,
                end.plus(Duration.ofMinutes(1)));
    List<TraceTree.Node> nodes = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Instant at = AiRequestView.instant(rs, "opened_at");
        var row =
            new AnomalyView(
                rs.getString("anomaly_id"),
                rs.getString("site_id"),
                rs.getString("subject_kind"),
                rs.getString("subject_id"),
                rs.getString("level"),
                rs.getDouble("value"),
                rs.getDouble("threshold"),
                at);
        nodes.add(
            new TraceTree.Node(
                "anomaly", row.anomalyId(), null, null, at, null, row, new ArrayList<>()));
      }
    }
    return nodes;
  }

  /** A budget anomaly in a trace's timeline. */
  public record AnomalyView(
      String anomalyId,
      String site,
      String subjectKind,
      String subjectId,
      String level,
      double value,
      double threshold,
      Instant openedAt) {}

  private static List<LinkedSession> sessions(
      Connection c, List<AiRequestView> calls, List<ToolExecutionView> runs) throws SQLException {
    Set<String> ids = new LinkedHashSet<>();
    calls.stream().map(AiRequestView::sessionId).filter(s -> s != null).forEach(ids::add);
    runs.stream().map(ToolExecutionView::sessionId).filter(s -> s != null).forEach(ids::add);
    if (ids.isEmpty()) {
      return List.of();
    }
    Set<String> sites = new LinkedHashSet<>();
    calls.forEach(r -> sites.add(r.site()));
    runs.forEach(t -> sites.add(t.site()));
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT session_id, site_id, started_at, last_seen_at, class FROM sessions WHERE ")
            .anyOf("session_id", List.copyOf(ids))
            .append(" AND ")
            .anyOf("site_id", List.copyOf(sites))
            .append(" ORDER BY started_at");
    List<LinkedSession> found = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        found.add(
            new LinkedSession(
                rs.getString("session_id"),
                rs.getString("site_id"),
                AiRequestView.instant(rs, "started_at"),
                AiRequestView.instant(rs, "last_seen_at"),
                rs.getString("class")));
      }
    }
    return found;
  }

  private static void restrict(SqlStatement sql, SiteScope scope) {
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("site_id", ids));
  }

  private static List<String> strings(Connection c, SqlStatement sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
