package dev.vigil.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Decisions;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A database outage under load, on a whole node: while senders post beacons and an edge asks for
 * decisions, PostgreSQL stops taking connections to Vigil's database and drops the ones it had.
 * What was acknowledged is stored; what could not be stored is refused with a 503 that says why and
 * when to retry; decisions are still answered; readiness says the database is unreachable; and once
 * the database is back the same node takes beacons again and its read model catches up, without a
 * restart. And a query that runs past the query timeout is cancelled by PostgreSQL and answered
 * with a 503 that says so, leaving its pool usable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseOutageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String publicKey;
  private String serverKey;
  private final HttpClient raw =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * One answered beacon batch: the phase it was sent in and answered in, its status, the event ids
   * it carried, and what a refusal said.
   */
  private record Outcome(
      String phase,
      String answeredIn,
      int status,
      List<String> ids,
      Optional<String> retryAfter,
      String error) {}

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.detection.decide-timeout", "1s",
                "vigil.database.query-timeout", "2s",
                "vigil.database.socket-timeout", "10s"));
    db = node.db();
    http = node.http();
    publicKey = node.publicKey();
    serverKey = node.serverKey();
  }

  @AfterEach
  void databaseIsBack() {
    TestDatabase.setReachable(db, true);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void acknowledgedBeaconsAreStoredRefusedOnesSayWhyAndTheNodeRecoversWhenTheDatabaseReturns()
      throws Exception {
    // given four senders posting 10-event batches, and a live session at the edge
    AtomicReference<String> phase = new AtomicReference<>("before");
    AtomicBoolean sending = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ExecutorService senders = Executors.newFixedThreadPool(4);
    List<Future<?>> running = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      running.add(senders.submit(() -> send(phase, sending, outcomes)));
    }
    JsonNode first = decide("198.51.100.7", "/home", null);
    String liveSession = first.path("sessionId").asText();
    Await.until(WAIT, () -> assertThat(count(outcomes, "before", 202)).isGreaterThanOrEqualTo(20));

    try {
      // when the database stops taking connections and drops those it had
      phase.set("outage");
      TestDatabase.setReachable(db, false);

      // then beacons are refused, saying why and when to retry, and the node reports itself not
      // ready because of the database
      Await.until(WAIT, () -> assertThat(count(outcomes, "outage", 503)).isGreaterThanOrEqualTo(8));
      Await.until(
          WAIT,
          () -> {
            Reply ready = http.get("/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.body()).contains("database unreachable");
          });
      // and an API read says the store is away and when to retry, not that Vigil failed
      Await.until(
          WAIT,
          () -> {
            Reply read = http.get("/v1/sessions", node.adminToken());
            assertThat(read.status()).as(read.body()).isEqualTo(503);
            assertThat(read.errorCode()).isEqualTo("storage_unavailable");
            assertThat(read.raw().headers().firstValue("Retry-After")).contains("5");
          });
      // and the edge still gets an answer, for the live session and for a new one
      for (String path : List.of("/pricing", "/about")) {
        JsonNode d = decide("198.51.100.7", path, liveSession);
        assertThat(d.path("action").asText()).isIn("allow", "throttle", "block");
      }
      assertThat(decide("203.0.113.9", "/home", null).path("action").asText())
          .isIn("allow", "throttle", "block");
    } finally {
      // and when the database is back
      phase.set("after");
      TestDatabase.setReachable(db, true);
    }

    // then the same node is ready and takes beacons again
    Await.until(WAIT, () -> assertThat(http.get("/ready").status()).isEqualTo(200));
    Await.until(WAIT, () -> assertThat(count(outcomes, "after", 202)).isGreaterThanOrEqualTo(20));
    sending.set(false);
    for (Future<?> f : running) {
      f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    senders.shutdown();

    // and every acknowledged event is stored: none lost
    Set<String> acknowledged = new HashSet<>();
    outcomes.stream().filter(o -> o.status() == 202).forEach(o -> acknowledged.addAll(o.ids()));
    assertThat(storedOf(acknowledged)).isEqualTo(acknowledged);
    // and nothing was answered but an acknowledgement or a refusal to retry
    for (Outcome o : outcomes) {
      assertThat(o.status()).as("status in phase %s", o.phase()).isIn(202, 503);
      if (o.status() == 503) {
        assertThat(o.error()).isEqualTo("storage_unavailable");
        assertThat(o.retryAfter()).as("Retry-After of a 503").isPresent();
      }
    }
    // (a request sent before the cut and answered after it may be refused)
    assertThat(
            outcomes.stream()
                .filter(o -> o.answeredIn().equals("before") && o.status() != 202)
                .count())
        .isZero();

    // and the read model catches up: a session that starts after the outage gets its row
    String session = "s_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    assertThat(postBatch(session, List.of("after-" + UUID.randomUUID())).statusCode())
        .isEqualTo(202);
    Await.until(
        WAIT,
        () ->
            assertThat(storedCount("SELECT count(*) FROM sessions WHERE session_id = ?", session))
                .isEqualTo(1));
    // and the edge's answers for the live session come from its entity again, not a fail-open
    Await.until(
        WAIT,
        () ->
            assertThat(decide("198.51.100.7", "/contact", liveSession).path("reasons").toString())
                .doesNotContain("fail_open"));
  }

  @Test
  void aQueryLongerThanTheQueryTimeoutIsCancelledAndSaysSo() throws Exception {
    assertThat(http.get("/v1/sessions", node.adminToken()).status()).isEqualTo(200);
    try (Connection holder = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      // given a transaction that holds the sessions table, so a read of it waits
      holder.setAutoCommit(false);
      try (var st = holder.createStatement()) {
        st.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
      }

      // when the API reads it, then PostgreSQL cancels the read at the query timeout (2 s here)
      // and the answer says what happened, not an internal error
      long started = System.nanoTime();
      Reply read = http.get("/v1/sessions", node.adminToken());
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(read.status()).as(read.body()).isEqualTo(503);
      assertThat(read.errorCode()).isEqualTo("query_timeout");
      assertThat(read.raw().headers().firstValue("Retry-After")).isEmpty();
      assertThat(took).isBetween(Duration.ofMillis(1_900), Duration.ofSeconds(10));
      holder.rollback();
    }

    // and once the table is free, the same read is answered (the cancelled statement's connection
    // went back to the pool usable)
    Reply again = http.get("/v1/sessions", node.adminToken());
    assertThat(again.status()).as(again.body()).isEqualTo(200);
  }

  /** Posts 10-event batches, a new session every 5 batches, until told to stop. */
  private void send(
      AtomicReference<String> phase, AtomicBoolean sending, ConcurrentLinkedQueue<Outcome> out) {
    String session = null;
    for (int batch = 0; sending.get(); batch++) {
      if (batch % 5 == 0) {
        session = "s_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
      }
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add("evt-" + UUID.randomUUID());
      }
      String sentIn = phase.get();
      try {
        HttpResponse<String> r = postBatch(session, ids);
        String error =
            r.statusCode() == 202
                ? null
                : JSON.readTree(r.body()).path("error").path("code").asText();
        out.add(
            new Outcome(
                sentIn,
                phase.get(),
                r.statusCode(),
                ids,
                r.headers().firstValue("Retry-After"),
                error));
      } catch (Exception e) {
        // no answer at all (timeout, reset) is an outcome the assertions refuse
        out.add(new Outcome(sentIn, phase.get(), -1, ids, Optional.empty(), e.toString()));
      }
    }
  }

  private HttpResponse<String> postBatch(String session, List<String> ids) throws Exception {
    StringBuilder events = new StringBuilder();
    long now = System.currentTimeMillis();
    for (String id : ids) {
      if (events.length() > 0) {
        events.append(',');
      }
      events
          .append("{\"id\":\"")
          .append(id)
          .append("\",\"type\":\"page_view\",\"ts\":")
          .append(now)
          .append(",\"url\":\"https://blog.example/p/")
          .append(id, 4, 12)
          .append("\"}");
    }
    String body =
        "{\"site\":\""
            + publicKey
            + "\",\"session\":\""
            + session
            + "\",\"visitor\":\"visitor-outage\",\"events\":["
            + events
            + "]}";
    return raw.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/v1/collect"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "text/plain;charset=UTF-8")
            .header("User-Agent", Decisions.CHROME)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode decide(String ip, String path, String session) {
    Reply r = http.postJson("/v1/decide", serverKey, Decisions.browser(ip, path, session));
    assertThat(r.status()).as("decision answer %s", r.body()).isEqualTo(200);
    return r.json();
  }

  private static long count(ConcurrentLinkedQueue<Outcome> outcomes, String phase, int status) {
    return outcomes.stream().filter(o -> o.phase().equals(phase) && o.status() == status).count();
  }

  private Set<String> storedOf(Set<String> ids) throws Exception {
    Set<String> stored = new HashSet<>();
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement ps =
            c.prepareStatement("SELECT event_id FROM engagement_events WHERE event_id = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          stored.add(rs.getString(1));
        }
      }
    }
    return stored;
  }

  private long storedCount(String sql, String parameter) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, parameter);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
