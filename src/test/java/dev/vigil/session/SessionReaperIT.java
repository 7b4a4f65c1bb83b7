package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The reaper on a whole node: sessions passivated beyond {@code max-live} before their inactivity
 * timeout cannot end themselves, so the reaper ends them, batch after batch while batches come back
 * full, not one batch per interval.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionReaperIT {
  private static final int SESSIONS = 300;

  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            Map.of(
                "vigil.sessions.inactivity-timeout",
                "2s",
                "vigil.sessions.max-live",
                40,
                "pekko.cluster.sharding.number-of-shards",
                4,
                // one batch per 10 s would need a minute for the flood below; catching up, a
                // batch follows 200 ms after a full one
                "vigil.sessions.reaper-interval",
                "10s",
                "vigil.sessions.reaper-batch",
                50,
                "vigil.sessions.reaper-catch-up-pause",
                "200ms"));
    db = node.db();
    http = node.http();
    serverKey = node.serverKey();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void endsTheSessionsPassivatedBeyondTheLimitBatchAfterBatch() throws Exception {
    // given 300 one-request sessions of a client without cookies, of which at most 40 stay live
    for (int i = 0; i < SESSIONS; i++) {
      Reply r =
          http.postJson(
              "/v1/decide",
              serverKey,
              Decisions.browser("10.9." + (i / 250) + "." + (i % 250), "/p/" + i, null));
      assertThat(r.status()).isEqualTo(200);
    }

    // then, once idle for the inactivity timeout, every one is ended: the live ones by their own
    // tick, the passivated ones by the reaper, six batches of 50 within this bound
    Await.until(
        Duration.ofSeconds(40),
        () ->
            assertThat(count("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL"))
                .isEqualTo(SESSIONS));
    assertThat(count("SELECT count(*) FROM sessions WHERE ended_at > last_seen_at")).isZero();
  }

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
