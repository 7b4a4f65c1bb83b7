package dev.vigil.ledger;

import dev.vigil.db.SqlStatement;
import dev.vigil.ledger.BudgetRules.Spend;
import dev.vigil.writer.AppendWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * The ledger's own reads and housekeeping around the append writers: reading back what a write
 * stored (to tell a first write from a repeat), day partitions for late rows, the price cards, and
 * a subject's spend for a budget set in mid-period. Blocking JDBC: call it on the blocking
 * dispatcher.
 */
public final class LedgerStore {
  static final List<String> TABLES = List.of("ai_requests", "tool_executions", "ledger_payloads");

  /** A row's idempotency key within a site. */
  public record Key(String id, Instant startedAt) {}

  /** A stored row and the write that stored it. */
  public record Stored<T>(T row, String ingestId) {}

  /** Both ledger tables' conflict clause: a repeat of a stored key is not stored again. */
  static final String ON_CONFLICT = " ON CONFLICT DO NOTHING";

  /**
   * A ledger table's insert. Each row it stored comes back with the write that stored it ({@code
   * id, started_at, ingest_id}); a repeat of a stored key does not, so a write learns its first
   * writes without reading them back, and a repeat is answered with the stored row.
   */
  static <R> AppendWriter.Returning<R> insert(
      AppendWriter.Columns<R> columns, String idColumn, Function<R, Object> writeOf) {
    return AppendWriter.Returning.of(
        columns,
        ON_CONFLICT + " RETURNING " + idColumn + ", started_at, ingest_id",
        writeOf,
        LedgerStore::inserted);
  }

  /** Reads {@code id, started_at, ingest_id} as the ledger's inserts return them: a stored key. */
  static AppendWriter.Returned inserted(ResultSet rs) throws SQLException {
    return new AppendWriter.Returned(
        rs.getString(3), new Key(rs.getString(1), AiRequestView.instant(rs, "started_at")));
  }

  private final DataSource dataSource;
  private final Set<LocalDate> ensuredDays = ConcurrentHashMap.newKeySet();

  public LedgerStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public Map<Key, Stored<AiRequestView>> aiRequests(String siteId, Collection<Key> keys)
      throws SQLException {
    return read(
        "SELECT "
            + AiRequestView.COLUMNS
            + ", ingest_id FROM ai_requests WHERE request_id = ANY(?)",
        siteId,
        keys,
        rs -> {
          AiRequestView v = AiRequestView.from(rs);
          return Map.entry(
              new Key(v.requestId(), v.startedAt()), new Stored<>(v, rs.getString("ingest_id")));
        });
  }

  public Map<Key, Stored<ToolExecutionView>> toolExecutions(String siteId, Collection<Key> keys)
      throws SQLException {
    return read(
        "SELECT "
            + ToolExecutionView.COLUMNS
            + ", ingest_id FROM tool_executions WHERE execution_id = ANY(?)",
        siteId,
        keys,
        rs -> {
          ToolExecutionView v = ToolExecutionView.from(rs);
          return Map.entry(
              new Key(v.executionId(), v.startedAt()), new Stored<>(v, rs.getString("ingest_id")));
        });
  }

  @FunctionalInterface
  private interface RowReader<T> {
    Map.Entry<Key, T> read(ResultSet rs) throws SQLException;
  }

  /** Reads rows by id within the span of their starts (planned each time, so it prunes). */
  private <T> Map<Key, T> read(
      String select, String siteId, Collection<Key> keys, RowReader<T> reader) throws SQLException {
    Instant min = keys.stream().map(Key::startedAt).min(Instant::compareTo).orElseThrow();
    Instant max = keys.stream().map(Key::startedAt).max(Instant::compareTo).orElseThrow();
    SqlStatement sql =
        new SqlStatement()
            .append(select, (Object) keys.stream().map(Key::id).distinct().toArray(String[]::new))
            // the start bounds prune to the partitions of the rows' days
            .append(" AND site_id = ? AND started_at >= ? AND started_at <= ?", siteId, min, max);
    Map<Key, T> found = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c)) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(0);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          var e = reader.read(rs);
          found.put(e.getKey(), e.getValue());
        }
      }
    }
    found.keySet().retainAll(Set.copyOf(keys));
    return found;
  }

  /**
   * Creates the day partitions of the ledger tables for days before yesterday (partition
   * maintenance keeps yesterday onwards), once per day per node.
   */
  public void ensurePartitions(Collection<Instant> starts) throws SQLException {
    LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
    for (Instant at : starts) {
      LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
      if (!day.isBefore(yesterday) || ensuredDays.contains(day)) {
        continue;
      }
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps =
              c.prepareStatement("SELECT vigil_ensure_day_partitions(?, ?, 1)")) {
        for (String table : TABLES) {
          ps.setString(1, table);
          ps.setObject(2, day);
          ps.execute();
        }
      }
      ensuredDays.add(day);
    }
  }

  /** Whether {@link #ensurePartitions} has work for these starts (answered from memory). */
  public boolean needsPartitions(Collection<Instant> starts) {
    LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
    for (Instant at : starts) {
      LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
      if (day.isBefore(yesterday) && !ensuredDays.contains(day)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records the card under its version, or checks that the recorded card of that version has the
   * same prices: a version names one set of prices for good.
   *
   * @return false when the version is recorded with other prices
   */
  public boolean recordPriceCard(PriceCard card, String json) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO price_cards (version, card) VALUES (?, ?::jsonb)"
                  + " ON CONFLICT (version) DO NOTHING")) {
        ps.setString(1, card.version());
        ps.setString(2, json);
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT card = ?::jsonb FROM price_cards WHERE version = ?")) {
        ps.setString(1, json);
        ps.setString(2, card.version());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getBoolean(1);
        }
      }
    }
  }

  /** A subject's non-synthetic spend in the current UTC day and month, from the ledger. */
  public Spend spend(BudgetSubject subject, Instant now) throws SQLException {
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    YearMonth month = YearMonth.from(today);
    Instant dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant monthStart = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant monthEnd = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT COALESCE(sum(cost_microdollars) FILTER (WHERE started_at >= ?), 0),"
                    + " COALESCE(sum(cost_microdollars), 0) FROM ai_requests"
                    + " WHERE site_id = ? AND NOT synthetic AND started_at >= ? AND started_at < ?",
                dayStart,
                subject.siteId(),
                monthStart,
                monthEnd);
    if (subject.kind().equals("agent")) {
      sql.append(" AND agent = ?", subject.id());
    } else if (subject.kind().equals("user")) {
      sql.append(" AND user_id = ?", subject.id());
    }
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new Spend(
          BudgetRules.dayKey(now), rs.getLong(1), BudgetRules.monthKey(now), rs.getLong(2));
    }
  }

  /** A configured budget with its spend in the current UTC day and month, from the ledger. */
  public record BudgetView(
      String site,
      String subjectKind,
      String subjectId,
      Long dailyLimitMicrodollars,
      Long monthlyLimitMicrodollars,
      long daySpentMicrodollars,
      long monthSpentMicrodollars,
      boolean exceeded,
      String updatedBy,
      Instant updatedAt) {}

  public List<BudgetView> budgets(dev.vigil.tenancy.SiteScope scope, Instant now)
      throws SQLException {
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    YearMonth month = YearMonth.from(today);
    SqlStatement sql =
        new SqlStatement()
            .append(
                "SELECT b.*, s.day_spent, s.month_spent FROM budgets b LEFT JOIN LATERAL (SELECT"
                    + " COALESCE(sum(a.cost_microdollars) FILTER (WHERE a.started_at >= ?), 0)"
                    + " AS day_spent, COALESCE(sum(a.cost_microdollars), 0) AS month_spent"
                    + " FROM ai_requests a WHERE a.site_id = b.site_id AND NOT a.synthetic"
                    + " AND a.started_at >= ? AND a.started_at < ? AND (b.subject_kind = 'site'"
                    + " OR (b.subject_kind = 'agent' AND a.agent = b.subject_id)"
                    + " OR (b.subject_kind = 'user' AND a.user_id = b.subject_id))) s ON true"
                    + " WHERE true",
                today.atStartOfDay(ZoneOffset.UTC).toInstant(),
                month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    scope.restriction().ifPresent(ids -> sql.append(" AND ").anyOf("b.site_id", ids));
    sql.append(" ORDER BY b.site_id, b.subject_kind, b.subject_id");
    List<BudgetView> rows = new java.util.ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = sql.prepare(c);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Long day = rs.getObject("day_limit_microdollars", Long.class);
        Long mon = rs.getObject("month_limit_microdollars", Long.class);
        long daySpent = rs.getLong("day_spent");
        long monthSpent = rs.getLong("month_spent");
        rows.add(
            new BudgetView(
                rs.getString("site_id"),
                rs.getString("subject_kind"),
                rs.getString("subject_id"),
                day,
                mon,
                daySpent,
                monthSpent,
                BudgetRules.exceeded(
                    new BudgetRules.Limits(day, mon),
                    new Spend(
                        BudgetRules.dayKey(now), daySpent, BudgetRules.monthKey(now), monthSpent)),
                rs.getString("updated_by"),
                AiRequestView.instant(rs, "updated_at")));
      }
    }
    return rows;
  }
}
