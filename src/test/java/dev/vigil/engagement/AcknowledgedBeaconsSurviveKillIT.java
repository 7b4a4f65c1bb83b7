package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.testkit.Await;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.KilledNode;
import dev.vigil.testkit.VigilProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 202 means stored: Vigil, running as a real process on its embedded database, is killed with
 * SIGKILL in the middle of a beacon load; after a restart every event id that was acknowledged is
 * in {@code engagement_events}.
 */
class AcknowledgedBeaconsSurviveKillIT {
  private static final int SENDERS = 4;
  private static final int EVENTS_PER_BATCH = 10;

  @Test
  void everyAcknowledgedEventIsStoredAfterAKillAndRestart(@TempDir Path dir) throws Exception {
    int port = VigilProcess.freePort();
    Map<String, String> env =
        Map.of(
            "VIGIL_HTTP_PORT", String.valueOf(port),
            "VIGIL_CLUSTER_PORT", String.valueOf(VigilProcess.freePort()));
    HttpTestClient http = new HttpTestClient(port);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();

    try (VigilProcess vigil = VigilProcess.start(dir, env, "serve")) {
      Await.until(
          Duration.ofSeconds(60), () -> assertThat(http.get("/ready").status()).isEqualTo(200));
      Await.until(
          Duration.ofSeconds(5),
          () -> assertThat(vigil.valueAfter("public key (tracker, not secret):")).isPresent());
      String key = vigil.valueAfter("public key (tracker, not secret):").orElseThrow();

      // given senders posting batches, each recording the ids of every batch answered 202
      AtomicBoolean running = new AtomicBoolean(true);
      CountDownLatch enough = new CountDownLatch(SENDERS * 20);
      ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
      for (int s = 0; s < SENDERS; s++) {
        int sender = s;
        pool.submit(() -> send(port, key, sender, running, acknowledged, enough));
      }
      // when the process is killed while they are still sending
      assertThat(enough.await(60, TimeUnit.SECONDS))
          .as("batches acknowledged before the kill")
          .isTrue();
      vigil.killHard();
      assertThat(vigil.awaitExit(Duration.ofSeconds(10))).isPresent();
      running.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    KilledNode.killLeftoverPostgres(dir);

    // then after a restart every acknowledged id is stored
    try (VigilProcess restarted = VigilProcess.start(dir, env, "serve")) {
      Await.until(
          Duration.ofSeconds(60), () -> assertThat(http.get("/ready").status()).isEqualTo(200));
      Set<String> stored = KilledNode.ids(dir, "SELECT event_id FROM engagement_events");
      Set<String> missing = new HashSet<>(acknowledged);
      missing.removeAll(stored);
      assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(SENDERS * 20 * EVENTS_PER_BATCH);
      assertThat(missing).as("acknowledged but not stored").isEmpty();
      restarted.terminate();
      assertThat(restarted.awaitExit(Duration.ofSeconds(15))).contains(0);
    }
  }

  private static void send(
      int port,
      String key,
      int sender,
      AtomicBoolean running,
      Set<String> acknowledged,
      CountDownLatch enough) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int batch = 0; running.get() && batch < 100_000; batch++) {
      List<String> ids = new ArrayList<>();
      StringBuilder events = new StringBuilder();
      for (int e = 0; e < EVENTS_PER_BATCH; e++) {
        String id = "k" + sender + "-" + batch + "-" + e + "-x";
        ids.add(id);
        if (e > 0) {
          events.append(',');
        }
        events
            .append("{\"id\":\"")
            .append(id)
            .append("\",\"type\":\"page_view\",\"ts\":")
            .append(System.currentTimeMillis())
            .append(",\"url\":\"https://blog.example/p")
            .append(e)
            .append("\"}");
      }
      String body =
          "{\"site\":\""
              + key
              + "\",\"session\":\"kill-test-"
              + sender
              + "-"
              + (batch / 50)
              + "\",\"events\":["
              + events
              + "]}";
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/collect"))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 202) {
          acknowledged.addAll(ids);
          enough.countDown();
        }
      } catch (Exception connectionLost) {
        // the process is gone: this batch was never acknowledged
      }
    }
  }
}
