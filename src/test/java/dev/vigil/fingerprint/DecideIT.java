package dev.vigil.fingerprint;

import static dev.vigil.testkit.Decisions.CHROME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Beacons;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The decision API on a running node: answers from memory, throttles and blocks as the spec says,
 * journals and projects the transitions, and refuses bad input with the field named.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecideIT {
  private static final AtomicInteger NETS = new AtomicInteger(1);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;
  private String admin;
  private final HttpClient raw = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.detection.decide-timeout", "5s",
                "vigil.sessions.rollup-interval", "200ms"));
    db = node.db();
    http = node.http();
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
  void allowsABrowserAndMintsASessionCookieThatItThenReuses() {
    String ip = newIp();
    JsonNode first = decide(browser(ip, "/home", null)).json();

    assertThat(first.path("action").asText()).isEqualTo("allow");
    assertThat(first.path("classes").get(0).asText()).isEqualTo("human");
    String session = first.path("sessionId").asText();
    assertThat(first.path("setCookie").asText()).startsWith("vigil_sid=" + session + ";");

    JsonNode second = decide(browser(ip, "/about", session)).json();
    assertThat(second.path("sessionId").asText()).isEqualTo(session);
    assertThat(second.path("setCookie").isNull()).isTrue();
    assertThat(second.path("fingerprintId").asText())
        .isEqualTo(first.path("fingerprintId").asText());
  }

  @Test
  void aRequestWithANulInItsPathIsDecidedAndItsSessionRowIsWritten() throws Exception {
    // given an app that passes on a decoded path: /caf%00e arrives with a NUL in it
    Reply reply = decide(browser(newIp(), "/caf\\u0000e", null));

    // then it is decided, and the session's row (the projection's) keeps the path as it can
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    String session = reply.json().path("sessionId").asText();
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    query("SELECT landing_path FROM sessions WHERE session_id = '" + session + "'"))
                .isEqualTo("/caf\uFFFDe"));
    // and the projection goes on with the sessions after it
    String next = decide(browser(newIp(), "/after", null)).json().path("sessionId").asText();
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(query("SELECT landing_path FROM sessions WHERE session_id = '" + next + "'"))
                .isEqualTo("/after"));
  }

  @Test
  void aDecisionStartsNoThread() {
    // Regression: the answer's stage once went through the JDK's default async executor, which on
    // a machine of 2 cores or fewer (CI's) starts a new thread per task — one per decision.
    String ip = newIp();
    String session = decide(browser(ip, "/warm", null)).json().path("sessionId").asText();
    for (int i = 0; i < 5; i++) {
      decide(browser(ip, "/warm/" + i, session));
    }
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getTotalStartedThreadCount();
    for (int i = 0; i < 100; i++) {
      assertThat(decide(browser(ip, "/p/" + i, session)).status()).isEqualTo(200);
    }
    assertThat(threads.getTotalStartedThreadCount() - before).isLessThan(20);
  }

  @Test
  void aFlightRecordingTakesEachDecisionApartIntoItsStagesInOrder() throws Exception {
    String ip = newIp();
    String session = decide(browser(ip, "/jfr", null)).json().path("sessionId").asText();
    Path file = Files.createTempFile("decide-stages", ".jfr");
    try {
      try (Recording recording = new Recording()) {
        recording.enable("vigil.DecisionStage");
        recording.enable("vigil.HttpRequest");
        recording.start();
        for (int i = 0; i < 3; i++) {
          assertThat(decide(browser(ip, "/jfr/" + i, session)).status()).isEqualTo(200);
        }
        recording.stop();
        recording.dump(file);
      }
      Map<Long, Map<String, RecordedEvent>> traces = new HashMap<>();
      List<RecordedEvent> requests = new ArrayList<>();
      // (a new recording takes every event enabled by default too, such as Pekko's own)
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        String type = e.getEventType().getName();
        if (type.equals("vigil.HttpRequest")) {
          requests.add(e);
        } else if (type.equals("vigil.DecisionStage")) {
          traces
              .computeIfAbsent(e.getLong("trace"), t -> new HashMap<>())
              .put(e.getString("stage"), e);
        }
      }
      // every decision of the three (and no other, as no other test runs meanwhile) has its four
      // stages, one after the other: the edge's call around its preparation and the two entities'
      // handling, inside the request's own time in the routes
      assertThat(traces).hasSize(3);
      assertThat(requests).hasSize(3);
      for (RecordedEvent r : requests) {
        assertThat(r.getString("method")).isEqualTo("POST");
        assertThat(r.getString("route")).isEqualTo("/v1/decide");
        assertThat(r.getInt("status")).isEqualTo(200);
      }
      for (Map<String, RecordedEvent> stages : traces.values()) {
        assertThat(stages).containsOnlyKeys("decide", "prepare", "session", "fingerprint");
        RecordedEvent decide = stages.get("decide");
        RecordedEvent prepare = stages.get("prepare");
        RecordedEvent sessionStage = stages.get("session");
        RecordedEvent fingerprint = stages.get("fingerprint");
        assertThat(prepare.getStartTime()).isAfterOrEqualTo(decide.getStartTime());
        assertThat(sessionStage.getStartTime()).isAfterOrEqualTo(prepare.getEndTime());
        assertThat(fingerprint.getStartTime()).isAfterOrEqualTo(sessionStage.getEndTime());
        assertThat(decide.getEndTime()).isAfterOrEqualTo(fingerprint.getEndTime());
        assertThat(requests)
            .anySatisfy(
                r -> {
                  assertThat(r.getStartTime()).isBeforeOrEqualTo(decide.getStartTime());
                  assertThat(r.getEndTime()).isAfterOrEqualTo(decide.getEndTime());
                });
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void blocksAnAutomationToolOnItsFirstPageRequestAndKeepsItBlocked() throws Exception {
    String ip = newIp();
    String body = "{\"ip\":\"" + ip + "\",\"path\":\"/pricing\",\"userAgent\":\"curl/8.5.0\"}";

    JsonNode first = decide(body).json();
    JsonNode second = decide(body).json();

    assertThat(first.path("action").asText()).isEqualTo("block");
    assertThat(first.path("level").asText()).isEqualTo("blocked");
    assertThat(first.path("retryAfterSeconds").asLong()).isPositive();
    assertThat(first.path("classes").toString()).contains("automation");
    assertThat(second.path("action").asText()).isEqualTo("block");
    String fp = first.path("fingerprintId").asText();
    // journaled, projected
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          assertThat(query("SELECT level FROM fingerprints WHERE fingerprint_id = '" + fp + "'"))
              .isEqualTo("blocked");
          assertThat(
                  query("SELECT reason FROM throttle_events WHERE fingerprint_id = '" + fp + "'"))
              .isEqualTo("automation:curl");
        });
  }

  @Test
  void blocksAScannerProbeInTheNginxFormWithHeadersForAuthRequestSet() throws Exception {
    HttpResponse<String> r =
        raw.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/v1/decide/nginx"))
                .header("Authorization", "Bearer " + serverKey)
                .header("X-Real-IP", newIp())
                .header("X-Original-URI", "/.env")
                .header("User-Agent", CHROME)
                .header("Accept-Language", "en")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("X-Vigil-Action")).contains("block");
    assertThat(r.headers().firstValue("X-Vigil-Reason").orElse("")).contains("throttle:blocked");
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(r.headers().firstValue("Set-Cookie").orElse("")).startsWith("vigil_sid=");
  }

  @Test
  void aScannerOnOneSiteDoesNotBlockTheSameDeviceOnAnother() {
    Reply other = http.postJson("/v1/sites", admin, "{\"id\":\"probed\",\"name\":\"Probed\"}");
    assertThat(other.status()).as(other.body()).isEqualTo(201);
    String otherKey = other.json().path("serverKey").asText();
    Await.until(
        Duration.ofSeconds(5),
        () -> assertThat(http.get("/v1/site", otherKey).status()).isEqualTo(200));
    String ip = newIp();

    // another tenant's key reports a probe from this device (address, user agent and language
    // are the caller's to say): its fingerprint there is blocked
    Reply probe = http.postJson("/v1/decide", otherKey, browser(ip, "/.env", null));
    assertThat(probe.status()).as(probe.body()).isEqualTo(200);
    assertThat(probe.json().path("action").asText()).isEqualTo("block");

    // here the same device is another fingerprint, not blocked
    Reply here = decide(browser(ip, "/", null));
    assertThat(here.json().path("action").asText()).as(here.body()).isEqualTo("allow");
    assertThat(here.json().path("fingerprintId").asText())
        .isNotEqualTo(probe.json().path("fingerprintId").asText())
        .startsWith("f2_");
    // and this site's admin sees its own fingerprint; the other site's is unknown to it (a 403
    // would tell it the device had been there: the id is a hash it can compute)
    String limited =
        http.postJson(
                "/v1/tokens",
                admin,
                "{\"name\":\"here\",\"role\":\"admin\",\"sites\":[\"default\"]}")
            .json()
            .path("secret")
            .asText();
    String mine = "/v1/fingerprints/" + here.json().path("fingerprintId").asText();
    String theirs = "/v1/fingerprints/" + probe.json().path("fingerprintId").asText();
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          assertThat(http.get(mine, limited).status()).isEqualTo(200);
          assertThat(http.get(theirs, limited).status()).isEqualTo(404);
          assertThat(http.get(theirs, admin).status()).isEqualTo(200);
        });
  }

  @Test
  void anotherSitesKeysCannotReachASessionThroughItsId() {
    Reply other = http.postJson("/v1/sites", admin, "{\"id\":\"intruder\",\"name\":\"Intruder\"}");
    assertThat(other.status()).as(other.body()).isEqualTo(201);
    String otherServerKey = other.json().path("serverKey").asText();
    String otherPublicKey = other.json().path("site").path("publicKey").asText();
    Await.until(
        Duration.ofSeconds(5),
        () -> assertThat(http.get("/v1/site", otherServerKey).status()).isEqualTo(200));
    String ip = newIp();
    JsonNode mine = decide(browser(ip, "/", null)).json();
    String session = mine.path("sessionId").asText();

    // the other site's keys name this site's session: a probe, a user and a page view
    Reply probe = http.postJson("/v1/decide", otherServerKey, browser(newIp(), "/.env", session));
    assertThat(probe.json().path("action").asText()).as(probe.body()).isEqualTo("block");
    assertThat(Beacons.pageView(node.port(), otherPublicKey, session, "https://intruder.example/"))
        .isEqualTo(202);

    // this site's own page view after them: once it is in the row, so is all that came before
    assertThat(Beacons.pageView(node.port(), node.publicKey(), session, "https://shop.example/"))
        .isEqualTo(202);
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    query(
                        "SELECT page_views || '|' || fingerprint_id || '|' || class"
                            + " FROM sessions WHERE session_id = '"
                            + session
                            + "'"))
                .isEqualTo("1|" + mine.path("fingerprintId").asText() + "|human"));
  }

  @Test
  void theNginxFormAllowsABrowserWith204() throws Exception {
    HttpResponse<String> r =
        raw.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/v1/decide/nginx"))
                .header("Authorization", "Bearer " + serverKey)
                .header("X-Real-IP", newIp())
                .header("X-Original-URI", "/blog?page=2")
                .header("User-Agent", CHROME)
                .header("Accept", "text/html")
                .header("Accept-Language", "en-GB")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Vigil-Action")).contains("allow");
  }

  @Test
  void throttlesAClientOverItsBucketWithRetryAfter() {
    String ip = newIp();
    String session = decide(browser(ip, "/a", null)).json().path("sessionId").asText();
    long ts = System.currentTimeMillis();
    String last = null;
    int allowed = 1;
    for (int i = 0; i < 10; i++) {
      JsonNode d = decide(browserAt(ip, "/p" + i, session, ts)).json();
      last = d.path("action").asText();
      if (last.equals("allow")) {
        allowed++;
      } else {
        assertThat(d.path("retryAfterSeconds").asLong()).isPositive();
        break;
      }
    }
    // 120 requests per minute with a burst of 3 seconds' worth: 6 at once
    assertThat(last).isEqualTo("throttle");
    assertThat(allowed).isEqualTo(6);
  }

  @Test
  void anAdminPinOverridesTheLevelAndClearingItRestoresTheAnswer() {
    String ip = newIp();
    JsonNode first = decide(browser(ip, "/x", null)).json();
    String fp = first.path("fingerprintId").asText();
    String session = first.path("sessionId").asText();

    Reply pinned = put("/v1/fingerprints/" + fp + "/throttle", admin, "{\"level\":\"blocked\"}");
    assertThat(pinned.status()).isEqualTo(200);
    assertThat(pinned.json().path("effectiveLevel").asText()).isEqualTo("blocked");
    assertThat(decide(browser(ip, "/y", session)).json().path("action").asText())
        .isEqualTo("block");

    assertThat(http.delete("/v1/fingerprints/" + fp + "/throttle", admin).status()).isEqualTo(200);
    assertThat(decide(browser(ip, "/z", session)).json().path("action").asText())
        .isEqualTo("allow");
    assertThat(http.get("/v1/fingerprints/" + fp, admin).json().path("pinnedLevel").isNull())
        .isTrue();

    Reply badLevel = put("/v1/fingerprints/" + fp + "/throttle", admin, "{\"level\":\"lenient\"}");
    assertThat(badLevel.status()).isEqualTo(400);
    assertThat(http.get("/v1/fingerprints/f1_0000000000000000", admin).status()).isEqualTo(404);
  }

  @Test
  void observationsAreStoredAndAHighErrorRateEscalatesTheFingerprint() throws Exception {
    String ip = newIp();
    String session = decide(browser(ip, "/start", null)).json().path("sessionId").asText();
    StringBuilder batch = new StringBuilder("{\"observations\":[");
    for (int i = 0; i < 25; i++) {
      // the same client (same headers, so the same fingerprint), after the fact: 404s
      String request = browser(ip, "/missing/" + i, session);
      batch
          .append(i > 0 ? "," : "")
          .append(request, 0, request.length() - 1)
          .append(",\"status\":404,\"latencyMs\":3}");
    }
    batch.append(",{\"ip\":\"").append(ip).append("\",\"path\":\"/x\"}]}");

    Reply stored = http.postJson("/v1/observations", serverKey, batch.toString());

    assertThat(stored.status()).isEqualTo(202);
    assertThat(stored.json().path("accepted").asInt()).isEqualTo(25);
    assertThat(stored.json().path("rejected").get(0).path("field").asText()).isEqualTo("status");
    assertThat(
            query(
                "SELECT count(*) FROM observations WHERE session_id = '"
                    + session
                    + "' AND source = 'observation'"))
        .isEqualTo("25");
    String fp = decide(browser(ip, "/again", session)).json().path("fingerprintId").asText();
    Await.until(
        Duration.ofSeconds(10),
        () ->
            assertThat(http.get("/v1/fingerprints/" + fp, admin).json().path("level").asText())
                .isEqualTo("warning"));
  }

  @Test
  void theSessionRowCarriesItsFingerprintAndClass() {
    String ip = newIp();
    JsonNode d =
        decide(
                "{\"ip\":\""
                    + ip
                    + "\",\"path\":\"/wp-admin/setup.php\",\"userAgent\":\""
                    + CHROME
                    + "\"}")
            .json();
    String session = d.path("sessionId").asText();
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    query(
                        "SELECT class || '|' || fingerprint_id FROM sessions WHERE session_id = '"
                            + session
                            + "'"))
                .isEqualTo("scanner|" + d.path("fingerprintId").asText()));
  }

  @Test
  void refusesBadInputNamingTheFieldAndUnknownKeys() {
    assertField(decide("{\"path\":\"/x\"}"), "ip");
    assertField(decide("{\"ip\":\"1.2.3.4\",\"path\":\"x\"}"), "path");
    assertField(decide("{\"ip\":\"1.2.3.4\",\"path\":\"/x\",\"ts\":\"yesterday\"}"), "ts");
    assertField(decide("{\"ip\":\"1.2.3.4\",\"path\":\"/x\",\"ts\":1}"), "ts");
    assertField(decide("{\"ip\":\"1.2.3.4\",\"path\":\"/x\",\"https\":\"yes\"}"), "https");
    assertThat(http.postJson("/v1/decide", serverKey, "{not json").status()).isEqualTo(400);

    Reply unknown =
        http.postJson("/v1/decide", "vsk_unknownKey", "{\"ip\":\"1.2.3.4\",\"path\":\"/\"}");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.errorCode()).isEqualTo("invalid_server_key");
    String publicKey = node.publicKey();
    assertThat(http.postJson("/v1/decide", publicKey, "{}").status()).isEqualTo(401);
  }

  // ---- helpers ----

  private static void assertField(Reply reply, String field) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.json().path("error").path("details").path("field").asText()).isEqualTo(field);
  }

  private Reply decide(String body) {
    return http.postJson("/v1/decide", serverKey, body);
  }

  private Reply put(String path, String token, String body) {
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

  private static String browser(String ip, String path, String session) {
    return browserAt(ip, path, session, null);
  }

  private static String browserAt(String ip, String path, String session, Long ts) {
    return "{\"ip\":\""
        + ip
        + "\",\"path\":\""
        + path
        + "\",\"userAgent\":\""
        + CHROME
        + "\",\"accept\":\"text/html\",\"acceptLanguage\":\"en-US\","
        + "\"secChUa\":\"\\\"Chromium\\\";v=\\\"131\\\"\",\"https\":true"
        + (session == null ? "" : ",\"sessionId\":\"" + session + "\"")
        + (ts == null ? "" : ",\"ts\":" + ts)
        + "}";
  }

  /** A fresh client network per test, so tests never share a fingerprint. */
  private static String newIp() {
    int n = NETS.getAndIncrement();
    return "198.18." + n + ".7";
  }

  private String query(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
