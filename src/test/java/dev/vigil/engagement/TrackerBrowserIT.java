package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.http.Json;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.HeadlessChromium;
import dev.vigil.testkit.TestNode;
import dev.vigil.testkit.TrackedSite;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

/**
 * The real tracker in a real browser against the real collect endpoint (specs/engagement.md):
 * Debian's headless chromium opens a page of a separate origin that loads {@code /tracker.js} from
 * an in-process Vigil node, scrolls, rage-clicks, navigates with {@code pushState} and leaves. The
 * stored beacons and the projected sessions row must carry what the browser produced.
 *
 * <p>Uses the system chromium and chromedriver by path, so Selenium Manager is never run and
 * nothing is downloaded; {@code .ci/run} installs both. A missing browser fails the test rather
 * than skipping it (a skip would hide a missing install step) unless {@code
 * -Dvigil.skipBrowserTests=true}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisabledIfSystemProperty(
    named = "vigil.skipBrowserTests",
    matches = "true",
    disabledReason = "browser tests switched off with -Dvigil.skipBrowserTests=true")
class TrackerBrowserIT {
  private static final Duration STORED = Duration.ofSeconds(20);
  private static final int WINDOW_WIDTH = 1200;
  private static final String LANDING_PATH = "/tracker-test.html";
  private static final String SPA_PATH = "/spa/second"; // where the page's #spa button pushes

  private ConnectionInfo db;
  private TestNode node;
  private TrackedSite site;
  private ChromeDriver driver;

  @BeforeAll
  void start() {
    // Short rollups: the sessions row reflects the last beacon within about a second.
    node = TestNode.start(Map.of("vigil.sessions.rollup-interval", "200ms"));
    db = node.db();
    site =
        TrackedSite.start(
            node.publicKey(),
            "http://127.0.0.1:" + node.port() + "/tracker.js",
            Set.of(LANDING_PATH, SPA_PATH));
    // the browser's own user agent: the session row must carry what a real Chromium sends
    driver = HeadlessChromium.start(null);
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (site != null) {
      site.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void storesTheScrollsRageClickSpaViewAndExitsOfABrowserVisitInItsSession() throws Exception {
    // given the tracked page, opened from the site's own origin
    String landing = site.origin() + LANDING_PATH;
    driver.get(landing);
    Await.until(
        Duration.ofSeconds(10),
        () ->
            assertThat(driver.executeScript("return !!(window.vigil && window.vigil.__vigil)"))
                .isEqualTo(true));
    Cookie sid = driver.manage().getCookieNamed("vigil_sid");
    assertThat(sid).as("the tracker's session cookie on the site's origin").isNotNull();
    String sessionId = sid.getValue();

    // when the visitor scrolls to the bottom in four steps,
    long bottom =
        (Long) driver.executeScript("return document.documentElement.scrollHeight - innerHeight");
    for (int step = 1; step <= 4; step++) {
      scrollTo(bottom * step / 4);
    }
    // rage-clicks the dead block (three real clicks in one burst, far within 500 ms and 30 px),
    WebElement dead = driver.findElement(By.id("dead"));
    driver.executeScript("arguments[0].scrollIntoView({block: 'center'})", dead);
    new Actions(driver).moveToElement(dead).click().click().click().perform();
    // navigates in the app (pushState), scrolls a little there
    driver.findElement(By.id("spa")).click();
    Await.until(
        Duration.ofSeconds(5),
        () -> assertThat(driver.getCurrentUrl()).isEqualTo(site.origin() + SPA_PATH));
    scrollTo(0);
    saveScreenshot();
    scrollTo(400);
    // and leaves (pagehide: the last page_exit goes out with sendBeacon)
    driver.get("about:blank");

    // then the beacons are stored under the browser's session id
    Await.until(STORED, () -> assertEvents(sessionId, landing));
    // and the sessions row adds them up
    Await.until(STORED, () -> assertSession(sessionId, landing));
  }

  private void assertEvents(String sessionId, String landing) throws SQLException {
    List<Map<String, Object>> events =
        query(
            "SELECT type, path, referrer, max_scroll_depth, rage_clicks, clicks, browser,"
                + " device_class, data::text AS data FROM engagement_events"
                + " WHERE session_id = ? ORDER BY ts",
            sessionId);
    assertThat(events).as("the last beacon").anyMatch(e -> is(e, "page_exit", SPA_PATH));

    assertThat(events).filteredOn(e -> is(e, "page_view", LANDING_PATH)).hasSize(1);
    List<Map<String, Object>> spaViews = only(events, "page_view", SPA_PATH);
    assertThat(spaViews).as("the SPA page view").hasSize(1);
    assertThat(spaViews.get(0).get("referrer")).isEqualTo(landing);
    assertThat(data(spaViews.get(0)).path("viewportWidth").asInt())
        .isCloseTo(WINDOW_WIDTH, within(40));

    assertThat(only(events, "scroll", LANDING_PATH))
        .extracting(e -> data(e).path("milestone").asInt())
        .containsExactlyInAnyOrder(25, 50, 75, 90, 100);

    List<Map<String, Object>> exits = only(events, "page_exit", LANDING_PATH);
    assertThat(exits).as("the landing page's exit").hasSize(1);
    assertThat((Integer) exits.get(0).get("max_scroll_depth")).isGreaterThanOrEqualTo(95);
    assertThat((Integer) exits.get(0).get("rage_clicks")).isGreaterThanOrEqualTo(1);
    // the three on #dead and the one on #spa, which the page still counts as its own
    assertThat((Integer) exits.get(0).get("clicks")).isGreaterThanOrEqualTo(4);

    // one session for the whole visit, and the client derived from the browser's real UA
    assertThat(query("SELECT DISTINCT session_id FROM engagement_events")).hasSize(1);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat((String) e.get("browser")).matches("(Chrome|Chromium)\\b.*");
              assertThat(e.get("device_class")).isEqualTo("Desktop");
            });
  }

  private void assertSession(String sessionId, String landing) throws SQLException {
    List<Map<String, Object>> rows =
        query(
            "SELECT landing_url, landing_path, page_views, rage_clicks, max_scroll_depth, beacons,"
                + " browser, device_class,"
                + " (SELECT count(*) FROM engagement_events e WHERE e.session_id = s.session_id)"
                + " AS stored FROM sessions s WHERE session_id = ?",
            sessionId);
    assertThat(rows).as("the sessions row").hasSize(1);
    Map<String, Object> row = rows.get(0);
    assertThat(row.get("landing_path")).isEqualTo(LANDING_PATH);
    assertThat(row.get("landing_url")).isEqualTo(landing);
    assertThat(row.get("page_views")).isEqualTo(2);
    assertThat((Integer) row.get("rage_clicks")).isGreaterThanOrEqualTo(1);
    assertThat((Integer) row.get("max_scroll_depth")).isGreaterThanOrEqualTo(95);
    assertThat(((Number) row.get("beacons")).longValue()).isEqualTo(row.get("stored"));
    assertThat((String) row.get("browser")).matches("(Chrome|Chromium)\\b.*");
    assertThat(row.get("device_class")).isEqualTo("Desktop");
  }

  /**
   * Scrolls the page to {@code y} (clamped to the bottom) and returns once the browser has
   * dispatched the scroll event, which the tracker handles, rather than guessing how long it takes.
   */
  private void scrollTo(long y) {
    driver.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "const y = Math.min(arguments[0],"
            + "  document.documentElement.scrollHeight - innerHeight);"
            + "if (Math.abs(scrollY - y) < 1) { done(); return; }"
            + "addEventListener('scroll', () => done(), {once: true});"
            + "scrollTo(0, y);",
        y);
  }

  private static List<Map<String, Object>> only(
      List<Map<String, Object>> events, String type, String path) {
    return events.stream().filter(e -> is(e, type, path)).toList();
  }

  private static boolean is(Map<String, Object> event, String type, String path) {
    return type.equals(event.get("type")) && path.equals(event.get("path"));
  }

  private static JsonNode data(Map<String, Object> event) {
    try {
      return Json.MAPPER.readTree((String) event.get("data"));
    } catch (IOException e) {
      throw new AssertionError("data is not JSON: " + event.get("data"), e);
    }
  }

  private List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        var st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet rs = st.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= columns; i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  /** A build artifact: what the page looked like after the SPA navigation. */
  private void saveScreenshot() throws IOException {
    Path dir = Path.of(System.getProperty("vigil.basedir", "."), "target", "screenshots");
    Files.createDirectories(dir);
    File shot = driver.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), dir.resolve("tracker-test.png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
