package dev.vigil.session;

import static dev.vigil.testkit.ReadSideRows.event;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.Database;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.testkit.ReadSideRows;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Session list and detail against a real PostgreSQL with rows of known values. Each test uses its
 * own site, so tests do not see each other's rows.
 */
class SessionQueriesIT {
  /** A fixed "now": every row's time is relative to it. */
  private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  private static Database database;
  private static DataSource ds;
  private static SessionQueries queries;

  @BeforeAll
  static void migrate() throws Exception {
    database = ReadSideRows.migratedDatabase();
    ds = database.dataSource();
    queries = new SessionQueries(ds);
    ReadSideRows.ensurePartitions(ds, NOW.minus(Duration.ofDays(5)), 7);
  }

  @AfterAll
  static void close() {
    database.close();
  }

  private static Instant ago(Duration d) {
    return NOW.minus(d);
  }

  private static SessionFilter filter(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return SessionFilter.parse(m);
  }

  private static List<String> ids(SiteScope scope, SessionFilter f) throws Exception {
    return queries.list(scope, f).sessions().stream().map(SessionView::sessionId).toList();
  }

  private static SiteScope site(String... ids) {
    return new SiteScope(false, List.of(ids));
  }

  @Test
  void pagesThroughAllSessionsNewestFirstWithoutDuplicatesOrGaps() throws Exception {
    for (int i = 1; i <= 7; i++) {
      session("paging-0" + i, "paging", ago(Duration.ofHours(i))).insert(ds);
    }
    // Two more started at the same instant as paging-04: the session id breaks the tie.
    session("paging-tie-a", "paging", ago(Duration.ofHours(4))).insert(ds);
    session("paging-tie-b", "paging", ago(Duration.ofHours(4))).insert(ds);
    List<String> expected =
        List.of(
            "paging-01",
            "paging-02",
            "paging-03",
            "paging-tie-b",
            "paging-tie-a",
            "paging-04",
            "paging-05",
            "paging-06",
            "paging-07");

    for (int limit : new int[] {1, 2, 3, 4, 9, 10}) {
      List<String> seen = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        SessionFilter f =
            cursor == null
                ? filter("limit", String.valueOf(limit))
                : filter("limit", String.valueOf(limit), "cursor", cursor);
        SessionQueries.SessionList page = queries.list(site("paging"), f);
        assertThat(page.sessions().size()).isLessThanOrEqualTo(limit);
        page.sessions().forEach(s -> seen.add(s.sessionId()));
        cursor = page.nextCursor();
        pages++;
      } while (cursor != null);
      assertThat(seen).as("limit %d", limit).isEqualTo(expected);
      // a full last page does not leave an empty page behind it
      assertThat(pages)
          .as("pages at limit %d", limit)
          .isEqualTo((expected.size() + limit - 1) / limit);
    }
  }

  @Test
  void filtersByWindowClassUserLandingAndReferrer() throws Exception {
    session("filt-1", "filters", ago(Duration.ofHours(1)))
        .user("alice")
        .landing("/")
        .referrer("google.com")
        .insert(ds);
    session("filt-2", "filters", ago(Duration.ofHours(2)))
        .cls("known_bot")
        .landing("/pricing")
        .insert(ds);
    session("filt-3", "filters", ago(Duration.ofHours(3))).user("bob").landing("/").insert(ds);
    session("filt-4", "filters", ago(Duration.ofHours(30)))
        .cls("scanner")
        .landing("/wp-login.php")
        .referrer("bing.com")
        .insert(ds);
    session("filt-other", "filters-other", ago(Duration.ofHours(1))).user("alice").insert(ds);
    SiteScope scope = site("filters");
    String twoHoursAgo = ago(Duration.ofHours(2)).toString();

    assertThat(ids(scope, filter())).containsExactly("filt-1", "filt-2", "filt-3", "filt-4");
    assertThat(ids(scope, filter("class", "human"))).containsExactly("filt-1", "filt-3");
    assertThat(ids(scope, filter("user", "alice"))).containsExactly("filt-1");
    assertThat(ids(scope, filter("landing", "/"))).containsExactly("filt-1", "filt-3");
    assertThat(ids(scope, filter("referrer", "direct"))).containsExactly("filt-2", "filt-3");
    assertThat(ids(scope, filter("referrer", "google.com"))).containsExactly("filt-1");
    // since is inclusive, until exclusive; epoch milliseconds work like ISO-8601
    assertThat(ids(scope, filter("since", twoHoursAgo))).containsExactly("filt-1", "filt-2");
    assertThat(ids(scope, filter("until", twoHoursAgo))).containsExactly("filt-3", "filt-4");
    assertThat(
            ids(
                scope,
                filter(
                    "since",
                    String.valueOf(ago(Duration.ofHours(3)).toEpochMilli()),
                    "until",
                    twoHoursAgo)))
        .containsExactly("filt-3");
    assertThat(ids(scope, filter("class", "human", "referrer", "direct")))
        .containsExactly("filt-3");
    assertThat(ids(scope, filter("class", "ghost"))).isEmpty();
  }

  @Test
  void listsOnlyTheSitesInScope() throws Exception {
    session("scope-a1", "scope-a", ago(Duration.ofMinutes(10))).insert(ds);
    session("scope-b1", "scope-b", ago(Duration.ofMinutes(20))).insert(ds);
    session("scope-c1", "scope-c", ago(Duration.ofMinutes(30))).insert(ds);

    assertThat(ids(site("scope-a"), filter())).containsExactly("scope-a1");
    assertThat(ids(site("scope-a", "scope-c"), filter())).containsExactly("scope-a1", "scope-c1");
    assertThat(ids(new SiteScope(true, List.of()), filter("limit", "500")))
        .contains("scope-a1", "scope-b1", "scope-c1");
  }

  @Test
  void findsOneSessionWithEveryFieldAndNothingForAnUnknownId() throws Exception {
    session("full-session-1", "full", ago(Duration.ofHours(2)))
        .lastSeen(ago(Duration.ofHours(1)))
        .ended(ago(Duration.ofMinutes(30)))
        .visitor("visitor-1")
        .user("carol")
        .landing("/pricing")
        .referrer("news.example")
        .client("desktop", "Firefox", "Linux")
        .cls("behavioural_bot")
        .scored(87, List.of("no_mouse", "fast_clicks"), "challenge")
        .pageViews(3)
        .insert(ds);

    SessionView s = queries.find("full-session-1").orElseThrow();
    assertThat(s.siteId()).isEqualTo("full");
    assertThat(s.visitorId()).isEqualTo("visitor-1");
    assertThat(s.userId()).isEqualTo("carol");
    assertThat(s.startedAt()).isEqualTo(ago(Duration.ofHours(2)));
    assertThat(s.lastSeenAt()).isEqualTo(ago(Duration.ofHours(1)));
    assertThat(s.endedAt()).isEqualTo(ago(Duration.ofMinutes(30)));
    assertThat(s.landingUrl()).isEqualTo("https://full.example/pricing");
    assertThat(s.landingPath()).isEqualTo("/pricing");
    assertThat(s.referrerHost()).isEqualTo("news.example");
    assertThat(s.utmSource()).isEqualTo("newsletter");
    assertThat(s.utmMedium()).isNull();
    assertThat(List.of(s.deviceClass(), s.browser(), s.os()))
        .containsExactly("desktop", "Firefox", "Linux");
    assertThat(List.of(s.pageViews(), s.beacons(), s.clicks(), s.rageClicks(), s.deadClicks()))
        .containsExactly(3, 7, 5, 1, 2);
    assertThat(s.timeOnPageMs()).isEqualTo(45_000L);
    assertThat(s.maxScrollDepth()).isEqualTo(60);
    assertThat(s.conversions()).isEqualTo(1);
    assertThat(s.sessionClass()).isEqualTo("behavioural_bot");
    assertThat(s.score()).isEqualTo(87);
    assertThat(s.reasons()).containsExactly("no_mouse", "fast_clicks");
    assertThat(s.throttleLevel()).isEqualTo("challenge");

    assertThat(queries.find("no-such-session")).isEmpty();
  }

  @Test
  void pairsEachPageViewWithTheFirstExitOfItsPathBeforeTheNextView() throws Exception {
    String id = "pages-session-1";
    session(id, "pages", ago(Duration.ofHours(1))).lastSeen(ago(Duration.ofMinutes(10))).insert(ds);
    Instant t0 = ago(Duration.ofMinutes(50));
    ReadSideRows.insertAll(
        ds,
        List.of(
            event("pages", id, "page_view", t0, "/a").title("A"),
            event("pages", id, "page_exit", t0.plusSeconds(30), "/a")
                .exit(30_000, 80, 2, 1, 0, "reader"),
            event("pages", id, "page_view", t0.plusSeconds(60), "/b").title("B"),
            // at the same instant as the view: "at or after" pairs it
            event("pages", id, "page_exit", t0.plusSeconds(60), "/b")
                .exit(25_000, 50, 4, 0, 1, "skimmer"),
            // another path's exit while /b is open, and after /a's next view: paired with nothing
            event("pages", id, "page_exit", t0.plusSeconds(70), "/a")
                .exit(99, 1, 9, 9, 9, "bounce"),
            // a second exit of /b: the first one wins
            event("pages", id, "page_exit", t0.plusSeconds(90), "/b").exit(1, 1, 1, 1, 1, "bounce"),
            event("pages", id, "page_view", t0.plusSeconds(120), "/a").title("A again"),
            // /c's exit comes only after the next view (/d): it closes neither
            event("pages", id, "page_view", t0.plusSeconds(150), "/c").title("C"),
            event("pages", id, "page_view", t0.plusSeconds(160), "/d").title("D"),
            event("pages", id, "page_exit", t0.plusSeconds(170), "/c")
                .exit(7, 7, 7, 7, 7, "bounce"),
            event("pages", id, "page_exit", t0.plusSeconds(180), "/d")
                .exit(20_000, 100, 0, 0, 0, "engaged"),
            // the same session id on another site is another visit
            event("pages-other", id, "page_view", t0.plusSeconds(5), "/elsewhere"),
            // more than a day before the session started: outside the scanned days
            event("pages", id, "page_view", ago(Duration.ofDays(3)), "/stale")));

    SessionView s = queries.find(id).orElseThrow();
    SessionQueries.Pages all = queries.pages(s);
    List<SessionQueries.Page> pages = all.list();

    assertThat(pages)
        .containsExactly(
            new SessionQueries.Page(
                t0, "https://pages.example/a", "/a", "A", 30_000, 80, 2, 1, 0, "reader"),
            new SessionQueries.Page(
                t0.plusSeconds(60),
                "https://pages.example/b",
                "/b",
                "B",
                25_000,
                50,
                4,
                0,
                1,
                "skimmer"),
            new SessionQueries.Page(
                t0.plusSeconds(120),
                "https://pages.example/a",
                "/a",
                "A again",
                null,
                null,
                null,
                null,
                null,
                null),
            new SessionQueries.Page(
                t0.plusSeconds(150),
                "https://pages.example/c",
                "/c",
                "C",
                null,
                null,
                null,
                null,
                null,
                null),
            new SessionQueries.Page(
                t0.plusSeconds(160),
                "https://pages.example/d",
                "/d",
                "D",
                20_000,
                100,
                0,
                0,
                0,
                "engaged"));
    assertThat(all.truncated()).isFalse();

    // and a session with more page views than a view lists says so, keeping the first ones whole
    SessionQueries.Pages firstTwo = queries.pages(s, 2);
    assertThat(firstTwo.truncated()).isTrue();
    assertThat(firstTwo.list()).containsExactlyElementsOf(pages.subList(0, 2));
    assertThat(queries.pages(s, 5).truncated()).isFalse();
  }
}
