package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.http.Json;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Beacons;
import dev.vigil.testkit.Decisions;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The entities whose number the clients choose besides sessions and fingerprints: anomaly subjects
 * (one per identified user, named by the tracker) and budgets (one per agent and user the ledger
 * names). A flood of new names keeps at most {@code vigil.anomalies.subject-max-live} and {@code
 * vigil.ledger.budget-max-live} of them in memory, and stores everything it was acknowledged for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubjectAndBudgetLimitsIT {
  private static final int MAX_LIVE = 60;
  private static final int USERS = 300;
  private static final int CALLS = 1_000;
  private static final Duration WAIT = Duration.ofSeconds(90);

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.anomalies.subject-max-live",
                MAX_LIVE,
                "vigil.ledger.budget-max-live",
                MAX_LIVE,
                // the limit is split among a node's active shards: few shards, even shares
                "pekko.cluster.sharding.number-of-shards",
                4,
                "vigil.anomalies.site-rollup-interval",
                "1s"));
    db = node.db();
    http = node.http();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aFloodOfUserIdsKeepsAtMostTheLimitOfSubjectsInMemory() {
    // given 300 visitors, each identified by the tracker as a user of its own
    for (int i = 0; i < USERS; i++) {
      assertThat(
              Beacons.pageView(
                  node.port(),
                  node.publicKey(),
                  session(i),
                  String.format("user-%04d", i), // ids are 8 to 64 characters
                  "https://shop.example/p/" + i))
          .isEqualTo(202);
    }
    Await.until(
        WAIT,
        () ->
            assertThat(count("SELECT count(*) FROM sessions WHERE user_id LIKE 'user-%'"))
                .isEqualTo(USERS));

    // when each asks for a page: a request of its user, counted under the user's subject
    for (int i = 0; i < USERS; i++) {
      Reply d =
          http.postJson(
              "/v1/decide",
              node.serverKey(),
              Decisions.browser("10.1." + (i / 250) + "." + (i % 250), "/p/" + i, session(i)));
      assertThat(d.status()).as("decision %s", d.body()).isEqualTo(200);
    }

    // then every user's book is journaled, also those passivated to make room (as they stopped;
    // the others at their tick's rollup)
    Await.until(
        WAIT,
        () ->
            assertThat(
                    count(
                        "SELECT count(DISTINCT persistence_id) FROM event_journal"
                            + " WHERE persistence_id LIKE 'Subject|user:%'"))
                .isEqualTo(USERS));
    // and, all 300 having been live, the node holds at most subject-max-live of them (without the
    // limit all would stay for the 2-minute idle timeout)
    assertThat(live("Subject")).isBetween(1, MAX_LIVE);
  }

  @Test
  void aFloodOfAgentsAndUsersKeepsAtMostTheLimitOfBudgetsInMemoryAndStoresEveryCall()
      throws Exception {
    // when the ledger is sent 1,000 calls, each of its own agent and user: 2,001 budgets
    Instant started = Instant.now().minusSeconds(5);
    for (int batch = 0; batch < CALLS / 100; batch++) {
      ArrayNode calls = Json.MAPPER.createArrayNode();
      for (int j = 0; j < 100; j++) {
        int i = batch * 100 + j;
        calls
            .addObject()
            .put("requestId", "flood-" + i)
            .put("provider", "anthropic")
            .put("model", "claude-sonnet-4-5")
            .put("agent", "agent-" + i)
            .put("userId", "user-" + i)
            .put("inputTokens", 100)
            .put("outputTokens", 10)
            .put("latencyMs", 900)
            .put("startedAt", started.toString());
      }
      Reply r = http.postJson("/v1/ai/requests", node.serverKey(), calls.toString());
      assertThat(r.status()).as("ledger write %s", r.body()).isEqualTo(201);
    }

    // then the node holds at most budget-max-live budgets
    Await.until(WAIT, () -> assertThat(live("Budget")).isBetween(1, MAX_LIVE));
    // and every call it acknowledged is stored
    assertThat(count("SELECT count(*) FROM ai_requests WHERE request_id LIKE 'flood-%'"))
        .isEqualTo(CALLS);
  }

  private static String session(int i) {
    return "s_flood_user_" + i;
  }

  private int live(String entityType) {
    Reply cluster = http.get("/v1/cluster", node.adminToken());
    assertThat(cluster.status()).isEqualTo(200);
    int live = 0;
    for (JsonNode member : cluster.json().path("entities").path(entityType)) {
      live += member.path("entities").asInt();
    }
    return live;
  }

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
