package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.CHROME;
import static dev.vigil.detection.DetectionFixtures.FIREFOX;
import static dev.vigil.detection.DetectionFixtures.SAFARI;
import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static dev.vigil.detection.DetectionFixtures.T0;
import static dev.vigil.detection.DetectionFixtures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The session-owned signals of the detection spec, each on both sides of its boundary. */
class SessionSignalsTest {
  private static final int FLOOR = SETTINGS.limits().browserMajorFloor();
  private static final int SITE_PAGES = 100;

  // --- high_request_count: more than 50 page requests

  @ParameterizedTest(name = "{0} page requests fire: {1}")
  @CsvSource({"50, false", "51, true"})
  void highRequestCountFiresAboveFiftyPageRequests(int pages, boolean fires) {
    // given pages a minute apart, so no rate signal is involved
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < pages; i++) {
      s = s.onRequest(get("/").at(T0.plus(Duration.ofMinutes(i))).facts(), FLOOR);
    }

    // then
    assertFires(
        fired(s, T0.plus(Duration.ofMinutes(pages)), SITE_PAGES, false),
        Signal.HIGH_REQUEST_COUNT,
        fires);
  }

  @Test
  void highRequestCountCountsPagesNotAssets() {
    // given 50 pages and 20 assets
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < 70; i++) {
      String path = i < 50 ? "/" : "/static/app-" + i + ".js";
      s = s.onRequest(get(path).at(T0.plus(Duration.ofMinutes(i))).facts(), FLOOR);
    }

    // then
    assertThat(s.requests()).isEqualTo(70);
    assertThat(s.pageRequests()).isEqualTo(50);
    assertThat(fired(s, T0.plus(Duration.ofHours(2)), SITE_PAGES, false))
        .doesNotContain(Signal.HIGH_REQUEST_COUNT);
  }

  // --- high_page_coverage: distinct pages > 60 % of the site's pages

  @ParameterizedTest(name = "{0} distinct of 100 pages fire: {1}")
  @CsvSource({"60, false", "61, true"})
  void highPageCoverageFiresAboveSixtyPercentOfTheSitesPages(int distinct, boolean fires) {
    // given each page twice: repeats do not add coverage
    SessionSignals s = SessionSignals.opened(T0);
    int minute = 0;
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < distinct; i++) {
        s = s.onRequest(get("/page/" + i).at(T0.plus(Duration.ofMinutes(minute++))).facts(), FLOOR);
      }
    }

    // then
    assertThat(s.distinctPages()).isEqualTo(distinct);
    assertFires(
        fired(s, T0.plus(Duration.ofMinutes(minute)), SITE_PAGES, false),
        Signal.HIGH_PAGE_COVERAGE,
        fires);
  }

  @Test
  void highPageCoverageNeedsAKnownSitePageCount() {
    SessionSignals s = pages(T0, Duration.ofMinutes(1), "/a", "/b", "/c");

    assertThat(fired(s, T0.plus(Duration.ofHours(1)), 0, false))
        .doesNotContain(Signal.HIGH_PAGE_COVERAGE);
  }

  @Test
  void rememberedPagesStayBoundedAndCoverageStillFiresPastTheBound() {
    // given far more distinct pages than a session remembers
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < 2_000; i++) {
      s = s.onRequest(get("/p/" + i).at(T0.plusSeconds(20L * i)).facts(), FLOOR);
    }

    // then the set stops growing at its bound, which is still far past 60 % of the site
    assertThat(s.distinctPages()).isEqualTo(SessionSignals.MAX_PAGES).isEqualTo(512);
    assertThat(s.pageRequests()).isEqualTo(2_000);
    assertThat(fired(s, T0.plus(Duration.ofDays(1)), 600, false))
        .contains(Signal.HIGH_PAGE_COVERAGE);
  }

  // --- sequential_navigation: >= 5 page views and > 70 % of distinct transitions ascend

  @Test
  void sequentialNavigationDoesNotFireAtExactlySeventyPercentAscending() {
    // given 10 transitions, 7 ascending and 3 descending
    SessionSignals s =
        pages(
            T0,
            Duration.ofSeconds(20),
            "/p01",
            "/p02",
            "/p03",
            "/p04",
            "/p05",
            "/p06",
            "/p07",
            "/p08",
            "/p07",
            "/p06",
            "/p05");

    // then
    assertThat(s.transitions()).isEqualTo(10);
    assertThat(s.ascending()).isEqualTo(7);
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .doesNotContain(Signal.SEQUENTIAL_NAVIGATION);
  }

  @Test
  void sequentialNavigationFiresAboveSeventyPercentAscending() {
    // given 5 page views, 3 of 4 transitions ascending (75 %)
    SessionSignals s = pages(T0, Duration.ofSeconds(20), "/p1", "/p2", "/p3", "/p4", "/p0");

    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .contains(Signal.SEQUENTIAL_NAVIGATION);
  }

  @Test
  void sequentialNavigationNeverFiresBelowFivePageViews() {
    SessionSignals s = pages(T0, Duration.ofSeconds(20), "/p1", "/p2", "/p3", "/p4");

    assertThat(s.ascending()).isEqualTo(3);
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .doesNotContain(Signal.SEQUENTIAL_NAVIGATION);
  }

  @Test
  void sequentialNavigationIgnoresReloadsOfTheSamePage() {
    // given two ascending moves among reloads
    SessionSignals s = pages(T0, Duration.ofSeconds(20), "/a", "/a", "/b", "/b", "/b", "/a", "/c");

    // a->b, b->a, a->c
    assertThat(s.transitions()).isEqualTo(3);
    assertThat(s.ascending()).isEqualTo(2);
  }

  @Test
  void reloadingAPathLongerThanTheStoredPrefixIsNotACrawlStep() {
    // given the same 600-character path six times (the session stores 512 characters of it)
    String longPath = "/search/" + "x".repeat(592);
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < 6; i++) {
      s = s.onRequest(get(longPath).at(T0.plusSeconds(20L * i)).facts(), FLOOR);
    }

    // then it is no move at all, let alone an ascending one
    assertThat(s.transitions()).isZero();
    assertThat(s.ascending()).isZero();
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .doesNotContain(Signal.SEQUENTIAL_NAVIGATION);
  }

  // --- regular_timing: >= 5 gaps between page requests with coefficient of variation < 0.1

  @Test
  void regularTimingNeverFiresOnFourGaps() {
    SessionSignals s = pagesWithGaps(10_000, 10_000, 10_000, 10_000);

    assertThat(s.pageGaps().count()).isEqualTo(4);
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .doesNotContain(Signal.REGULAR_TIMING);
  }

  @Test
  void regularTimingFiresOnFivePerfectlyEvenGaps() {
    SessionSignals s = pagesWithGaps(10_000, 10_000, 10_000, 10_000, 10_000);

    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .contains(Signal.REGULAR_TIMING);
  }

  // Gaps m(1+d), m(1-d), m(1+d), m(1-d), m have mean m and population standard deviation
  // m*d*sqrt(4/5), so CV = 0.894427*d: d = 0.1118 gives 0.099997, d = 0.1119 gives 0.100086.
  @ParameterizedTest(name = "gaps {0}/{1} ms (CV {2}) fire: {3}")
  @CsvSource({"11118, 8882, 0.099997, true", "11119, 8881, 0.100086, false"})
  void regularTimingFiresOnlyBelowACoefficientOfVariationOfOneTenth(
      long high, long low, double cv, boolean fires) {
    SessionSignals s = pagesWithGaps(high, low, high, low, 10_000);

    assertThat(s.pageGaps().cv()).isCloseTo(cv, offset(1e-6));
    assertFires(
        fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false), Signal.REGULAR_TIMING, fires);
  }

  @Test
  void regularTimingMeasuresGapsBetweenPagesNotAssets() {
    // given even page gaps with assets fetched at uneven moments in between
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < 6; i++) {
      Instant page = T0.plusSeconds(10L * i);
      s = s.onRequest(get("/p" + i).at(page).facts(), FLOOR);
      s = s.onRequest(get("/static/p" + i + ".css").at(page.plusMillis(37L * i)).facts(), FLOOR);
    }

    assertThat(s.pageGaps().count()).isEqualTo(5);
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .contains(Signal.REGULAR_TIMING);
  }

  // --- high_pages_per_minute / high_velocity: rate = count / max(1 minute, session span)

  @ParameterizedTest(name = "{0} page views in the first seconds fire: {1}")
  @CsvSource({"5, false", "6, true"})
  void highPagesPerMinuteCountsAShortSessionAsOneMinute(int pages, boolean fires) {
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < pages; i++) {
      s = s.onRequest(get("/p" + i).at(T0.plusSeconds(i)).facts(), FLOOR);
    }

    assertFires(
        fired(s, T0.plusSeconds(pages), SITE_PAGES, false), Signal.HIGH_PAGES_PER_MINUTE, fires);
  }

  @ParameterizedTest(name = "{0} page views over two minutes fire: {1}")
  @CsvSource({"10, false", "11, true"})
  void highPagesPerMinuteDividesByTheSessionSpanOnceItExceedsAMinute(int pages, boolean fires) {
    // given the last page exactly two minutes after the session opened
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < pages - 1; i++) {
      s = s.onRequest(get("/p" + i).at(T0.plusSeconds(i)).facts(), FLOOR);
    }
    s = s.onRequest(get("/last").at(T0.plus(Duration.ofMinutes(2))).facts(), FLOOR);

    // then the rate is pages / 2 minutes: 5.0 does not exceed 5, 5.5 does
    assertFires(
        fired(s, T0.plus(Duration.ofMinutes(2)), SITE_PAGES, false),
        Signal.HIGH_PAGES_PER_MINUTE,
        fires);
  }

  @ParameterizedTest(name = "{0} requests in the first seconds fire: {1}")
  @CsvSource({"30, false", "31, true"})
  void highVelocityCountsAShortSessionAsOneMinute(int requests, boolean fires) {
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < requests; i++) {
      s = s.onRequest(get("/static/a" + i + ".js").at(T0.plusMillis(300L * i)).facts(), FLOOR);
    }

    assertFires(fired(s, T0.plusSeconds(10), SITE_PAGES, false), Signal.HIGH_VELOCITY, fires);
  }

  @ParameterizedTest(name = "{0} requests over two minutes fire: {1}")
  @CsvSource({"60, false", "61, true"})
  void highVelocityDividesByTheSessionSpanOnceItExceedsAMinute(int requests, boolean fires) {
    SessionSignals s = SessionSignals.opened(T0);
    for (int i = 0; i < requests - 1; i++) {
      s = s.onRequest(get("/static/a" + i + ".js").at(T0.plusSeconds(i)).facts(), FLOOR);
    }
    s = s.onRequest(get("/static/last.js").at(T0.plus(Duration.ofMinutes(2))).facts(), FLOOR);

    assertFires(
        fired(s, T0.plus(Duration.ofMinutes(2)), SITE_PAGES, false), Signal.HIGH_VELOCITY, fires);
  }

  // --- outdated_browser: Chrome/Firefox major below the floor (120)

  @ParameterizedTest(name = "{0} fires: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/119.0.0.0 Safari/537.36 | true",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/120.0.0.0 Safari/537.36 | false",
        "Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 Firefox/119.0 | true",
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0 | false",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
            + " Gecko) CriOS/119.0.6045.109 Mobile/15E148 Safari/604.1 | true",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko)"
            + " Version/12.0 Safari/605.1.15 | false",
        "curl/7.68.0 | false",
        "python-requests/2.31.0 | false",
      })
  void outdatedBrowserFiresForChromeOrFirefoxBelowTheConfiguredFloor(String ua, boolean fires) {
    SessionSignals s = SessionSignals.opened(T0).onRequest(get("/").userAgent(ua).facts(), FLOOR);

    assertFires(fired(s, T0.plusSeconds(1), SITE_PAGES, false), Signal.OUTDATED_BROWSER, fires);
  }

  // --- header_inconsistency: browser UA without accept-language, Chromium without hints on https

  @ParameterizedTest(name = "{0}, accept-language {1}, sec-ch-ua {2}, https {3} fires: {4}")
  @CsvSource({
    "chrome,  en,   hints, true,  false",
    "chrome,  none, hints, true,  true",
    "chrome,  '',   hints, false, true",
    "chrome,  en,   none,  true,  true",
    "chrome,  en,   none,  false, false",
    "firefox, en,   none,  true,  false",
    "firefox, none, none,  false, true",
    "safari,  en,   none,  true,  false",
    "curl,    none, none,  true,  false",
  })
  void headerInconsistencyFiresForBrowsersMissingWhatTheyAlwaysSend(
      String browser, String lang, String hints, boolean https, boolean fires) {
    String ua =
        switch (browser) {
          case "chrome" -> CHROME;
          case "firefox" -> FIREFOX;
          case "safari" -> SAFARI;
          default -> "curl/8.4.0";
        };
    var request =
        get("/")
            .userAgent(ua)
            .acceptLanguage(lang.equals("none") ? null : lang.equals("en") ? "en-GB,en" : lang)
            .secChUa(hints.equals("none") ? null : "\"Chromium\";v=\"124\"")
            .https(https);

    SessionSignals s = SessionSignals.opened(T0).onRequest(request.facts(), FLOOR);

    assertFires(fired(s, T0.plusSeconds(1), SITE_PAGES, false), Signal.HEADER_INCONSISTENCY, fires);
  }

  // --- no_js_engagement: >= 2 page views, no beacon within the grace (30 s), tracker on the site

  @ParameterizedTest(name = "{0} ms after the first page fires: {1}")
  @CsvSource({"29999, false", "30000, true"})
  void noJsEngagementFiresOnceTheGraceHasPassedWithoutABeacon(long afterMs, boolean fires) {
    SessionSignals s = pages(T0, Duration.ofSeconds(5), "/", "/products");

    assertFires(fired(s, T0.plusMillis(afterMs), SITE_PAGES, true), Signal.NO_JS_ENGAGEMENT, fires);
  }

  @Test
  void noJsEngagementNeedsTwoPageViews() {
    SessionSignals s = pages(T0, Duration.ofSeconds(5), "/");

    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, true))
        .doesNotContain(Signal.NO_JS_ENGAGEMENT);
  }

  @Test
  void noJsEngagementDoesNotFireAfterABeacon() {
    SessionSignals s = pages(T0, Duration.ofSeconds(5), "/", "/products").onBeacon();

    assertThat(s.beacons()).isEqualTo(1);
    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, true))
        .doesNotContain(Signal.NO_JS_ENGAGEMENT);
  }

  @Test
  void noJsEngagementNeedsASiteThatRunsTheTracker() {
    SessionSignals s = pages(T0, Duration.ofSeconds(5), "/", "/products");

    assertThat(fired(s, T0.plus(Duration.ofHours(1)), SITE_PAGES, false))
        .doesNotContain(Signal.NO_JS_ENGAGEMENT);
  }

  // --- ghost_session: opened, no page and no beacon within the grace

  @ParameterizedTest(name = "{0} ms after opening fires: {1}")
  @CsvSource({"29999, false", "30000, true"})
  void ghostSessionFiresForASessionWithoutPageOrBeaconAfterTheGrace(long afterMs, boolean fires) {
    SessionSignals s = SessionSignals.opened(T0);

    assertFires(fired(s, T0.plusMillis(afterMs), SITE_PAGES, true), Signal.GHOST_SESSION, fires);
  }

  @Test
  void ghostSessionCountsOnlyAssetRequestsAsNoPage() {
    SessionSignals s =
        SessionSignals.opened(T0).onRequest(get("/static/app.js").at(T0).facts(), FLOOR);

    assertThat(fired(s, T0.plusSeconds(30), SITE_PAGES, false)).contains(Signal.GHOST_SESSION);
  }

  @Test
  void ghostSessionDoesNotFireOnceAPageLoadsOrABeaconArrives() {
    SessionSignals withPage = pages(T0, Duration.ofSeconds(1), "/");
    SessionSignals withBeacon = SessionSignals.opened(T0).onBeacon();

    assertThat(fired(withPage, T0.plus(Duration.ofHours(1)), SITE_PAGES, true))
        .doesNotContain(Signal.GHOST_SESSION);
    assertThat(fired(withBeacon, T0.plus(Duration.ofHours(1)), SITE_PAGES, true))
        .doesNotContain(Signal.GHOST_SESSION);
  }

  // --- points

  @Test
  void firedSignalsCarryTheirConfiguredPoints() {
    SessionSignals s =
        SessionSignals.opened(T0)
            .onRequest(get("/").userAgent(CHROME.replace("124", "100")).facts(), FLOOR);

    List<FiredSignal> fired = s.evaluate(T0.plusSeconds(1), SETTINGS, SITE_PAGES, false);

    assertThat(fired).containsExactly(new FiredSignal(Signal.OUTDATED_BROWSER, 25));
  }

  @Test
  void aModernBrowserReadingAFewPagesFiresNothing() {
    SessionSignals s =
        pages(T0, Duration.ofSeconds(40), "/", "/products", "/products/42", "/cart").onBeacon();

    assertThat(s.evaluate(T0.plus(Duration.ofMinutes(5)), SETTINGS, SITE_PAGES, true)).isEmpty();
  }

  private static SessionSignals pages(Instant from, Duration apart, String... paths) {
    SessionSignals s = SessionSignals.opened(from);
    for (int i = 0; i < paths.length; i++) {
      s = s.onRequest(get(paths[i]).at(from.plus(apart.multipliedBy(i))).facts(), FLOOR);
    }
    return s;
  }

  private static SessionSignals pagesWithGaps(long... gapsMs) {
    SessionSignals s = SessionSignals.opened(T0).onRequest(get("/p").at(T0).facts(), FLOOR);
    Instant at = T0;
    for (int i = 0; i < gapsMs.length; i++) {
      at = at.plusMillis(gapsMs[i]);
      s = s.onRequest(get("/p" + i).at(at).facts(), FLOOR);
    }
    return s;
  }

  private static void assertFires(Set<Signal> fired, Signal signal, boolean fires) {
    if (fires) {
      assertThat(fired).contains(signal);
    } else {
      assertThat(fired).doesNotContain(signal);
    }
  }

  private static Set<Signal> fired(
      SessionSignals s, Instant now, int sitePages, boolean siteRunsTracker) {
    return s.evaluate(now, SETTINGS, sitePages, siteRunsTracker).stream()
        .map(FiredSignal::signal)
        .collect(Collectors.toSet());
  }
}
