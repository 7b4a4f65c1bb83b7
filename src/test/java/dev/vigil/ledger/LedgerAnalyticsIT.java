package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.Database;
import dev.vigil.ledger.CostQueries.BreakdownRow;
import dev.vigil.ledger.CostQueries.CostReport;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.testkit.ReadSideRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ledger reports against PostgreSQL, checked against figures computed by hand from the rows
 * below; the synthetic rows (huge, on purpose) must change nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerAnalyticsIT {
  private static final SiteScope ALL = new SiteScope(true, List.of());

  private Database database;
  private DataSource ds;
  private Instant now;

  @BeforeAll
  void rows() throws Exception {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    // the last 24 h: 4,500 + 2,100 + 6,000 = 12,600 µ$ over 3 calls of 1,100 + 11,000 + 2,000
    // tokens
    insert(
        call(
            "c1",
            "default",
            "claude-sonnet-4-5",
            "anthropic",
            "planner",
            "ann",
            "planning",
            1000,
            100,
            4_500,
            100,
            "completed",
            hoursAgo(1),
            false));
    insert(
        call(
            "c2",
            "default",
            "gpt-4o-mini",
            "openai",
            "planner",
            "bob",
            "rewrite",
            10_000,
            1000,
            2_100,
            200,
            "failed",
            hoursAgo(2),
            false));
    insert(
        call(
            "c3",
            "other",
            "claude-sonnet-4-5",
            "anthropic",
            "writer",
            "ann",
            null,
            2000,
            0,
            6_000,
            300,
            "completed",
            hoursAgo(3),
            false));
    insert(
        call(
            "c4",
            "default",
            "claude-sonnet-4-5",
            "anthropic",
            "planner",
            "ann",
            "planning",
            1_000_000,
            0,
            3_000_000,
            5,
            "completed",
            hoursAgo(1),
            true));
    // the 24 h before: 3,000 + 1,500 = 4,500 µ$ over 2 calls of 1,000 + 10,000 tokens
    insert(
        call(
            "p1",
            "default",
            "claude-sonnet-4-5",
            "anthropic",
            "planner",
            "ann",
            "planning",
            1000,
            0,
            3_000,
            100,
            "completed",
            hoursAgo(30),
            false));
    insert(
        call(
            "p2",
            "default",
            "gpt-4o-mini",
            "openai",
            "planner",
            "bob",
            "rewrite",
            10_000,
            0,
            1_500,
            100,
            "completed",
            hoursAgo(31),
            false));
    insertRun("t1", "search", "web", "planner", "success", 100, hoursAgo(1), false);
    insertRun("t2", "search", "web", "planner", "success", 200, hoursAgo(2), false);
    insertRun("t3", "search", "web", "writer", "failed", 300, hoursAgo(3), false);
    insertRun("t4", "read", "files", "writer", "success", 50, hoursAgo(4), false);
    insertRun("t5", "read", "files", "writer", "success", 9_000, hoursAgo(4), true);
  }

  @AfterAll
  void close() {
    database.close();
  }

  private LedgerReportParameters params(Map<String, String> extra) {
    Map<String, String> q = new java.util.HashMap<>(extra);
    q.putIfAbsent("since", now.minus(Duration.ofHours(24)).toString());
    q.putIfAbsent("until", now.toString());
    return LedgerReportParameters.of(q, now);
  }

  @Test
  void totalsAndTheirChangeAgainstThePreviousWindow() throws Exception {
    CostReport r = new CostQueries(ds).costs(ALL, params(Map.of("bucket", "hour")), now);

    assertThat(r.totals().costMicrodollars().current()).isEqualTo(12_600L);
    assertThat(r.totals().costMicrodollars().previous()).isEqualTo(4_500L);
    assertThat(r.totals().costMicrodollars().changePct()).isEqualTo(180.0);
    assertThat(r.totals().requests().changePct()).isEqualTo(50.0);
    // 4,200 a call against 2,250: +86.7 %
    assertThat(r.totals().avgCostPerRequestMicrodollars().current()).isEqualTo(4_200L);
    assertThat(r.totals().avgCostPerRequestMicrodollars().changePct()).isEqualTo(86.7);
    // 14,100 tokens against 11,000: +28.2 %
    assertThat(r.totals().tokens().current()).isEqualTo(14_100L);
    assertThat(r.totals().tokens().changePct()).isEqualTo(28.2);
    assertThat(r.rollingCostMicrodollars())
        .containsExactly(
            Map.entry("24h", 12_600L), Map.entry("7d", 17_100L), Map.entry("30d", 17_100L));
  }

  @Test
  void breaksCostDownByEveryDimension() throws Exception {
    CostReport r = new CostQueries(ds).costs(ALL, params(Map.of()), now);

    assertThat(r.breakdowns().get("model"))
        .containsExactly(
            new BreakdownRow("claude-sonnet-4-5", 2, 3_100, 10_500, 0.8333),
            new BreakdownRow("gpt-4o-mini", 1, 11_000, 2_100, 0.1667));
    assertThat(r.breakdowns().get("provider"))
        .extracting(BreakdownRow::key, BreakdownRow::costMicrodollars)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("anthropic", 10_500L),
            org.assertj.core.groups.Tuple.tuple("openai", 2_100L));
    assertThat(r.breakdowns().get("agent"))
        .extracting(BreakdownRow::key, BreakdownRow::costMicrodollars)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("planner", 6_600L),
            org.assertj.core.groups.Tuple.tuple("writer", 6_000L));
    assertThat(r.breakdowns().get("user"))
        .extracting(BreakdownRow::key)
        .containsExactly("ann", "bob");
    assertThat(r.breakdowns().get("costContext"))
        .extracting(BreakdownRow::key, BreakdownRow::costMicrodollars)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(null, 6_000L),
            org.assertj.core.groups.Tuple.tuple("planning", 4_500L),
            org.assertj.core.groups.Tuple.tuple("rewrite", 2_100L));
    assertThat(r.breakdowns().get("site"))
        .extracting(BreakdownRow::key, BreakdownRow::costMicrodollars)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("default", 6_600L),
            org.assertj.core.groups.Tuple.tuple("other", 6_000L));
    // one site's scope and an agent filter
    CostReport one =
        new CostQueries(ds)
            .costs(
                new SiteScope(false, List.of("default")), params(Map.of("agent", "planner")), now);
    assertThat(one.totals().costMicrodollars().current()).isEqualTo(6_600L);
    assertThat(one.totals().costMicrodollars().changePct()).isEqualTo(46.7);
  }

  @Test
  void bucketsTheSeriesInTheDatabase() throws Exception {
    CostReport hourly = new CostQueries(ds).costs(ALL, params(Map.of("bucket", "hour")), now);

    assertThat(hourly.series().points()).hasSizeBetween(24, 25);
    assertThat(
            hourly.series().points().stream().mapToLong(CostQueries.Point::costMicrodollars).sum())
        .isEqualTo(12_600);
    Instant c1Hour = hoursAgo(1).truncatedTo(ChronoUnit.HOURS);
    assertThat(hourly.series().points())
        .filteredOn(p -> p.start().equals(c1Hour))
        .extracting(CostQueries.Point::costMicrodollars)
        .containsExactly(4_500L);
    CostReport daily = new CostQueries(ds).costs(ALL, params(Map.of()), now);
    assertThat(daily.series().points().stream().mapToLong(CostQueries.Point::requests).sum())
        .isEqualTo(3);
  }

  @Test
  void reportsRequestsPerModelWithLatencyPercentilesAndErrorRates() throws Exception {
    UsageQueries.RequestReport r = new UsageQueries(ds).requests(ALL, params(Map.of()));

    assertThat(r.total().requests()).isEqualTo(3);
    assertThat(r.total().failed()).isEqualTo(1);
    assertThat(r.total().errorRate()).isEqualTo(0.3333);
    assertThat(r.total().latencyP50Ms()).isEqualTo(200.0);
    assertThat(r.total().latencyP95Ms()).isEqualTo(290.0);
    assertThat(r.total().latencyP99Ms()).isEqualTo(298.0);
    assertThat(r.total().tokens().total()).isEqualTo(14_100);
    assertThat(r.models())
        .extracting(UsageQueries.RequestStats::model, UsageQueries.RequestStats::errorRate)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("claude-sonnet-4-5", 0.0),
            org.assertj.core.groups.Tuple.tuple("gpt-4o-mini", 1.0));
  }

  @Test
  void ranksToolsAndFiltersByServerAndAgent() throws Exception {
    UsageQueries.ToolReport r = new UsageQueries(ds).tools(ALL, params(Map.of("tool", "search")));

    assertThat(r.tools())
        .extracting(UsageQueries.ToolStats::toolName, UsageQueries.ToolStats::executions)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("search", 3L),
            org.assertj.core.groups.Tuple.tuple("read", 1L));
    UsageQueries.ToolStats search = r.tools().get(0);
    assertThat(search.successRate()).isEqualTo(0.6667);
    assertThat(search.avgDurationMs()).isEqualTo(200.0);
    assertThat(search.p95DurationMs()).isEqualTo(290.0);
    assertThat(search.lastUsed()).isEqualTo(hoursAgo(1));
    assertThat(r.detail().statuses()).containsEntry("success", 2L).containsEntry("failed", 1L);
    assertThat(r.detail().agents())
        .containsExactly(new UsageQueries.Count("planner", 2), new UsageQueries.Count("writer", 1));

    assertThat(new UsageQueries(ds).tools(ALL, params(Map.of("server", "files"))).tools())
        .extracting(UsageQueries.ToolStats::toolName)
        .containsExactly("read");
    assertThat(new UsageQueries(ds).tools(ALL, params(Map.of("agent", "planner"))).tools())
        .extracting(UsageQueries.ToolStats::executions)
        .containsExactly(2L);
  }

  // --- rows ---

  private Instant hoursAgo(int h) {
    return now.minus(Duration.ofHours(h));
  }

  private static AiRequestTable.Row call(
      String id,
      String site,
      String model,
      String provider,
      String agent,
      String user,
      String context,
      long in,
      long out,
      long cost,
      int latency,
      String status,
      Instant at,
      boolean synthetic) {
    AiRequest r =
        new AiRequest(
            id,
            id,
            id,
            null,
            user,
            null,
            null,
            null,
            null,
            agent,
            null,
            provider,
            model,
            null,
            null,
            context,
            false,
            synthetic,
            new Usage(in, out, 0, 0, 0, 0),
            status,
            null,
            null,
            latency,
            null,
            at,
            at.plusMillis(latency),
            null,
            null,
            null,
            null,
            null);
    return new AiRequestTable.Row(
        site, 1, r, new Cost(true, cost, 0, "test", model, null), at, "seed");
  }

  private void insert(AiRequestTable.Row row) throws Exception {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(AiRequestTable.INSERT)) {
      AiRequestTable.bind(ps, 1, row);
      ps.executeUpdate();
    }
  }

  private void insertRun(
      String id,
      String tool,
      String server,
      String agent,
      String status,
      int ms,
      Instant at,
      boolean synthetic)
      throws Exception {
    ToolExecution t =
        new ToolExecution(
            id, id, id, null, null, tool, server, "ann", null, null, agent, status, null, at, ms,
            synthetic, null, null);
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(ToolExecutionTable.INSERT)) {
      ToolExecutionTable.bind(ps, 1, new ToolExecutionTable.Row("default", 1, t, at, "seed"));
      ps.executeUpdate();
    }
  }
}
