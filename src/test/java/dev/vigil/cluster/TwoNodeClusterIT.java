package dev.vigil.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.Beacons;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.SseClient;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.testkit.VigilProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar started twice on loopback, the second with the first as its seed node, on one external
 * PostgreSQL: they form one cluster, sharding places entities on both, and beacons sent to node B
 * reach a live stream connected to node A.
 */
class TwoNodeClusterIT {
  private static final Duration START = Duration.ofSeconds(120);
  private static final int SESSIONS = 30;

  @Test
  void twoProcessesFormOneClusterAndStreamAcrossIt(@TempDir Path dir) throws Exception {
    ConnectionInfo db = TestDatabase.fresh();
    int httpA = VigilProcess.freePort();
    int httpB = VigilProcess.freePort();
    int clusterA = VigilProcess.freePort();
    int clusterB = VigilProcess.freePort();
    String seed = "127.0.0.1:" + clusterA;
    Path dirA = Files.createDirectories(dir.resolve("a"));
    Path dirB = Files.createDirectories(dir.resolve("b"));

    try (VigilProcess a = VigilProcess.start(dirA, env(db, httpA, clusterA, seed), "serve")) {
      HttpTestClient nodeA = new HttpTestClient(httpA);
      // the first node alone bootstraps the empty database (site, keys, admin token)
      Await.until(START, () -> assertThat(nodeA.get("/ready").status()).isEqualTo(200));
      Await.until(
          Duration.ofSeconds(5), () -> assertThat(a.valueAfter("Admin token:")).isPresent());
      String admin = a.valueAfter("Admin token:").orElseThrow();
      String siteKey = a.valueAfter("public key (tracker, not secret):").orElseThrow();

      try (VigilProcess b = VigilProcess.start(dirB, env(db, httpB, clusterB, seed), "serve")) {
        HttpTestClient nodeB = new HttpTestClient(httpB);
        Await.until(START, () -> assertThat(nodeB.get("/ready").status()).isEqualTo(200));
        Await.until(
            Duration.ofSeconds(30),
            () -> {
              JsonNode members = nodeA.get("/v1/cluster", admin).json().path("members");
              assertThat(members.size()).isEqualTo(2);
              members.forEach(m -> assertThat(m.path("status").asText()).isEqualTo("Up"));
            });

        try (SseClient sse = SseClient.open(httpA, admin, "kinds=session", null)) {
          assertThat(sse.status()).isEqualTo(200);
          sse.until(Duration.ofSeconds(30), e -> e.type().equals("ready"));
          Set<String> sent = new HashSet<>();
          for (int i = 0; i < SESSIONS; i++) {
            String session = Beacons.newSession();
            sent.add(session);
            assertThat(Beacons.pageView(httpB, siteKey, session, "https://a.example/n" + i))
                .isEqualTo(202);
          }
          Set<String> received = new HashSet<>();
          sse.until(
              Duration.ofSeconds(60),
              e -> {
                if (e.type().equals("session.started")) {
                  received.add(e.payload().path("sessionId").asText());
                }
                return received.containsAll(sent);
              });
        }

        // the sessions' entities live on both nodes, whichever node took the beacons
        Await.until(
            Duration.ofSeconds(30),
            () -> {
              JsonNode sessions =
                  nodeB.get("/v1/cluster", admin).json().path("entities").path("Session");
              List<Integer> perNode = new ArrayList<>();
              sessions.forEach(n -> perNode.add(n.path("entities").asInt()));
              assertThat(perNode).hasSize(2).allMatch(n -> n > 0);
            });
        b.terminate();
        assertThat(b.awaitExit(Duration.ofSeconds(60))).contains(0);
      }
      a.terminate();
      assertThat(a.awaitExit(Duration.ofSeconds(60))).contains(0);
    }
  }

  private static Map<String, String> env(ConnectionInfo db, int http, int cluster, String seed) {
    Map<String, String> env = new HashMap<>();
    env.put("VIGIL_DB_URL", db.url());
    env.put("VIGIL_DB_USER", db.user());
    env.put("VIGIL_DB_PASSWORD", db.password() == null ? "" : db.password());
    env.put("VIGIL_HTTP_PORT", String.valueOf(http));
    env.put("VIGIL_CLUSTER_PORT", String.valueOf(cluster));
    env.put("VIGIL_CLUSTER_SEED_NODES", seed);
    return env;
  }
}
