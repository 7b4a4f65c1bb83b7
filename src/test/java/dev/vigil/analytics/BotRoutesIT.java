package dev.vigil.analytics;

import static dev.vigil.testkit.BotDefenseRows.decision;
import static dev.vigil.testkit.BotDefenseRows.fingerprint;
import static dev.vigil.testkit.BotDefenseRows.transition;
import static dev.vigil.testkit.ReadSideRows.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testkit.BotDefenseRows;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
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

/**
 * {@code GET /v1/analytics/bots} on a started node with bot traffic on two sites: a viewer token
 * for one site sees only that site's figures and is refused the other, an admin sees both, and bad
 * parameters and missing tokens get their JSON errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BotRoutesIT {
  private TestNode node;
  private HttpTestClient http;
  private String admin;
  private String viewer;
  private Instant hour; // the current UTC hour: the window is the two before it and itself
  private String window;

  @BeforeAll
  void startServerWithBotTrafficOnTwoSites() throws Exception {
    node = TestNode.start();
    http = node.http();
    admin = node.adminToken();
    assertThat(http.postJson("/v1/sites", admin, "{\"id\":\"shop\",\"name\":\"Shop\"}").status())
        .isEqualTo(201);
    viewer =
        http.postJson(
                "/v1/tokens",
                admin,
                "{\"name\":\"analyst\",\"role\":\"viewer\",\"sites\":[\"shop\"]}")
            .json()
            .path("secret")
            .asText();

    // The node's clock is the real one: rows in the last two hours, in existing partitions.
    hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
    window =
        "since=" + hour.minus(Duration.ofHours(2)) + "&until=" + hour.plus(Duration.ofHours(1));
    DataSource ds = node.server().database().dataSource();
    session("shop-human", "shop", ago(110)).insert(ds);
    session("shop-crawler", "shop", ago(100)).cls("known_bot").fingerprint("fp-bing").insert(ds);
    session("shop-curl", "shop", ago(50)).cls("automation").fingerprint("fp-curl").insert(ds);
    fingerprint("fp-bing", "shop", ago(100), ago(99))
        .immediate("declared_crawler", "bingbot")
        .counts(1, 100, 0)
        .insert(ds);
    fingerprint("fp-curl", "shop", ago(50), ago(49))
        .level("blocked", 40)
        .immediate("automation_tool", "curl")
        .counts(1, 30, 1)
        .insert(ds);
    transition(ds, "fp-curl", "shop", "normal", "blocked", ago(50));
    session("default-bot-1", "default", ago(100))
        .cls("behavioural_bot")
        .fingerprint("fp-farm")
        .insert(ds);
    session("default-bot-2", "default", ago(95))
        .cls("behavioural_bot")
        .fingerprint("fp-farm")
        .insert(ds);
    fingerprint("fp-farm", "default", ago(100), ago(90))
        .level("warning", 40)
        .bot(60, List.of("ip_rotation"))
        .counts(2, 500, 5)
        .insert(ds);
    transition(ds, "fp-farm", "default", "normal", "warning", ago(90));
    List<BotDefenseRows.Observation> decisions = new ArrayList<>();
    decisions.add(decision("shop", "fp-curl", ago(50), "block"));
    decisions.add(decision("shop", "fp-curl", ago(49), "block"));
    decisions.add(decision("default", "fp-farm", ago(90), "throttle"));
    BotDefenseRows.insertAll(ds, decisions);
  }

  @AfterAll
  void stopServer() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private Instant ago(int minutes) {
    return hour.minus(Duration.ofMinutes(minutes));
  }

  private JsonNode bots(String query, String token) {
    Reply r = http.get("/v1/analytics/bots?" + query, token);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @Test
  void aViewerSeesOnlyItsSitesBots() {
    for (String query : List.of(window + "&bucket=hour", window + "&bucket=hour&site=shop")) {
      JsonNode r = bots(query, viewer);

      JsonNode totals = r.path("totals");
      assertThat(totals.path("sessions").asLong()).isEqualTo(3);
      assertThat(totals.path("human").asLong()).isEqualTo(1);
      assertThat(totals.path("bot").asLong()).isEqualTo(2);
      assertThat(totals.path("ghost").asLong()).isZero();
      assertThat(totals.path("botShare").asDouble()).isCloseTo(2.0 / 3, within(1e-9));
      assertThat(r.path("kinds").path("classes").findValuesAsText("class"))
          .containsExactly("automation", "known_bot");
      assertThat(r.path("kinds").path("names").findValuesAsText("name"))
          .containsExactly("bingbot", "curl");
      assertThat(r.path("topFingerprints").findValuesAsText("fingerprintId"))
          .containsExactly("fp-curl", "fp-bing");
      assertThat(intervals(r))
          .containsExactly(
              hour.minus(Duration.ofHours(2)) + " 0 0 0 0",
              hour.minus(Duration.ofHours(1)) + " 0 1 0 2",
              hour + " 0 0 0 0");
    }
  }

  @Test
  void anAdminSeesEverySiteOrTheOneAskedFor() {
    JsonNode all = bots(window + "&bucket=hour", admin);
    assertThat(all.path("totals").path("sessions").asLong()).isEqualTo(5);
    assertThat(all.path("totals").path("bot").asLong()).isEqualTo(4);
    assertThat(all.path("topFingerprints").findValuesAsText("fingerprintId"))
        .containsExactly("fp-farm", "fp-curl", "fp-bing");
    assertThat(intervals(all))
        .containsExactly(
            hour.minus(Duration.ofHours(2)) + " 1 0 1 0",
            hour.minus(Duration.ofHours(1)) + " 0 1 0 2",
            hour + " 0 0 0 0");

    JsonNode other = bots(window + "&bucket=hour&site=default", admin);
    assertThat(other.path("totals").path("sessions").asLong()).isEqualTo(2);
    assertThat(other.path("kinds").path("classes").get(0).path("class").asText())
        .isEqualTo("behavioural_bot");
    assertThat(other.path("kinds").path("names").isEmpty()).isTrue();
  }

  @Test
  void answersTheDocumentedShape() {
    JsonNode r = bots(window + "&bucket=hour&limit=1", viewer);

    assertThat(r.path("since").asText()).isEqualTo(hour.minus(Duration.ofHours(2)).toString());
    assertThat(r.path("bucket").asText()).isEqualTo("hour");
    assertThat(r.path("topFingerprints")).hasSize(1);
    JsonNode fp = r.path("topFingerprints").get(0);
    assertThat(fp.path("siteId").asText()).isEqualTo("shop");
    assertThat(fp.path("level").asText()).isEqualTo("blocked");
    assertThat(fp.has("pinnedLevel")).isTrue();
    assertThat(fp.path("pinnedLevel").isNull()).isTrue();
    assertThat(fp.path("effectiveLevel").asText()).isEqualTo("blocked");
    assertThat(fp.path("reputation").asInt()).isEqualTo(40);
    assertThat(fp.path("immediateClass").asText()).isEqualTo("automation_tool");
    assertThat(fp.path("immediateName").asText()).isEqualTo("curl");
    assertThat(fp.path("escalations").asInt()).isEqualTo(1);
    assertThat(fp.path("requests").asLong()).isEqualTo(30);
    assertThat(fp.path("reasons").isArray()).isTrue();
    assertThat(fp.path("lastSeenAt").asText()).isEqualTo(ago(49).toString());
    JsonNode name = r.path("kinds").path("names").get(0);
    assertThat(name.path("class").asText()).isEqualTo("known_bot");
    assertThat(name.path("sessions").asLong()).isEqualTo(1);
  }

  @Test
  void aViewerIsRefusedAnotherSitesBots() {
    Reply r = http.get("/v1/analytics/bots?site=default", viewer);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.errorCode()).isEqualTo("forbidden");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "bucket=week, bucket",
    "bucket=, bucket",
    "limit=0, limit",
    "limit=501, limit",
    "since=yesterday, since",
    "until=tomorrow, until",
    "since=2025-06-02T00:00:00Z&until=2025-06-01T00:00:00Z, since",
    "since=2025-01-01T00:00:00Z&until=2025-03-01T00:00:00Z&bucket=hour, bucket",
    "since=2020-01-01T00:00:00Z&until=2025-01-01T00:00:00Z, since",
    "site=, site",
  })
  void answers400NamingTheBadParameter(String query, String parameter) {
    Reply r = http.get("/v1/analytics/bots?" + query, viewer);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_parameter");
    assertThat(r.json().path("error").path("details").path("parameter").asText())
        .isEqualTo(parameter);
  }

  @Test
  void answers401WithoutAToken() {
    Reply r = http.get("/v1/analytics/bots");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorCode()).isEqualTo("missing_credentials");
  }

  /** Each overTime bucket as "start throttleEsc blockEsc throttleDec blockDec". */
  private static List<String> intervals(JsonNode report) {
    List<String> rows = new ArrayList<>();
    for (JsonNode i : report.path("overTime")) {
      rows.add(
          Instant.parse(i.path("start").asText())
              + " "
              + i.path("throttleEscalations").asLong()
              + " "
              + i.path("blockEscalations").asLong()
              + " "
              + i.path("throttleDecisions").asLong()
              + " "
              + i.path("blockDecisions").asLong());
    }
    return rows;
  }
}
