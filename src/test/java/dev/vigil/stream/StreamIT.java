package dev.vigil.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Beacons;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.SseClient;
import dev.vigil.testkit.SseClient.Event;
import dev.vigil.testkit.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /v1/stream} over real HTTP against a node with small limits: heartbeat, events from
 * beacons, resume with Last-Event-ID, the per-token limit, a slow consumer dropped while another
 * keeps everything, deregistration on disconnect (the gauge), and site isolation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamIT {
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);
  private static final int BUFFER = 16;
  private static final int LIMIT = 3;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private int port;
  private String admin;
  private String siteKey;
  private String siteId;
  private String token;
  private int tokens;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.streams.heartbeat-interval",
                HEARTBEAT.toMillis() + "ms",
                "vigil.streams.buffer-size",
                BUFFER,
                "vigil.streams.max-connections-per-user",
                LIMIT,
                "vigil.streams.stats-interval",
                "1s",
                // small socket buffers so a client that stops reading fills them quickly
                "pekko.http.server.socket-options.so-send-buffer-size",
                4096));
    db = node.db();
    http = node.http();
    port = node.port();
    admin = node.adminToken();
    siteKey = node.publicKey();
    siteId = node.siteId();
  }

  /** Each test streams with its own token, so one test's closing streams never count in another. */
  @BeforeEach
  void freshToken() {
    token = newToken("all-" + (++tokens), "\"allSites\":true");
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aStreamStartsReadyAndCarriesHeartbeatsAndStats() {
    try (SseClient sse = SseClient.open(port, token, "", null)) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.contentType()).startsWith("text/event-stream");
      Event ready = sse.until(WAIT, e -> e.type().equals("ready")).get(0);
      assertThat(ready.json().path("sites").toString()).contains(siteId);
      assertThat(ready.json().path("heartbeatSeconds").asLong()).isEqualTo(1);
      sse.until(Duration.ofSeconds(5), Event::heartbeat);
      Event stats = last(sse.until(WAIT, e -> e.type().equals("stats")));
      assertThat(stats.json().path("siteId").asText()).isEqualTo(siteId);
      assertThat(stats.payload().has("activeSessions")).isTrue();
      assertThat(stats.payload().has("eventsPerSecond")).isTrue();
      assertThat(stats.payload().has("decisionsPerSecond")).isTrue();
    }
  }

  @Test
  void aBeaconIsFollowedByASessionStartedEvent() {
    try (SseClient sse = SseClient.open(port, token, "kinds=session", null)) {
      sse.until(WAIT, e -> e.type().equals("ready"));
      String session = Beacons.newSession();
      assertThat(Beacons.pageView(port, siteKey, session, "https://a.example/pricing"))
          .isEqualTo(202);
      Event started = last(sse.until(WAIT, startedFor(session)));
      JsonNode data = started.payload();
      assertThat(started.json().path("siteId").asText()).isEqualTo(siteId);
      assertThat(data.path("landingPath").asText()).isEqualTo("/pricing");
      assertThat(data.path("pageViews").asInt()).isEqualTo(1);
      assertThat(data.path("browser").asText()).startsWith("Chrome");
      assertThat(started.id()).startsWith(siteId + ":");
    }
  }

  @Test
  void aSessionStartIsStreamedWithoutWaitingForItsJournalWrite() throws Exception {
    String session = Beacons.newSession();
    try (SseClient sse = SseClient.open(port, token, "kinds=session", null);
        Connection lock = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      sse.until(WAIT, e -> e.type().equals("ready"));
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        // the new session's recovery still reads the journal; its write waits for the lock
        st.execute("LOCK TABLE event_journal IN SHARE MODE");
      }
      assertThat(Beacons.pageView(port, siteKey, session, "https://a.example/locked"))
          .isEqualTo(202);
      Event started = last(sse.until(WAIT, startedFor(session)));
      assertThat(started.payload().path("landingPath").asText()).isEqualTo("/locked");
      assertThat(journalEvents(session)).as("journaled while the lock is held").isZero();
      lock.rollback();
    }
    // and once the lock is gone the write goes through
    Await.until(WAIT, () -> assertThat(journalEvents(session)).isPositive());
  }

  private long journalEvents(String session) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM event_journal WHERE persistence_id = ?")) {
      ps.setString(1, "Session|" + session);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aReconnectWithLastEventIdGetsExactlyTheMissedEvents() {
    try (SseClient watcher = SseClient.open(port, token, "kinds=session", null)) {
      watcher.until(WAIT, e -> e.type().equals("ready"));
      String first = Beacons.newSession();
      String lastId;
      try (SseClient client = SseClient.open(port, token, "kinds=session", null)) {
        client.until(WAIT, e -> e.type().equals("ready"));
        Beacons.pageView(port, siteKey, first, "https://a.example/one");
        lastId = last(client.until(WAIT, startedFor(first))).id();
      }
      // while the client is away: two new sessions, and the first one's second page
      watcher.until(WAIT, startedFor(first));
      String second = Beacons.newSession();
      String third = Beacons.newSession();
      Beacons.pageView(port, siteKey, second, "https://a.example/two");
      Beacons.pageView(port, siteKey, third, "https://a.example/three");
      List<Event> missed = sessionEvents(watcher.until(WAIT, startedFor(third)));

      try (SseClient resumed = SseClient.open(port, token, "kinds=session", lastId)) {
        List<Event> replayed = sessionEvents(resumed.until(WAIT, startedFor(third)));
        assertThat(keys(replayed)).isEqualTo(keys(missed));
        assertThat(replayed).noneMatch(startedFor(first));
        assertThat(replayed.get(0).type()).isNotEqualTo("reset");
      }
    }
  }

  @Test
  void anIdThatIsNoLongerKeptOrUnreadableIsAnsweredWithReset() {
    String evicted = siteId + ":" + Long.toString(1, 36) + ".1";
    try (SseClient sse = SseClient.open(port, token, "kinds=session", evicted)) {
      Event reset = sse.until(WAIT, e -> e.type().equals("reset")).get(0);
      assertThat(reset.json().path("siteId").asText()).isEqualTo(siteId);
      sse.until(WAIT, e -> e.type().equals("ready"));
    }
    try (SseClient sse = SseClient.open(port, token, "kinds=session", "not-an-id")) {
      Event reset = sse.until(WAIT, e -> e.type().equals("reset")).get(0);
      assertThat(reset.json().path("reason").asText()).contains("Last-Event-ID");
    }
  }

  @Test
  void oneConnectionOverTheLimitIsRefusedWith429() {
    String token = newToken("limit", "\"allSites\":true");
    List<SseClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        SseClient c = SseClient.open(port, token, "", null);
        assertThat(c.status()).isEqualTo(200);
        c.until(WAIT, e -> e.type().equals("ready"));
        open.add(c);
      }
      try (SseClient refused = SseClient.open(port, token, "", null)) {
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.body()).contains("too_many_streams");
      }
      open.remove(0).close();
      Await.until(
          WAIT,
          () -> {
            try (SseClient again = SseClient.open(port, token, "", null)) {
              assertThat(again.status()).isEqualTo(200);
            }
          });
    } finally {
      open.forEach(SseClient::close);
    }
  }

  @Test
  void aSlowConsumerIsDroppedAndAnotherGetsEverything() throws Exception {
    String token = newToken("slow", "\"allSites\":true");
    try (SseClient fast = SseClient.open(port, token, "kinds=session", null);
        Socket slow = new Socket()) {
      fast.until(WAIT, e -> e.type().equals("ready"));
      slow.setReceiveBufferSize(1024);
      slow.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      slow.getOutputStream()
          .write(
              ("GET /v1/stream?kinds=session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + "Authorization: Bearer "
                      + token
                      + "\r\nAccept: text/event-stream\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      Await.until(WAIT, () -> assertThat(connections()).isGreaterThanOrEqualTo(2));
      // the slow client reads nothing while many events are published
      Set<String> sessions = new HashSet<>();
      for (int i = 0; i < 400; i++) {
        String s = Beacons.newSession();
        sessions.add(s);
        assertThat(Beacons.pageView(port, siteKey, s, "https://a.example/p" + i)).isEqualTo(202);
      }
      Set<String> got = new HashSet<>();
      fast.until(
          Duration.ofSeconds(60),
          e -> {
            assertThat(e.type()).isNotEqualTo("dropped");
            if (e.type().equals("session.started")) {
              got.add(e.payload().path("sessionId").asText());
            }
            return got.containsAll(sessions);
          });

      slow.setSoTimeout(30_000);
      String received = readToEnd(slow.getInputStream());
      assertThat(received).startsWith("HTTP/1.1 200");
      Matcher lastEvent = Pattern.compile("event: (\\S+)").matcher(received);
      String lastType = null;
      while (lastEvent.find()) {
        lastType = lastEvent.group(1);
      }
      assertThat(lastType).isEqualTo("dropped");
      assertThat(received).contains("\"bufferSize\":" + BUFFER);
    }
  }

  @Test
  void aClientThatGoesAwayIsDeregisteredWithinAHeartbeat() {
    Await.until(WAIT, () -> assertThat(connections()).isZero());
    SseClient sse = SseClient.open(port, token, "", null);
    sse.until(WAIT, e -> e.type().equals("ready"));
    assertThat(connections()).isEqualTo(1);
    sse.close();
    // within one heartbeat (plus the scrape): the write of the next heartbeat fails at the latest
    Await.until(HEARTBEAT.multipliedBy(3), () -> assertThat(connections()).isZero());
  }

  @Test
  void aRevokedTokensStreamEndsWithClosed() {
    Reply created =
        http.postJson(
            "/v1/tokens", admin, "{\"name\":\"revoked\",\"role\":\"viewer\",\"allSites\":true}");
    String secret = created.json().path("secret").asText();
    String id = created.json().path("token").path("id").asText();
    Await.until(WAIT, () -> assertThat(http.get("/v1/sessions", secret).status()).isEqualTo(200));
    try (SseClient sse = SseClient.open(port, secret, "", null)) {
      sse.until(WAIT, e -> e.type().equals("ready"));
      assertThat(http.delete("/v1/tokens/" + id, admin).status()).isEqualTo(204);
      List<Event> last = sse.untilEnd(WAIT);
      assertThat(last).isNotEmpty();
      Event closed = last(last);
      assertThat(closed.type()).isEqualTo("closed");
      assertThat(closed.json().path("reason").asText()).contains("revoked");
    }
    try (SseClient again = SseClient.open(port, secret, "", null)) {
      assertThat(again.status()).isEqualTo(401);
    }
  }

  @Test
  void aTokenSeesOnlyItsOwnSites() {
    Reply site =
        http.postJson(
            "/v1/sites",
            admin,
            "{\"id\":\"other\",\"name\":\"Other\",\"allowedHosts\":[\"other.example\"]}");
    assertThat(site.status()).isEqualTo(201);
    String otherKey = site.json().path("site").path("publicKey").asText();
    String viewer = newToken("viewer", "\"sites\":[\"" + siteId + "\"]");

    try (SseClient forbidden = SseClient.open(port, viewer, "site=other", null)) {
      assertThat(forbidden.status()).isEqualTo(403);
    }
    // a site that does not exist is the same 403 to it (no probing for other tenants' ids), and
    // a 404 to a token for all sites
    try (SseClient unknown = SseClient.open(port, viewer, "site=nowhere", null)) {
      assertThat(unknown.status()).isEqualTo(403);
    }
    try (SseClient unknown = SseClient.open(port, token, "site=nowhere", null)) {
      assertThat(unknown.status()).isEqualTo(404);
    }
    try (SseClient badKind = SseClient.open(port, viewer, "kinds=sessions", null)) {
      assertThat(badKind.status()).isEqualTo(400);
      assertThat(badKind.body()).contains("kinds");
    }
    try (SseClient sse = SseClient.open(port, viewer, "", null);
        SseClient adminSse = SseClient.open(port, token, "site=other&kinds=session", null)) {
      sse.until(WAIT, e -> e.type().equals("ready"));
      adminSse.until(WAIT, e -> e.type().equals("ready"));
      String hidden = Beacons.newSession();
      String visible = Beacons.newSession();
      Await.until(
          WAIT,
          () ->
              assertThat(Beacons.pageView(port, otherKey, hidden, "https://other.example/"))
                  .isEqualTo(202));
      // the admin, who may see the other site, gets its event: it was published
      adminSse.until(WAIT, startedFor(hidden));
      Beacons.pageView(port, siteKey, visible, "https://a.example/");
      List<Event> seen = sse.until(WAIT, startedFor(visible));
      assertThat(seen)
          .noneMatch(e -> e.data() != null && e.data().contains("\"siteId\":\"other\""));
      assertThat(seen).noneMatch(startedFor(hidden));
    }
  }

  // ---- helpers ----

  private String newToken(String name, String access) {
    Reply created =
        http.postJson(
            "/v1/tokens", admin, "{\"name\":\"" + name + "\",\"role\":\"viewer\"," + access + "}");
    assertThat(created.status()).isEqualTo(201);
    String secret = created.json().path("secret").asText();
    Await.until(WAIT, () -> assertThat(http.get("/v1/sessions", secret).status()).isEqualTo(200));
    return secret;
  }

  private long connections() {
    String metrics = http.get("/metrics").body();
    Matcher m =
        Pattern.compile("(?m)^vigil_stream_connections(?:\\{[^}]*\\})? ([0-9.Ee+-]+)$")
            .matcher(metrics);
    assertThat(m.find()).as("vigil_stream_connections in /metrics").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  private static java.util.function.Predicate<Event> startedFor(String session) {
    return e ->
        e.type().equals("session.started")
            && e.payload().path("sessionId").asText().equals(session);
  }

  private static List<Event> sessionEvents(List<Event> events) {
    return events.stream().filter(e -> e.type().startsWith("session.")).toList();
  }

  private static List<String> keys(List<Event> events) {
    return events.stream()
        .map(e -> e.type() + " " + e.payload().path("sessionId").asText() + " " + e.id())
        .toList();
  }

  private static Event last(List<Event> events) {
    return events.get(events.size() - 1);
  }

  private static String readToEnd(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
