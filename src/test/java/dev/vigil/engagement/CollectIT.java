package dev.vigil.engagement;

import static dev.vigil.testkit.Decisions.CHROME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.http.Json;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /v1/collect} over real HTTP on a whole node: what is accepted is committed and
 * reaches the session's read row; what is refused says why, with the status the contract gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CollectIT {

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String publicKey;
  private String shopKey;
  private final HttpClient raw = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    node = TestNode.start(Map.of("vigil.sessions.rollup-interval", "200ms"));
    db = node.db();
    http = node.http();
    publicKey = node.publicKey();
    String admin = node.adminToken();
    Reply shop =
        http.postJson(
            "/v1/sites",
            admin,
            "{\"id\":\"shop\",\"name\":\"Shop\",\"allowedHosts\":[\"shop.example\"]}");
    shopKey = shop.json().path("site").path("publicKey").asText();
    // the directory is reloaded after the change; wait until the key is known to collect
    Await.until(
        Duration.ofSeconds(5),
        () ->
            assertThat(
                    collect(batch(shopKey, newSession(), pageView("https://shop.example/")))
                        .status())
                .isEqualTo(202));
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void acceptedEventsAreCommittedBeforeThe202AndReachTheSessionRow() throws Exception {
    String session = newSession();
    String viewId = "evt-" + UUID.randomUUID().toString().substring(0, 12);

    Reply reply =
        collect(
            batch(
                publicKey,
                session,
                event(
                    viewId,
                    "page_view",
                    "https://blog.example/post?utm_source=news",
                    "\"referrer\":\"https://www.google.com/\",\"viewportWidth\":1280"),
                "{\"type\":\"page_exit\",\"ts\":"
                    + now()
                    + ",\"url\":\"https://blog.example/post\","
                    + "\"timeOnPageMs\":45000,\"maxScrollDepth\":90,\"clicks\":4,\"rageClicks\":1,"
                    + "\"keyPresses\":12,\"blurs\":0}"));

    assertThat(reply.status()).isEqualTo(202);
    assertThat(reply.json().path("accepted").asInt()).isEqualTo(2);
    assertThat(reply.json().path("rejected")).isEmpty();
    // committed when the 202 was sent: no waiting needed for the fact rows
    assertThat(count("SELECT count(*) FROM engagement_events WHERE session_id = '" + session + "'"))
        .isEqualTo(2);
    assertThat(
            queryString(
                "SELECT browser || '|' || device_class || '|' || reading_pattern"
                    + " FROM engagement_events WHERE type = 'page_exit' AND session_id = '"
                    + session
                    + "'"))
        .isEqualTo("Chrome 131|Desktop|engaged");
    // the numbers with columns are in them, the JSON holds the rest that carries something
    assertThat(
            queryString(
                "SELECT time_on_page_ms || '|' || max_scroll_depth || '|' || clicks || '|'"
                    + " || rage_clicks || '|' || data::text FROM engagement_events"
                    + " WHERE type = 'page_exit' AND session_id = '"
                    + session
                    + "'"))
        .isEqualTo("45000|90|4|1|{\"keyPresses\": 12}");
    assertThat(
            queryString(
                "SELECT data::text FROM engagement_events WHERE event_id = '" + viewId + "'"))
        .isEqualTo("{\"viewportWidth\": 1280}");
    // the session row is the projection's, a moment later
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    queryString(
                        "SELECT landing_path || '|' || referrer_host || '|' || utm_source || '|'"
                            + " || page_views || '|' || time_on_page_ms || '|' || rage_clicks"
                            + " FROM sessions WHERE session_id = '"
                            + session
                            + "'"))
                .isEqualTo("/post|www.google.com|news|1|45000|1"));
  }

  @Test
  void aPagesTextWithANulOrHalfAPairIsKeptWithReplacementCharacters() throws Exception {
    // given a page whose title ends in half an emoji (a tracker that cut it at 512 units), with
    // a NUL in it, a campaign parameter that decodes to a NUL, and a NUL in a custom event's props
    String session = newSession();
    String view = "nul-view-" + UUID.randomUUID().toString().substring(0, 8);
    String custom = "nul-prop-" + UUID.randomUUID().toString().substring(0, 8);

    Reply reply =
        collect(
            batch(
                publicKey,
                session,
                event(
                    view,
                    "page_view",
                    "https://blog.example/n?utm_source=a%00b",
                    "\"title\":\"Caf\\u0000e \\ud83d\""),
                event(
                    custom,
                    "custom",
                    "https://blog.example/n",
                    "\"name\":\"share\",\"props\":{\"via\\u0000\":\"x\\u0000y\"}")));

    // then both are stored, not refused and not failing their flush
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(reply.json().path("accepted").asInt()).isEqualTo(2);
    assertThat(queryString("SELECT title FROM engagement_events WHERE event_id = '" + view + "'"))
        .isEqualTo("Caf\uFFFDe \uFFFD");
    assertThat(
            queryString("SELECT utm_source FROM engagement_events WHERE event_id = '" + view + "'"))
        .isEqualTo("a\uFFFDb");
    assertThat(
            queryString(
                "SELECT data->'props'->>'via\uFFFD' FROM engagement_events WHERE event_id = '"
                    + custom
                    + "'"))
        .isEqualTo("x\uFFFDy");
    // and the session's row is written by the projection, which goes on
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    queryString(
                        "SELECT utm_source FROM sessions WHERE session_id = '" + session + "'"))
                .isEqualTo("a\uFFFDb"));
  }

  @Test
  void aRetriedEventIsStoredOnce() throws Exception {
    String session = newSession();
    String event =
        "{\"id\":\"retry-me-0001\",\"type\":\"page_view\",\"ts\":"
            + now()
            + ",\"url\":\"https://blog.example/\"}";

    assertThat(collect(batch(publicKey, session, event)).status()).isEqualTo(202);
    assertThat(collect(batch(publicKey, session, event)).status()).isEqualTo(202);

    assertThat(count("SELECT count(*) FROM engagement_events WHERE event_id = 'retry-me-0001'"))
        .isEqualTo(1);
  }

  @Test
  void keepsTheValidEventsOfAPartlyInvalidBatchAndSaysWhyTheOthersWereRefused() throws Exception {
    String session = newSession();
    Reply reply =
        collect(
            batch(
                publicKey,
                session,
                pageView("https://blog.example/a"),
                "{\"type\":\"scroll\",\"ts\":"
                    + now()
                    + ",\"url\":\"https://blog.example/a\","
                    + "\"milestone\":33}",
                "{\"type\":\"page_exit\",\"ts\":"
                    + now()
                    + ",\"url\":\"https://blog.example/a\","
                    + "\"timeOnPageMs\":\"long\"}",
                "{\"type\":\"teleport\",\"ts\":" + now() + ",\"url\":\"https://blog.example/a\"}",
                "{\"type\":\"page_view\",\"ts\":"
                    + (now() - 25 * 3_600_000L)
                    + ",\"url\":\"https://blog.example/old\"}",
                pageView("https://blog.example/b")));

    assertThat(reply.status()).isEqualTo(202);
    assertThat(reply.json().path("accepted").asInt()).isEqualTo(2);
    JsonNode rejected = reply.json().path("rejected");
    assertThat(rejected.findValuesAsText("index")).containsExactly("1", "2", "3", "4");
    assertThat(rejected.findValuesAsText("field"))
        .containsExactly("milestone", "timeOnPageMs", "type", "ts");
    assertThat(rejected.get(0).path("reason").asText()).contains("25, 50, 75, 90, 100");
    assertThat(count("SELECT count(*) FROM engagement_events WHERE session_id = '" + session + "'"))
        .isEqualTo(2);
  }

  @Test
  void refusesAnOversizedBodyBeforeParsingIt() throws Exception {
    // A declared 70 KiB body, of which nothing is sent: the declared length alone is refused,
    // before the body is read (a parser would need it, and would answer 400 for what is not
    // JSON).
    String response = http.postDeclaringOnly("/v1/collect", null, "text/plain", 70 * 1024);

    assertThat(response).startsWith("HTTP/1.1 413");
    JsonNode error = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    assertThat(error.path("error").path("code").asText()).isEqualTo("payload_too_large");
  }

  @Test
  void refusesAnOversizedChunkedBodyWhileItStreams() throws Exception {
    // Written by hand so that the body is certainly chunked (no Content-Length to check first).
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.port())) {
      var out = socket.getOutputStream();
      out.write(
          ("POST /v1/collect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                  + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] chunk = ("{\"site\":\"" + "y".repeat(16 * 1024)).getBytes();
      for (int i = 0; i < 6; i++) {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes());
        out.write(chunk);
        out.write("\r\n".getBytes());
      }
      out.write("0\r\n\r\n".getBytes());
      out.flush();
      String statusLine =
          new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()))
              .readLine();

      assertThat(statusLine).startsWith("HTTP/1.1 413");
    }
  }

  @Test
  void refusesOtherContentTypes() {
    Reply reply = http.post("/v1/collect", null, "application/x-www-form-urlencoded", "site=x");

    assertThat(reply.status()).isEqualTo(415);
    assertThat(reply.errorCode()).isEqualTo("unsupported_media_type");
  }

  @Test
  void answers400ForJsonThatDoesNotParseOrAMissingEnvelopeField() {
    Reply broken = http.post("/v1/collect", null, "text/plain", "{\"site\": ");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.errorCode()).isEqualTo("invalid_batch");

    Reply noSession =
        http.post(
            "/v1/collect",
            null,
            "application/json",
            "{\"site\":\"" + publicKey + "\",\"events\":[" + pageView("https://a.example/") + "]}");
    assertThat(noSession.status()).isEqualTo(400);
    assertThat(noSession.json().path("error").path("details").path("field").asText())
        .isEqualTo("session");
  }

  @Test
  void answers401ForAnUnknownSiteKeyOrAServerKey() {
    Reply unknown =
        collect(batch("vpk_nobodyHasThisKey", newSession(), pageView("https://a.example/")));
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.errorCode()).isEqualTo("invalid_site_key");

    String serverKey = node.serverKey();
    assertThat(collect(batch(serverKey, newSession(), pageView("https://a.example/"))).status())
        .isEqualTo(401);
  }

  @Test
  void aSiteKeyCannotAddBeaconsForAnotherSitesHosts() throws Exception {
    String session = newSession();
    Reply reply =
        collect(
            batch(
                shopKey,
                session,
                pageView("https://blog.example/"),
                pageView("https://www.shop.example/")));

    assertThat(reply.json().path("accepted").asInt()).isEqualTo(1);
    assertThat(reply.json().path("rejected").get(0).path("field").asText()).isEqualTo("url");
    assertThat(
            queryString(
                "SELECT site_id || ' ' || host FROM engagement_events WHERE session_id = '"
                    + session
                    + "'"))
        .isEqualTo("shop www.shop.example");
  }

  @Test
  void allowsCrossOriginBeaconsOnlyFromTheSitesHosts() throws Exception {
    HttpResponse<String> preflight =
        raw.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/v1/collect"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://www.shop.example")
                .header("Access-Control-Request-Method", "POST")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
        .contains("https://www.shop.example");

    HttpResponse<String> fromShop = postWithOrigin(shopKey, "https://www.shop.example");
    assertThat(fromShop.statusCode()).isEqualTo(202);
    assertThat(fromShop.headers().firstValue("Access-Control-Allow-Origin"))
        .contains("https://www.shop.example");

    HttpResponse<String> fromElsewhere = postWithOrigin(shopKey, "https://evil.example");
    assertThat(fromElsewhere.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void answers503WithRetryAfterWhenStorageFailsAndStoresAgainOnceItRecovers() throws Exception {
    String session = newSession();
    execute("ALTER TABLE engagement_events RENAME TO engagement_events_away");
    Reply refused;
    try {
      refused = collect(batch(publicKey, session, pageView("https://blog.example/down")));
    } finally {
      execute("ALTER TABLE engagement_events_away RENAME TO engagement_events");
    }

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.errorCode()).isEqualTo("storage_unavailable");
    assertThat(refused.raw().headers().firstValue("Retry-After")).isPresent();
    assertThat(collect(batch(publicKey, session, pageView("https://blog.example/up"))).status())
        .isEqualTo(202);
    assertThat(count("SELECT count(*) FROM engagement_events WHERE session_id = '" + session + "'"))
        .isEqualTo(1);
  }

  @Test
  void servesTheTrackerScriptWithCacheHeaders() {
    Reply script = http.get("/tracker.js");

    assertThat(script.status()).isEqualTo(200);
    assertThat(script.raw().headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/javascript");
    assertThat(script.raw().headers().firstValue("Cache-Control")).contains("public, max-age=3600");
    assertThat(script.body()).contains("/v1/collect").contains("vigil_sid");
  }

  // ---- helpers ----

  private Reply collect(String body) {
    return send(body);
  }

  private Reply send(String body) {
    try {
      HttpResponse<String> r =
          raw.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/v1/collect"))
                  .header("Content-Type", "text/plain;charset=UTF-8")
                  .header("User-Agent", CHROME)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> postWithOrigin(String key, String origin) throws Exception {
    return raw.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/v1/collect"))
            .header("Content-Type", "text/plain")
            .header("Origin", origin)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    batch(key, newSession(), pageView("https://shop.example/"))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String batch(String key, String session, String... events) {
    return "{\"site\":\""
        + key
        + "\",\"session\":\""
        + session
        + "\",\"visitor\":\"visitor-0001\","
        + "\"events\":["
        + String.join(",", events)
        + "]}";
  }

  /** An event with an id, a type, a url and the rest of its fields ({@code "k":v,…}). */
  private static String event(String id, String type, String url, String fields) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\""
        + type
        + "\",\"ts\":"
        + now()
        + ",\"url\":\""
        + url
        + "\","
        + fields
        + "}";
  }

  private static String pageView(String url) {
    return "{\"type\":\"page_view\",\"ts\":" + now() + ",\"url\":\"" + url + "\"}";
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static String newSession() {
    return "s_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  private long count(String sql) throws Exception {
    return Long.parseLong(queryString(sql));
  }

  private String queryString(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private void execute(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      c.createStatement().execute(sql);
    }
  }
}
