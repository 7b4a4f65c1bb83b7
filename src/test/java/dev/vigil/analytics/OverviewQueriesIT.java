package dev.vigil.analytics;

import static dev.vigil.testkit.ReadSideRows.event;
import static dev.vigil.testkit.ReadSideRows.pageViews;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.analytics.AnalyticsReports.Overview;
import dev.vigil.analytics.AnalyticsReports.WindowFigures;
import dev.vigil.db.Database;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.testkit.ReadSideRows;
import dev.vigil.testkit.ReadSideRows.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The overview report against a real PostgreSQL: each window against the one before it, with the
 * expected figures computed by hand from rows at known times before a fixed "now".
 */
class OverviewQueriesIT {
  private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  private static Database database;
  private static DataSource ds;
  private static AnalyticsQueries queries;

  @BeforeAll
  static void migrate() throws Exception {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
    queries = new AnalyticsQueries(ds);
    // The 30-day window and the one before it reach back 60 days.
    ReadSideRows.ensurePartitions(ds, NOW.minus(Duration.ofDays(65)), 70);
  }

  @AfterAll
  static void close() {
    database.close();
  }

  private static Instant ago(Duration d) {
    return NOW.minus(d);
  }

  private static SiteScope site(String id) {
    return new SiteScope(false, List.of(id));
  }

  @Test
  void overviewComparesEachWindowWithTheOneBeforeIt() throws Exception {
    String o = "overview";
    session("ov-1", o, ago(Duration.ofHours(1)))
        .visitor("v1")
        .lastSeen(ago(Duration.ofMinutes(2)))
        .insert(ds);
    session("ov-2", o, ago(Duration.ofHours(2)))
        .visitor("v2")
        .cls("known_bot")
        .lastSeen(ago(Duration.ofMinutes(5)))
        .insert(ds); // exactly 5 min: still active
    session("ov-3", o, ago(Duration.ofHours(30)))
        .visitor("v1")
        .ended(ago(Duration.ofHours(29)))
        .insert(ds);
    session("ov-4", o, ago(Duration.ofDays(3)))
        .visitor("v3")
        .lastSeen(ago(Duration.ofMinutes(5).plusMillis(1)))
        .insert(ds); // open, but idle too long
    session("ov-5", o, ago(Duration.ofDays(10)))
        .visitor("v4")
        .ended(ago(Duration.ofDays(10)))
        .insert(ds);
    session("ov-6", o, ago(Duration.ofDays(40)))
        .visitor("v5")
        .cls("scanner")
        .ended(ago(Duration.ofDays(40)))
        .insert(ds);
    session("ov-7", o, ago(Duration.ofDays(45)))
        .visitor("v5")
        .ended(ago(Duration.ofDays(45)))
        .insert(ds);
    session("ov-8", o, ago(Duration.ofDays(61)))
        .visitor("v6")
        .ended(ago(Duration.ofDays(61)))
        .insert(ds);
    session("ov-elsewhere", "overview-other", ago(Duration.ofHours(1)))
        .lastSeen(ago(Duration.ofMinutes(1)))
        .insert(ds);
    List<Event> rows = new ArrayList<>();
    rows.addAll(pageViews(o, "/", 3, ago(Duration.ofHours(1))));
    rows.addAll(
        pageViews(o, "/", 1, ago(Duration.ofHours(24)))); // exactly 24 h: in the current day
    rows.addAll(pageViews(o, "/", 2, ago(Duration.ofHours(30))));
    rows.addAll(pageViews(o, "/", 1, ago(Duration.ofDays(3))));
    rows.addAll(pageViews(o, "/", 4, ago(Duration.ofDays(10))));
    rows.addAll(pageViews(o, "/", 6, ago(Duration.ofDays(40))));
    rows.addAll(pageViews(o, "/", 5, ago(Duration.ofDays(61))));
    rows.addAll(pageViews("overview-other", "/", 9, ago(Duration.ofHours(1))));
    for (var c :
        Map.of(
                Duration.ofHours(2),
                1,
                Duration.ofHours(30),
                3,
                Duration.ofDays(20),
                2,
                Duration.ofDays(35),
                4)
            .entrySet()) {
      for (int i = 0; i < c.getValue(); i++) {
        rows.add(event(o, "ov-1", "conversion", ago(c.getKey()).minusSeconds(i), "/checkout"));
      }
    }
    ReadSideRows.insertAll(ds, rows);

    Overview ov = queries.overview(site(o), NOW);

    assertThat(ov.activeNow()).isEqualTo(2); // ov-1, ov-2
    assertThat(ov.windows().keySet()).containsExactly("24h", "7d", "30d");

    // 24h: now-24h..now vs now-48h..now-24h
    // sessions ov-1, ov-2 = 2 vs ov-3 = 1 → +100.0; visitors {v1, v2} = 2 vs {v1} = 1 → +100.0
    // page views 3 + 1 = 4 vs 2 → +100.0; conversions 1 vs 3 → (1 − 3) / 3 = −66.67 → −66.7
    // bot share 1/2 = 0.5 vs 0/1 = 0.0 → no change figure (previous is 0)
    WindowFigures day = ov.windows().get("24h");
    assertThat(day.since()).isEqualTo(ago(Duration.ofHours(24)));
    assertThat(day.sessions()).isEqualTo(new Change(2L, 1L, 100.0));
    assertThat(day.visitors()).isEqualTo(new Change(2L, 1L, 100.0));
    assertThat(day.pageViews()).isEqualTo(new Change(4L, 2L, 100.0));
    assertThat(day.conversions()).isEqualTo(new Change(1L, 3L, -66.7));
    assertThat(day.botShare()).isEqualTo(new Change(0.5, 0.0, null));

    // 7d: sessions ov-1..ov-4 = 4 vs ov-5 = 1 → +300.0; visitors {v1, v2, v3} = 3 vs {v4} = 1 →
    // +200.0; page views 4 + 2 + 1 = 7 vs 4 → +75.0; conversions 1 + 3 = 4 vs 0 → null;
    // bot share 1/4 = 0.25 vs 0/1 = 0.0 → null
    WindowFigures week = ov.windows().get("7d");
    assertThat(week.sessions()).isEqualTo(new Change(4L, 1L, 300.0));
    assertThat(week.visitors()).isEqualTo(new Change(3L, 1L, 200.0));
    assertThat(week.pageViews()).isEqualTo(new Change(7L, 4L, 75.0));
    assertThat(week.conversions()).isEqualTo(new Change(4L, 0L, null));
    assertThat(week.botShare()).isEqualTo(new Change(0.25, 0.0, null));

    // 30d: sessions ov-1..ov-5 = 5 vs ov-6, ov-7 = 2 → +150.0 (ov-8 is 61 days old: in neither);
    // visitors {v1..v4} = 4 vs {v5} = 1 → +300.0; page views 7 + 4 = 11 vs 6 → +83.33 → +83.3;
    // conversions 1 + 3 + 2 = 6 vs 4 → +50.0; bot share 1/5 = 0.2 vs 1/2 = 0.5 → −60.0
    WindowFigures month = ov.windows().get("30d");
    assertThat(month.sessions()).isEqualTo(new Change(5L, 2L, 150.0));
    assertThat(month.visitors()).isEqualTo(new Change(4L, 1L, 300.0));
    assertThat(month.pageViews()).isEqualTo(new Change(11L, 6L, 83.3));
    assertThat(month.conversions()).isEqualTo(new Change(6L, 4L, 50.0));
    assertThat(month.botShare()).isEqualTo(new Change(0.2, 0.5, -60.0));
  }

  @Test
  void overviewOfASiteWithoutTrafficHasNoShareAndNoChange() throws Exception {
    Overview ov = queries.overview(site("quiet"), NOW);

    assertThat(ov.activeNow()).isZero();
    WindowFigures day = ov.windows().get("24h");
    assertThat(day.sessions()).isEqualTo(new Change(0L, 0L, null));
    assertThat(day.botShare()).isEqualTo(new Change(null, null, null));
  }
}
