package dev.vigil.ledger;

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
import java.time.Instant;
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
 * SIGKILL in the middle of a ledger load (model calls and tool runs, in batches); after a restart
 * every row that was answered 201 is in {@code ai_requests} or {@code tool_executions}.
 */
class LedgerRowsSurviveKillIT {
  private static final int SENDERS = 4;
  private static final int ROWS_PER_BATCH = 5;

  @Test
  void everyAcknowledgedLedgerRowIsStoredAfterAKillAndRestart(@TempDir Path dir) throws Exception {
    int port = VigilProcess.freePort();
    Map<String, String> env =
        Map.of(
            "VIGIL_HTTP_PORT", String.valueOf(port),
            "VIGIL_CLUSTER_PORT", String.valueOf(VigilProcess.freePort()));
    HttpTestClient http = new HttpTestClient(port);
    Set<String> calls = ConcurrentHashMap.newKeySet();
    Set<String> runs = ConcurrentHashMap.newKeySet();

    try (VigilProcess vigil = VigilProcess.start(dir, env, "serve")) {
      Await.until(
          Duration.ofSeconds(90), () -> assertThat(http.get("/ready").status()).isEqualTo(200));
      Await.until(
          Duration.ofSeconds(5),
          () -> assertThat(vigil.valueAfter("server key (proxies and agents):")).isPresent());
      String key = vigil.valueAfter("server key (proxies and agents):").orElseThrow();

      // given senders posting batches of calls and tool runs, each keeping what was answered 201
      AtomicBoolean running = new AtomicBoolean(true);
      CountDownLatch enough = new CountDownLatch(SENDERS * 20);
      ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
      for (int s = 0; s < SENDERS; s++) {
        int sender = s;
        pool.submit(() -> send(port, key, sender, running, calls, runs, enough));
      }
      // when the process is killed while they are still sending
      assertThat(enough.await(90, TimeUnit.SECONDS))
          .as("batches acknowledged before the kill")
          .isTrue();
      vigil.killHard();
      assertThat(vigil.awaitExit(Duration.ofSeconds(10))).isPresent();
      running.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    KilledNode.killLeftoverPostgres(dir);

    // then after a restart every acknowledged row is stored
    try (VigilProcess restarted = VigilProcess.start(dir, env, "serve")) {
      Await.until(
          Duration.ofSeconds(90), () -> assertThat(http.get("/ready").status()).isEqualTo(200));
      Set<String> missingCalls = new HashSet<>(calls);
      missingCalls.removeAll(KilledNode.ids(dir, "SELECT request_id FROM ai_requests"));
      Set<String> missingRuns = new HashSet<>(runs);
      missingRuns.removeAll(KilledNode.ids(dir, "SELECT execution_id FROM tool_executions"));
      assertThat(calls.size() + runs.size()).isGreaterThanOrEqualTo(SENDERS * 20 * ROWS_PER_BATCH);
      assertThat(missingCalls).as("calls acknowledged but not stored").isEmpty();
      assertThat(missingRuns).as("tool runs acknowledged but not stored").isEmpty();
      restarted.terminate();
      assertThat(restarted.awaitExit(Duration.ofSeconds(30))).contains(0);
    }
  }

  private static void send(
      int port,
      String key,
      int sender,
      AtomicBoolean running,
      Set<String> calls,
      Set<String> runs,
      CountDownLatch enough) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int batch = 0; running.get() && batch < 100_000; batch++) {
      boolean toolBatch = batch % 2 == 1;
      List<String> ids = new ArrayList<>();
      StringBuilder rows = new StringBuilder("[");
      String startedAt = Instant.now().minusSeconds(1).toString();
      for (int r = 0; r < ROWS_PER_BATCH; r++) {
        String id = "kill-" + sender + "-" + batch + "-" + r;
        ids.add(id);
        if (r > 0) {
          rows.append(',');
        }
        if (toolBatch) {
          rows.append("{\"executionId\":\"")
              .append(id)
              .append("\",\"toolName\":\"web_search\",\"status\":\"success\",\"durationMs\":120,")
              .append("\"traceId\":\"trace-kill-")
              .append(sender)
              .append("\",\"startedAt\":\"")
              .append(startedAt)
              .append("\"}");
        } else {
          rows.append("{\"requestId\":\"")
              .append(id)
              .append("\",\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\",")
              .append("\"agent\":\"kill-test\",\"inputTokens\":100,\"outputTokens\":20,")
              .append("\"latencyMs\":900,\"traceId\":\"trace-kill-")
              .append(sender)
              .append("\",\"startedAt\":\"")
              .append(startedAt)
              .append("\"}");
        }
      }
      rows.append(']');
      String path = toolBatch ? "/v1/tools/executions" : "/v1/ai/requests";
      try {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString(rows.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 201) {
          (toolBatch ? runs : calls).addAll(ids);
          enough.countDown();
        }
      } catch (Exception connectionLost) {
        // the process is gone: this batch was never acknowledged
      }
    }
  }
}
