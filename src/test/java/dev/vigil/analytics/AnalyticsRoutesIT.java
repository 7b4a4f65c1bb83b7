package dev.vigil.analytics;

import static dev.vigil.testkit.ReadSideRows.event;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.ReadSideRows;
import dev.vigil.testkit.TestNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The session and analytics endpoints on a started node: a viewer token for one site never sees
 * another site's sessions or content, and bad parameters, unknown sessions and missing tokens get
 * their JSON errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsRoutesIT {
  private TestNode node;
  private HttpTestClient http;
  private String admin;
  private String viewer;

  @BeforeAll
  void startServerWithTwoSitesOfTraffic() throws Exception {
    node = TestNode.start();
    http = node.http();
    admin = node.adminToken();
    assertThat(http.postJson("/v1/sites", admin, "{\"id\":\"shop\",\"name\":\"Shop\"}").status())
        .isEqualTo(201);
    Reply token =
        http.postJson(
            "/v1/tokens", admin, "{\"name\":\"analyst\",\"role\":\"viewer\",\"sites\":[\"shop\"]}");
    viewer = token.json().path("secret").asText();

    // The node's clock is the real one: rows within the last hours, in existing partitions.
    DataSource ds = node.server().database().dataSource();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    session("default-session-1", "default", now.minus(Duration.ofHours(2))).insert(ds);
    session("shop-session-1", "shop", now.minus(Duration.ofHours(1)))
        .lastSeen(now.minus(Duration.ofMinutes(30)))
        .insert(ds);
    session("shop-session-2", "shop", now.minus(Duration.ofHours(3))).insert(ds);
    List<ReadSideRows.Event> rows = new ArrayList<>();
    rows.add(
        event(
            "default",
            "default-session-1",
            "page_view",
            now.minus(Duration.ofHours(2)),
            "/default-only"));
    rows.add(
        event(
            "shop",
            "shop-session-1",
            "page_view",
            now.minus(Duration.ofMinutes(59)),
            "/shop-only"));
    rows.add(
        event(
                "shop",
                "shop-session-1",
                "page_exit",
                now.minus(Duration.ofMinutes(58)),
                "/shop-only")
            .exit(60_000, 70, 1, 0, 0, "reader"));
    ReadSideRows.insertAll(ds, rows);
  }

  @AfterAll
  void stopServer() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static List<String> sessionIds(Reply r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().path("sessions").findValuesAsText("sessionId");
  }

  @Test
  void aViewerListsOnlyTheSessionsOfItsSites() {
    assertThat(sessionIds(http.get("/v1/sessions", viewer)))
        .containsExactly("shop-session-1", "shop-session-2");
    assertThat(sessionIds(http.get("/v1/sessions?site=shop", viewer)))
        .containsExactly("shop-session-1", "shop-session-2");
    assertThat(sessionIds(http.get("/v1/sessions", admin)))
        .containsExactly("shop-session-1", "default-session-1", "shop-session-2");
  }

  @Test
  void aViewerIsRefusedAnotherSitesSessionsAndReports() {
    for (String path :
        List.of(
            "/v1/sessions?site=default",
            "/v1/sessions/default-session-1",
            "/v1/analytics/content?site=default",
            "/v1/analytics/traffic?site=default",
            "/v1/analytics/overview?site=default")) {
      Reply r = http.get(path, viewer);
      assertThat(r.status()).as(path).isEqualTo(403);
      assertThat(r.errorCode()).as(path).isEqualTo("forbidden");
    }
  }

  @Test
  void aViewerSeesOnlyItsSitesContentTrafficAndOverview() {
    Reply content = http.get("/v1/analytics/content", viewer);
    assertThat(content.status()).isEqualTo(200);
    assertThat(content.json().path("content").findValuesAsText("key"))
        .containsExactly("/shop-only");
    JsonNode item = content.json().path("content").get(0);
    assertThat(item.path("views").asLong()).isEqualTo(1);
    assertThat(item.path("avgTimeOnPageMs").asLong()).isEqualTo(60_000);
    assertThat(item.path("trend").asText()).isEqualTo("up");
    assertThat(
            http.get("/v1/analytics/content", admin).json().path("content").findValuesAsText("key"))
        .containsExactlyInAnyOrder("/shop-only", "/default-only");

    Reply traffic = http.get("/v1/analytics/traffic", viewer);
    assertThat(traffic.json().path("totalSessions").asLong()).isEqualTo(2);
    assertThat(traffic.json().path("sources").get(0).path("key").asText()).isEqualTo("direct");

    JsonNode day = http.get("/v1/analytics/overview", viewer).json().path("windows").path("24h");
    assertThat(day.path("sessions").path("current").asLong()).isEqualTo(2);
    assertThat(day.path("pageViews").path("current").asLong()).isEqualTo(1);
    assertThat(
            http.get("/v1/analytics/overview", admin)
                .json()
                .path("windows")
                .path("24h")
                .path("sessions")
                .path("current")
                .asLong())
        .isEqualTo(3);
  }

  @Test
  void answersOneSessionWithItsPages() {
    Reply r = http.get("/v1/sessions/shop-session-1", viewer);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("session").path("siteId").asText()).isEqualTo("shop");
    assertThat(r.json().path("session").path("class").asText()).isEqualTo("human");
    JsonNode page = r.json().path("pages").get(0);
    assertThat(page.path("path").asText()).isEqualTo("/shop-only");
    assertThat(page.path("readingPattern").asText()).isEqualTo("reader");
  }

  @Test
  void answers404ForAnUnknownSession() {
    Reply r = http.get("/v1/sessions/no-such-session", admin);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.errorCode()).isEqualTo("not_found");
  }

  @Test
  void answers400ForASessionIdWithANulInIt() {
    Reply r = http.get("/v1/sessions/s_%00x", viewer);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("bad_request");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/v1/sessions?limit=0, limit",
    "/v1/sessions?limit=many, limit",
    "/v1/sessions?since=yesterday, since",
    "/v1/sessions?class=robot, class",
    "/v1/sessions?cursor=garbage, cursor",
    // a cursor crafted with a year PostgreSQL cannot hold (+300000-01-01T00:00:00Z|s_x)
    "/v1/sessions?cursor=KzMwMDAwMC0wMS0wMVQwMDowMDowMFp8c194, cursor",
    "/v1/analytics/content?limit=501, limit",
    "/v1/analytics/content?includeBots=maybe, includeBots",
    "/v1/analytics/traffic?until=tomorrow, until",
    "/v1/analytics/traffic?since=2025-06-02T00:00:00Z&until=2025-06-01T00:00:00Z, since",
    "/v1/analytics/overview?site=, site",
    // a window's arithmetic failed on it (500), and PostgreSQL on a year past its range
    "/v1/analytics/content?until=-1000000000-01-01T00:00:00Z, until",
    "/v1/sessions?until=%2B300000-01-01T00:00:00Z, until",
    // PostgreSQL refuses a NUL in text: the query failed with a 500
    "/v1/sessions?landing=/caf%00e, landing",
  })
  void answers400NamingTheBadParameter(String path, String parameter) {
    Reply r = http.get(path, viewer);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_parameter");
    assertThat(r.json().path("error").path("details").path("parameter").asText())
        .isEqualTo(parameter);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/sessions",
        "/v1/sessions/shop-session-1",
        "/v1/analytics/content",
        "/v1/analytics/traffic",
        "/v1/analytics/overview"
      })
  void answers401WithoutAToken(String path) {
    Reply r = http.get(path);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorCode()).isEqualTo("missing_credentials");
  }
}
