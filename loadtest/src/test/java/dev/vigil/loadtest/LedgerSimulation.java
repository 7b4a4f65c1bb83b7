package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * AI ledger writes at saturation: {@code POST /v1/ai/requests} with JSON arrays of {@code batch}
 * LLM calls (unique request ids, traces of 10 calls, priced by Vigil's price card), a closed model
 * of {@code users} users looping without pause, after a warm-up. A 201 means every row is
 * committed, so the 201 rate × rows per request is the durable ledger row rate, compared with the
 * raw insert of the same rows into {@code ai_requests} ({@code RawInsertCeiling ... ledger}).
 *
 * <p>The goal's figure is the default answer, every row echoed in full. The same writes asking
 * for the minimal answer ({@code Prefer: return=minimal}: each row's id, repeat flag and cost), as
 * an SDK writing batches may, are measured beside it for {@code minimalSeconds} (0: not measured),
 * in four back-to-back windows: full, minimal, minimal, full ({@code ledger 1}, {@code ledger
 * minimal 1}, {@code … 2}, {@code ledger 2}), so that drift through the step (the JIT, a growing
 * table, the box) weighs on both alike; the summary adds each one's halves. The warm-up
 * alternates the two.
 */
public class LedgerSimulation extends Simulation {
  private final Recorder recorder = new Recorder("ledger");
  private final String key = BenchConfig.str("bench.serverKey", "");
  private final int batch = BenchConfig.integer("bench.ledger.batch", 100);
  private final int users = BenchConfig.integer("bench.ledger.users", 16);
  private final Duration warm =
      Duration.ofSeconds(BenchConfig.integer("bench.ledger.warmupSeconds", 10));
  private final Duration window = Duration.ofSeconds(BenchConfig.integer("bench.ledger.seconds", 20));
  private final Duration minimalWindow =
      Duration.ofSeconds(BenchConfig.integer("bench.ledger.minimalSeconds", 20));
  private final String runTag = BenchConfig.runTag();
  private final AtomicLong sequence = new AtomicLong();

  /** One request's calls: what an agent SDK sends after a few model calls. */
  static String body(String runTag, long first, int calls) {
    String started = Instant.now().minusSeconds(2).toString();
    StringBuilder b = new StringBuilder(64 + calls * 330).append('[');
    for (int i = 0; i < calls; i++) {
      long n = first + i;
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"requestId\":\"lb-").append(runTag).append('-').append(n)
          .append("\",\"traceId\":\"lt-").append(runTag).append('-').append(n / 10)
          .append("\",\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\",")
          .append("\"agent\":\"bench-agent-").append(n % 20)
          .append("\",\"userId\":\"user-").append(n % 200)
          .append("\",\"costContext\":\"agent\",")
          .append("\"inputTokens\":").append(1000 + n % 500)
          .append(",\"outputTokens\":").append(200 + n % 100)
          .append(",\"cacheReadTokens\":").append(n % 5000)
          .append(",\"latencyMs\":").append(500 + n % 1000)
          .append(",\"startedAt\":\"").append(started).append("\"}");
    }
    return b.append(']').toString();
  }

  private ChainBuilder write(String name, Recorder.Phase phase, boolean minimal) {
    String auth = "Bearer " + key;
    var request =
        http(name)
            .post("/v1/ai/requests")
            .header("Authorization", auth)
            .header("Content-Type", "application/json");
    if (minimal) {
      request = request.header("Prefer", "return=minimal");
    }
    return exec(Recorder::start)
        .exec(
            request
                .body(StringBody(s -> body(runTag, sequence.getAndAdd(batch), batch)))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, false));
  }

  private ScenarioBuilder scenarioOf() {
    Recorder.Phase warmup = recorder.phase("ledger warm-up");
    var chain =
        scenario("ledger writes")
            .during(warm, false)
            .on(write("ledger warm-up", warmup, true).exec(write("ledger warm-up", warmup, false)));
    if (minimalWindow.isZero()) {
      return chain.during(window, false).on(write("ledger", recorder.phase("ledger"), false));
    }
    Duration half = window.dividedBy(2);
    Duration minimalHalf = minimalWindow.dividedBy(2);
    Recorder.Phase first = recorder.phase("ledger 1");
    Recorder.Phase minimal1 = recorder.phase("ledger minimal 1");
    Recorder.Phase minimal2 = recorder.phase("ledger minimal 2");
    Recorder.Phase second = recorder.phase("ledger 2");
    return chain
        .during(half, false)
        .on(write("ledger", first, false))
        .during(minimalHalf, false)
        .on(write("ledger minimal", minimal1, true))
        .during(minimalHalf, false)
        .on(write("ledger minimal", minimal2, true))
        .during(half, false)
        .on(write("ledger", second, false));
  }

  {
    if (key.isEmpty()) {
      throw new IllegalStateException("bench.serverKey is not set");
    }
    recorder
        .setting("model", "closed: " + users + " users looping without pause")
        .setting("users", users)
        .setting("batchRows", batch)
        .setting("warmupSeconds", warm.toSeconds())
        .setting("seconds", window.toSeconds())
        .setting("minimalAnswerSeconds", minimalWindow.toSeconds());
    setUp(scenarioOf().injectOpen(atOnceUsers(users)))
        .protocols(VigilHttp.protocol())
        .maxDuration(warm.plus(window).plus(minimalWindow).plusSeconds(120));
  }

  @Override
  public void after() {
    recorder.write();
  }
}
