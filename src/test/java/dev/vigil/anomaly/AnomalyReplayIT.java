package dev.vigil.anomaly;

import static dev.vigil.testkit.Decisions.CHROME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Traffic replayed with explicit timestamps through the decision API: a request spike from one
 * fingerprint opens a warning, then a critical, with the right value and baseline; a quiet period
 * closes it; a spike during warm-up does not fire; a restart keeps the baseline; a threshold edit
 * applies at once; invalid thresholds are refused with the reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnomalyReplayIT {
  private static final AtomicInteger NETS = new AtomicInteger(1);
  // minutes of the replay: well inside the 24 h that explicit timestamps may go back
  private static final Instant START =
      Instant.now().minus(Duration.ofHours(6)).truncatedTo(ChronoUnit.MINUTES);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;
  private String admin;
  private final HttpClient raw = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    db = TestDatabase.fresh();
    node = startNode();
    serverKey = node.serverKey();
    admin = node.adminToken();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aSpikeOpensAWarningThenEscalatesToCriticalAndAQuietPeriodClosesIt() {
    String ip = newIp();
    String session = null;
    // 12 minutes of 5 requests: the baseline warms up at 5 per minute
    for (int m = 0; m < 12; m++) {
      session = minute(ip, session, m, 5);
    }
    session = minute(ip, session, 12, 20); // 20 >= floor 15 and >= 2 x 5: warning
    session = minute(ip, session, 13, 40); // 40 >= floor 30 and >= 3 x 5: critical
    for (int m = 14; m < 21; m++) {
      session = minute(ip, session, m, 2); // quiet for 5 minutes: closes
    }
    minute(ip, session, 21, 1);

    Await.until(
        Duration.ofSeconds(15),
        () -> {
          JsonNode a = anomaly(ip, "requests_per_minute");
          assertThat(a.path("level").asText()).isEqualTo("critical");
          assertThat(a.path("value").asDouble()).isEqualTo(40.0);
          assertThat(a.path("peak").asDouble()).isEqualTo(40.0);
          assertThat(a.path("baseline").asDouble()).isEqualTo(5.0);
          assertThat(a.path("threshold").asDouble()).isEqualTo(30.0);
          assertThat(Instant.parse(a.path("openedAt").asText()))
              .isEqualTo(START.plus(13, ChronoUnit.MINUTES));
          assertThat(Instant.parse(a.path("escalatedAt").asText()))
              .isEqualTo(START.plus(14, ChronoUnit.MINUTES));
          assertThat(a.path("closedAt").isNull()).isFalse();
        });
  }

  @Test
  void aSiteWideSpikeOpensAnAnomalyOfTheSiteFromThePerNodeRollups() {
    JsonNode created =
        http.postJson("/v1/sites", admin, "{\"id\":\"spiky\",\"name\":\"Spiky\"}").json();
    String key = created.path("serverKey").asText();
    Await.until(
        Duration.ofSeconds(5), () -> assertThat(http.get("/v1/site", key).status()).isEqualTo(200));
    // many clients, each far below any per-fingerprint rule; together 10, then 60 per minute
    for (int m = 0; m < 12; m++) {
      int perMinute = m < 11 ? 10 : 60;
      for (int i = 0; i < perMinute; i++) {
        Instant at = START.plus(m, ChronoUnit.MINUTES).plusMillis(i * 900L);
        Reply r =
            http.postJson(
                "/v1/decide",
                key,
                "{\"ip\":\"100.64."
                    + i
                    + ".1\",\"path\":\"/\",\"userAgent\":\""
                    + CHROME
                    + "\",\"acceptLanguage\":\"en\",\"sessionId\":\"site-spike-"
                    + i
                    + "\",\"ts\":"
                    + at.toEpochMilli()
                    + "}");
        assertThat(r.status()).isEqualTo(200);
      }
    }
    http.postJson(
        "/v1/decide",
        key,
        "{\"ip\":\"100.64.0.1\",\"path\":\"/\",\"userAgent\":\""
            + CHROME
            + "\",\"acceptLanguage\":\"en\",\"ts\":"
            + START.plus(12, ChronoUnit.MINUTES).toEpochMilli()
            + "}");

    Await.until(
        Duration.ofSeconds(30),
        () -> {
          JsonNode list =
              http.get(
                      "/v1/anomalies?site=spiky&subjectKind=site&metric=requests_per_minute", admin)
                  .json()
                  .path("anomalies");
          assertThat(list).isNotEmpty();
          assertThat(list.get(0).path("value").asDouble()).isEqualTo(60.0);
          assertThat(list.get(0).path("level").asText()).isEqualTo("critical");
        });
  }

  @Test
  void aSpikeDuringWarmUpDoesNotFire() throws Exception {
    String ip = newIp();
    String session = minute(ip, null, 0, 3);
    session = minute(ip, session, 1, 45); // far above every rule, but the baseline is cold
    minute(ip, session, 2, 3);
    String fp = fingerprint(ip, session, 30);

    // no transition: the requests reach the table with the next periodic rollup (10 s here)
    Await.until(
        Duration.ofSeconds(40),
        () ->
            assertThat(
                    query("SELECT requests FROM fingerprints WHERE fingerprint_id = '" + fp + "'"))
                .isEqualTo("52"));
    assertThat(query("SELECT count(*) FROM anomalies WHERE subject_id = '" + fp + "'"))
        .isEqualTo("0");
  }

  @Test
  void aRestartInTheMiddleKeepsTheBaseline() throws Exception {
    String ip = newIp();
    String session = minute(ip, null, 0, 3);
    String fp = fingerprint(ip, session, 0); // the fourth request of minute 0
    for (int m = 1; m < 11; m++) {
      session = minute(ip, session, m, 4);
    }
    // the baselines are in the journal once a rollup with all 44 requests is projected
    Await.until(
        Duration.ofSeconds(30),
        () ->
            assertThat(
                    query("SELECT requests FROM fingerprints WHERE fingerprint_id = '" + fp + "'"))
                .isEqualTo("44"));

    node.close();
    node = startNode();

    String s = minute(ip, session, 11, 4);
    s = minute(ip, s, 12, 16); // warning only if the 4-per-minute baseline survived the restart
    minute(ip, s, 13, 1);
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          JsonNode a = anomaly(ip, "requests_per_minute");
          assertThat(a.path("level").asText()).isEqualTo("warning");
          assertThat(a.path("baseline").asDouble()).isEqualTo(4.0);
          assertThat(a.path("value").asDouble()).isEqualTo(16.0);
        });
  }

  @Test
  void aThresholdEditedThroughTheApiAppliesAtOnce() throws Exception {
    Reply edit =
        put(
            "/v1/anomaly-thresholds/sessions_per_fingerprint",
            "{\"warningFloor\":1,\"criticalFloor\":50,\"warningMultiple\":1,\"criticalMultiple\":5}");
    assertThat(edit.status()).as(edit.body()).isEqualTo(200);
    assertThat(http.get("/v1/anomaly-thresholds", admin).body())
        .contains("\"metric\":\"sessions_per_fingerprint\",\"warningFloor\":1.0");

    // a client without cookies: every request is a new session of the same fingerprint
    String ip = newIp();
    for (int m = 0; m < 12; m++) {
      decide(ip, null, START.plus(m, ChronoUnit.MINUTES));
    }

    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(anomaly(ip, "sessions_per_fingerprint").path("level").asText())
                .isEqualTo("warning"));
  }

  @Test
  void refusesInvalidThresholdsWithTheReason() {
    Reply negative =
        put(
            "/v1/anomaly-thresholds/error_rate",
            "{\"warningFloor\":-1,\"criticalFloor\":0.5,\"warningMultiple\":2,\"criticalMultiple\":3}");
    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().path("error").path("details").path("field").asText())
        .isEqualTo("warningFloor");

    Reply inverted =
        put(
            "/v1/anomaly-thresholds/error_rate",
            "{\"warningFloor\":0.3,\"criticalFloor\":0.2,\"warningMultiple\":2,\"criticalMultiple\":3}");
    assertThat(inverted.status()).isEqualTo(400);
    assertThat(inverted.json().path("error").path("message").asText())
        .contains("at least the warning floor");

    Reply unknown =
        put(
            "/v1/anomaly-thresholds/coffee_per_minute",
            "{\"warningFloor\":1,\"criticalFloor\":2,\"warningMultiple\":2,\"criticalMultiple\":3}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().path("error").path("message").asText()).contains("unknown metric");

    // a list with one unknown metric changes none of them, not even those before it
    String before = http.get("/v1/anomaly-thresholds", admin).body();
    Reply partly =
        put(
            "/v1/anomaly-thresholds",
            "[{\"metric\":\"error_rate\",\"warningFloor\":0.11,\"criticalFloor\":0.22,"
                + "\"warningMultiple\":2,\"criticalMultiple\":3},"
                + "{\"metric\":\"coffee_per_minute\",\"warningFloor\":1,\"criticalFloor\":2,"
                + "\"warningMultiple\":2,\"criticalMultiple\":3}]");
    assertThat(partly.status()).isEqualTo(400);
    assertThat(http.get("/v1/anomaly-thresholds", admin).body())
        .isEqualTo(before)
        .contains("\"metric\":\"error_rate\"");
    assertThat(partly.json().path("error").path("message").asText())
        .contains("unknown metric 'coffee_per_minute'")
        .contains("nothing was changed");

    String viewer =
        http.postJson("/v1/tokens", admin, "{\"name\":\"v\",\"role\":\"viewer\",\"allSites\":true}")
            .json()
            .path("secret")
            .asText();
    Reply forbidden =
        putAs(
            viewer,
            "/v1/anomaly-thresholds/error_rate",
            "{\"warningFloor\":0.1,\"criticalFloor\":0.2,\"warningMultiple\":2,\"criticalMultiple\":3}");
    assertThat(forbidden.status()).isEqualTo(403);
  }

  @Test
  void anOpenAnomalyCanBeAcknowledged() {
    String ip = newIp();
    String session = null;
    for (int m = 0; m < 11; m++) {
      session = minute(ip, session, m, 2);
    }
    session = minute(ip, session, 11, 35);
    minute(ip, session, 12, 2);
    Await.until(
        Duration.ofSeconds(15),
        () -> assertThat(anomaly(ip, "requests_per_minute").isMissingNode()).isFalse());
    String id = anomaly(ip, "requests_per_minute").path("anomalyId").asText();

    Reply ack = http.postJson("/v1/anomalies/" + id + "/ack", admin, "");

    assertThat(ack.status()).isEqualTo(200);
    String by = anomaly(ip, "requests_per_minute").path("acknowledgedBy").asText();
    assertThat(by).startsWith("admin");
    assertThat(ack.json().path("acknowledgedBy").asText()).isEqualTo(by);

    // the first acknowledgement stands: another user's is answered with it and changes nothing
    String viewer =
        http.postJson(
                "/v1/tokens", admin, "{\"name\":\"ops\",\"role\":\"viewer\",\"allSites\":true}")
            .json()
            .path("secret")
            .asText();
    Reply again = http.postJson("/v1/anomalies/" + id + "/ack", viewer, "");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().path("acknowledgedBy").asText()).isEqualTo(by);
    assertThat(again.json().path("acknowledgedAt").asText())
        .isEqualTo(ack.json().path("acknowledgedAt").asText())
        .isNotEmpty();
    assertThat(anomaly(ip, "requests_per_minute").path("acknowledgedBy").asText()).isEqualTo(by);
    assertThat(http.postJson("/v1/anomalies/an_nope/ack", admin, "").status()).isEqualTo(404);
    assertThat(http.get("/v1/anomalies?level=loud", admin).status()).isEqualTo(400);
  }

  // ---- helpers ----

  /** {@code count} decisions spread over minute {@code m} of the replay; returns the session. */
  private String minute(String ip, String session, int m, int count) {
    String s = session;
    for (int i = 0; i < count; i++) {
      Instant at = START.plus(m, ChronoUnit.MINUTES).plusMillis(i * (59_000L / Math.max(1, count)));
      s = decide(ip, s, at);
    }
    return s;
  }

  private String decide(String ip, String session, Instant at) {
    String body =
        "{\"ip\":\""
            + ip
            + "\",\"path\":\"/p\",\"userAgent\":\""
            + CHROME
            + "\","
            + "\"accept\":\"text/html\",\"acceptLanguage\":\"en\",\"ts\":"
            + at.toEpochMilli()
            + (session == null ? "" : ",\"sessionId\":\"" + session + "\"")
            + "}";
    Reply r = http.postJson("/v1/decide", serverKey, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return session == null ? r.json().path("sessionId").asText() : session;
  }

  /** The client's fingerprint, from one more decision at the end of minute {@code m}. */
  private String fingerprint(String ip, String session, int m) {
    return http.postJson(
            "/v1/decide",
            serverKey,
            "{\"ip\":\""
                + ip
                + "\",\"path\":\"/p\",\"userAgent\":\""
                + CHROME
                + "\",\"accept\":\"text/html\",\"acceptLanguage\":\"en\",\"sessionId\":\""
                + session
                + "\",\"ts\":"
                + START.plus(m, ChronoUnit.MINUTES).plusSeconds(59).toEpochMilli()
                + "}")
        .json()
        .path("fingerprintId")
        .asText();
  }

  private JsonNode anomaly(String ip, String metric) {
    // the fingerprint of this client: same headers as the replay
    String fp =
        http.postJson(
                "/v1/decide",
                serverKey,
                "{\"ip\":\""
                    + ip
                    + "\",\"path\":\"/\",\"userAgent\":\""
                    + CHROME
                    + "\",\"accept\":\"text/html\",\"acceptLanguage\":\"en\","
                    + "\"sessionId\":\"probe-session-"
                    + ip.replace('.', '-')
                    + "\"}")
            .json()
            .path("fingerprintId")
            .asText();
    JsonNode list =
        http.get("/v1/anomalies?subject=" + fp + "&metric=" + metric, admin)
            .json()
            .path("anomalies");
    return list.isEmpty()
        ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
        : list.get(0);
  }

  private Reply put(String path, String body) {
    return putAs(admin, path, body);
  }

  private Reply putAs(String token, String path, String body) {
    try {
      HttpResponse<String> r =
          raw.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .PUT(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A node on this test's database (the same one after a restart). */
  private TestNode startNode() {
    TestNode started =
        TestNode.start(
            db,
            Map.of(
                "vigil.detection.decide-timeout", "5s",
                "vigil.detection.fingerprint.rollup-interval", "10s"));
    http = started.http();
    return started;
  }

  private static String newIp() {
    return "198.19." + NETS.getAndIncrement() + ".20";
  }

  private String query(String sql) throws Exception {
    try (var c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
