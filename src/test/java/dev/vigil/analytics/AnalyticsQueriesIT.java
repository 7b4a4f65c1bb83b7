package dev.vigil.analytics;

import static dev.vigil.testkit.ReadSideRows.event;
import static dev.vigil.testkit.ReadSideRows.pageViews;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.vigil.analytics.AnalyticsReports.Bucket;
import dev.vigil.analytics.AnalyticsReports.ContentItem;
import dev.vigil.analytics.AnalyticsReports.TrafficReport;
import dev.vigil.db.Database;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.testkit.ReadSideRows;
import dev.vigil.testkit.ReadSideRows.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Content and traffic reports against a real PostgreSQL, with rows of known values at times
 * relative to a fixed "now" and the expected figures computed by hand. Each test uses its own site.
 */
class AnalyticsQueriesIT {
  private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  private static Database database;
  private static DataSource ds;
  private static AnalyticsQueries queries;

  @BeforeAll
  static void migrate() throws Exception {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
    queries = new AnalyticsQueries(ds);
    ReadSideRows.ensurePartitions(ds, NOW.minus(Duration.ofDays(35)), 40);
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

  private static Map<String, ContentItem> content(String site, Map<String, String> params)
      throws Exception {
    return queries
        .content(site(site), ReportParameters.content(params, NOW), NOW)
        .content()
        .stream()
        .collect(Collectors.toMap(ContentItem::key, Function.identity()));
  }

  @Test
  void trendComparesThisWeekWithThePriorWeeksAverageAndIsStableOnTheBoundaries() throws Exception {
    // 30 views 8..29 days ago in each: baseline = 30 / 3 = 10 a week; up above 12, down below 8.
    List<Event> rows = new ArrayList<>();
    Map<String, Integer> thisWeek = Map.of("/up", 13, "/edge-high", 12, "/edge-low", 8, "/down", 7);
    thisWeek.forEach(
        (path, n) -> {
          rows.addAll(pageViews("trend", path, n, ago(Duration.ofDays(1))));
          rows.addAll(pageViews("trend", path, 30, ago(Duration.ofDays(10))));
        });
    rows.addAll(pageViews("trend", "/new", 3, ago(Duration.ofHours(2)))); // no baseline: up
    rows.addAll(pageViews("trend", "/up", 4, ago(Duration.ofDays(31)))); // older than 30 days
    ReadSideRows.insertAll(ds, rows);

    var report = queries.content(site("trend"), ReportParameters.content(Map.of(), NOW), NOW);

    assertThat(report.content())
        .extracting(
            ContentItem::key,
            ContentItem::views,
            ContentItem::views7d,
            ContentItem::views30d,
            ContentItem::trend)
        .containsExactly(
            tuple("/up", 43L, 13L, 43L, "up"),
            tuple("/edge-high", 42L, 12L, 42L, "stable"),
            tuple("/edge-low", 38L, 8L, 38L, "stable"),
            tuple("/down", 37L, 7L, 37L, "down"),
            tuple("/new", 3L, 3L, 3L, "up"));
    assertThat(report.since()).isEqualTo(ago(Duration.ofDays(30)));
    assertThat(report.until()).isEqualTo(NOW);
  }

  @Test
  void sinceAndUntilNarrowTheViewsButNotTheSevenAndThirtyDayFigures() throws Exception {
    List<Event> rows = new ArrayList<>();
    rows.addAll(pageViews("window", "/recent", 7, ago(Duration.ofDays(1))));
    rows.addAll(pageViews("window", "/recent", 30, ago(Duration.ofDays(10))));
    rows.addAll(pageViews("window", "/old", 5, ago(Duration.ofDays(20))));
    ReadSideRows.insertAll(ds, rows);

    Map<String, ContentItem> lastWeek =
        content(
            "window", Map.of("since", ago(Duration.ofDays(7)).toString(), "until", NOW.toString()));

    assertThat(lastWeek).containsOnlyKeys("/recent"); // /old has no activity in the window
    ContentItem recent = lastWeek.get("/recent");
    assertThat(List.of(recent.views(), recent.views7d(), recent.views30d()))
        .containsExactly(7L, 7L, 37L);
    assertThat(recent.trend()).isEqualTo("down"); // 7 < 0.8 × 30 / 3 = 8

    assertThat(content("window", Map.of("limit", "1")).keySet()).containsExactly("/recent");
  }

  @Test
  void averagesCappedTimeOnPageAndScrollDepthAndExcludesBotsUnlessAskedTo() throws Exception {
    session("eng-human", "engage", ago(Duration.ofHours(5))).insert(ds);
    session("eng-bot", "engage", ago(Duration.ofHours(5))).cls("known_bot").insert(ds);
    // "eng-norow" has beacons but no sessions row yet: it counts as human.
    ReadSideRows.insertAll(
        ds,
        List.of(
            event("engage", "eng-human", "page_view", ago(Duration.ofHours(2)), "/article"),
            event("engage", "eng-human", "page_view", ago(Duration.ofHours(1)), "/article"),
            event("engage", "eng-norow", "page_view", ago(Duration.ofHours(3)), "/article"),
            event("engage", "eng-bot", "page_view", ago(Duration.ofHours(3)), "/article"),
            event("engage", "eng-bot", "page_view", ago(Duration.ofHours(2)), "/article"),
            event("engage", "eng-bot", "page_view", ago(Duration.ofHours(1)), "/article"),
            event("engage", "eng-human", "page_exit", ago(Duration.ofMinutes(110)), "/article")
                .exit(60_000, 40, 3, 0, 0, "skimmer"),
            // an hour open in a background tab: counted as 30 minutes
            event("engage", "eng-human", "page_exit", ago(Duration.ofMinutes(50)), "/article")
                .exit(3_600_000, 90, 5, 0, 0, "engaged"),
            event("engage", "eng-bot", "page_exit", ago(Duration.ofMinutes(50)), "/article")
                .exit(100_000, 10, 50, 0, 0, "skimmer"),
            event("engage", "eng-human", "page_view", ago(Duration.ofHours(4)), "/blog/a")
                .contentId("post-42"),
            event("engage", "eng-norow", "page_view", ago(Duration.ofHours(4)), "/b/alias")
                .contentId("post-42"),
            event("engage-other", "eng-other", "page_view", ago(Duration.ofHours(1)), "/article")));

    Map<String, ContentItem> humans = content("engage", Map.of());
    ContentItem article = humans.get("/article");
    // views: 2 (eng-human) + 1 (eng-norow); exits: eng-human's two
    // avg time = (60,000 + min(3,600,000, 1,800,000)) / 2 = 930,000; depth (40 + 90) / 2 = 65.0
    assertThat(article)
        .isEqualTo(new ContentItem("/article", "path", 3, 2, 930_000L, 65.0, 8, 3, 3, "up"));
    // one content id on two paths is one item
    assertThat(humans.get("post-42"))
        .isEqualTo(new ContentItem("post-42", "contentId", 2, 2, null, null, 0, 2, 2, "up"));

    ContentItem withBots = content("engage", Map.of("includeBots", "true")).get("/article");
    // views 3 + 3 from eng-bot, sessions 3; time (60,000 + 1,800,000 + 100,000) / 3 = 653,333.3
    // → 653,333; depth (40 + 90 + 10) / 3 = 46.67 → 46.7; clicks 3 + 5 + 50
    assertThat(withBots)
        .isEqualTo(new ContentItem("/article", "path", 6, 3, 653_333L, 46.7, 58, 6, 6, "up"));
  }

  @Test
  void trafficSplitsSessionsOfTheWindowBySourceLandingClientAndClass() throws Exception {
    session("tr-1", "traffic", ago(Duration.ofDays(1)))
        .referrer("google.com")
        .landing("/")
        .client("desktop", "Chrome", "Linux")
        .insert(ds);
    session("tr-2", "traffic", ago(Duration.ofDays(2)))
        .referrer("google.com")
        .landing("/")
        .client("desktop", "Firefox", "Linux")
        .insert(ds);
    session("tr-3", "traffic", ago(Duration.ofDays(3)))
        .landing("/pricing")
        .client("mobile", "Chrome", "Android")
        .cls("known_bot")
        .insert(ds);
    session("tr-4", "traffic", ago(Duration.ofDays(4)))
        .landing("/")
        .client("mobile", "Chrome", "Android")
        .cls("ghost")
        .insert(ds);
    session("tr-5", "traffic", ago(Duration.ofDays(5)))
        .referrer("news.example")
        .landing("/blog")
        .cls("scanner")
        .insert(ds);
    session("tr-old", "traffic", ago(Duration.ofDays(40))).referrer("google.com").insert(ds);
    session("tr-elsewhere", "traffic-other", ago(Duration.ofDays(1)))
        .referrer("google.com")
        .insert(ds);

    TrafficReport all = queries.traffic(site("traffic"), ReportParameters.traffic(Map.of(), NOW));

    assertThat(all.totalSessions()).isEqualTo(5);
    assertThat(all.sources())
        .containsExactly(
            new Bucket("direct", 2), new Bucket("google.com", 2), new Bucket("news.example", 1));
    assertThat(all.landingPages())
        .containsExactly(new Bucket("/", 3), new Bucket("/blog", 1), new Bucket("/pricing", 1));
    assertThat(all.devices())
        .containsExactly(new Bucket("desktop", 2), new Bucket("mobile", 2), new Bucket(null, 1));
    assertThat(all.browsers())
        .containsExactly(new Bucket("Chrome", 3), new Bucket("Firefox", 1), new Bucket(null, 1));
    assertThat(all.os())
        .containsExactly(new Bucket("Android", 2), new Bucket("Linux", 2), new Bucket(null, 1));
    assertThat(all.classes())
        .containsExactly(
            new Bucket("human", 2),
            new Bucket("ghost", 1),
            new Bucket("known_bot", 1),
            new Bucket("scanner", 1));

    TrafficReport top1 =
        queries.traffic(site("traffic"), ReportParameters.traffic(Map.of("limit", "1"), NOW));
    assertThat(top1.totalSessions()).isEqualTo(5);
    assertThat(top1.sources()).containsExactly(new Bucket("direct", 2));
    assertThat(top1.classes()).containsExactly(new Bucket("human", 2));

    TrafficReport empty = queries.traffic(site("nobody"), ReportParameters.traffic(Map.of(), NOW));
    assertThat(empty.totalSessions()).isZero();
    assertThat(empty.sources()).isEmpty();
  }
}
