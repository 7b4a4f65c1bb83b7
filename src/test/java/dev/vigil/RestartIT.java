package dev.vigil;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.TestNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node stopped and started again on the same database keeps its sites and tokens. */
class RestartIT {

  @Test
  void sitesAndTokensSurviveARestartOnTheSameDatabase() throws Exception {
    ConnectionInfo db = TestDatabase.fresh();

    // given a first node, with a site and a viewer token created through the API
    String admin;
    String serverKey;
    String viewer;
    try (TestNode first = TestNode.start(db, Map.of())) {
      HttpTestClient http = first.http();
      admin = first.adminToken();
      serverKey = first.serverKey();
      assertThat(http.postJson("/v1/sites", admin, "{\"id\":\"kept\",\"name\":\"Kept\"}").status())
          .isEqualTo(201);
      viewer =
          http.postJson(
                  "/v1/tokens",
                  admin,
                  "{\"name\":\"kept\",\"role\":\"viewer\",\"sites\":[\"kept\"]}")
              .json()
              .path("secret")
              .asText();
    }

    // when a second node starts on the same database
    try (TestNode second = TestNode.start(db, Map.of())) {
      HttpTestClient http2 = second.http();

      // then nothing is bootstrapped again and every earlier credential still works
      assertThat(second.server().bootstrap()).isEmpty();
      assertThat(http2.get("/v1/me", admin).status()).isEqualTo(200);
      assertThat(http2.get("/v1/me", viewer).json().path("sites").toString())
          .isEqualTo("[\"kept\"]");
      assertThat(http2.get("/v1/site", serverKey).json().path("id").asText()).isEqualTo("default");
    }
  }
}
