package dev.vigil;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestServers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.junit.jupiter.api.Test;

/** A node stopped and started again on the same database keeps its sites and tokens. */
class RestartIT {

  @Test
  void sitesAndTokensSurviveARestartOnTheSameDatabase() throws Exception {
    ConnectionInfo db = TestDatabase.fresh();

    // given a first node, with a site and a viewer token created through the API
    VigilServer first = start(db);
    HttpTestClient http = new HttpTestClient(first.httpPort());
    String admin = first.bootstrap().orElseThrow().adminToken().secret();
    String serverKey = first.bootstrap().orElseThrow().site().serverKey();
    assertThat(http.postJson("/v1/sites", admin, "{\"id\":\"kept\",\"name\":\"Kept\"}").status())
        .isEqualTo(201);
    String viewer =
        http.postJson(
                "/v1/tokens", admin, "{\"name\":\"kept\",\"role\":\"viewer\",\"sites\":[\"kept\"]}")
            .json()
            .path("secret")
            .asText();
    stop(first);

    // when a second node starts on the same database
    VigilServer second = start(db);
    try {
      HttpTestClient http2 = new HttpTestClient(second.httpPort());

      // then nothing is bootstrapped again and every earlier credential still works
      assertThat(second.bootstrap()).isEmpty();
      assertThat(http2.get("/v1/me", admin).status()).isEqualTo(200);
      assertThat(http2.get("/v1/me", viewer).json().path("sites").toString())
          .isEqualTo("[\"kept\"]");
      assertThat(http2.get("/v1/site", serverKey).json().path("id").asText()).isEqualTo("default");
    } finally {
      stop(second);
    }
  }

  private static VigilServer start(ConnectionInfo db) {
    VigilServer server = VigilServer.start(TestServers.config(db));
    HttpTestClient http = new HttpTestClient(server.httpPort());
    Await.until(
        Duration.ofSeconds(60), () -> assertThat(http.get("/ready").status()).isEqualTo(200));
    return server;
  }

  private static void stop(VigilServer server) throws Exception {
    server
        .shutdown(CoordinatedShutdown.unknownReason())
        .toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
  }
}
