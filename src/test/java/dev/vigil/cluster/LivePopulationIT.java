package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Decisions;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The live population of a node under a flood of cookieless requests, each of which opens a new
 * session (and, from as many networks, a new fingerprint): the node keeps at most {@code
 * vigil.sessions.max-live} sessions and {@code vigil.detection.fingerprint.max-live} fingerprints
 * in memory, the session in use keeps its answers, and every flooded session and fingerprint is
 * still journaled and projected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LivePopulationIT {
  private static final int MAX_LIVE = 200;
  private static final int MAX_LIVE_FINGERPRINTS = 100;
  private static final int FLOOD = 1_000;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;
  private String admin;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.sessions.max-live",
                MAX_LIVE,
                "vigil.detection.fingerprint.max-live",
                MAX_LIVE_FINGERPRINTS,
                // the limit is split among a node's active shards: few shards, even shares
                "pekko.cluster.sharding.number-of-shards",
                4,
                "vigil.detection.decide-timeout",
                "5s"));
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
  void aCookielessFloodStaysWithinTheLimitAndTheSessionInUseKeepsItsAnswers() throws Exception {
    // given a visitor browsing with its session cookie
    String visitor = decide("192.0.2.10", "/home", null).path("sessionId").asText();
    for (String path : new String[] {"/shop", "/shop/1", "/shop/2", "/cart"}) {
      assertThat(decide("192.0.2.10", path, visitor).path("sessionId").asText()).isEqualTo(visitor);
    }

    // when a client without cookies sends 1,000 requests from as many networks: 1,000 sessions
    // and 1,000 fingerprints
    for (int i = 0; i < FLOOD; i++) {
      decide("10." + (i / 250) + "." + (i % 250) + ".7", "/item/" + i, null);
      if (i % 100 == 99) {
        // the visitor keeps browsing through the flood
        assertThat(decide("192.0.2.10", "/shop/" + i, visitor).path("sessionId").asText())
            .isEqualTo(visitor);
      }
    }

    // then the node holds at most max-live sessions in memory
    Await.until(
        WAIT,
        () -> {
          assertThat(live("Session")).isBetween(1, MAX_LIVE);
          assertThat(live("Fingerprint")).isBetween(1, MAX_LIVE_FINGERPRINTS);
        });
    // and the visitor is still answered by its session, not failed open
    JsonNode answer = decide("192.0.2.10", "/checkout", visitor);
    assertThat(answer.path("sessionId").asText()).isEqualTo(visitor);
    assertThat(answer.path("reasons").toString()).doesNotContain("fail_open");
    // and none was lost to passivation: every one was journaled and reaches its read table
    Await.until(
        WAIT,
        () -> {
          assertThat(count("SELECT count(*) FROM sessions")).isEqualTo(FLOOD + 1);
          assertThat(count("SELECT count(*) FROM fingerprints")).isEqualTo(FLOOD + 1);
        });
  }

  private int live(String entityType) {
    Reply cluster = http.get("/v1/cluster", admin);
    assertThat(cluster.status()).isEqualTo(200);
    int live = 0;
    for (JsonNode node : cluster.json().path("entities").path(entityType)) {
      live += node.path("entities").asInt();
    }
    return live;
  }

  private JsonNode decide(String ip, String path, String session) {
    Reply r = http.postJson("/v1/decide", serverKey, Decisions.browser(ip, path, session));
    assertThat(r.status()).as("decision answer %s", r.body()).isEqualTo(200);
    return r.json();
  }

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
