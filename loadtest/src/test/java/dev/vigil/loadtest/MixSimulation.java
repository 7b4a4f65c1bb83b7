package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A realistic mix, all at once for {@code seconds} after {@code settleSeconds}: the tracker's
 * beacons (10-event batches, {@code collectRate} requests/s), the edge's decisions ({@code
 * decideRate}/s over the decide population), an agent SDK's ledger writes ({@code ledgerRate}
 * requests/s of 10 calls) and {@code streams} dashboard users holding a live stream each. Every
 * request stream is paced (a user does not catch up after a late answer, so overload shows as a
 * lower achieved rate as well as latency). Reports each path's achieved rate and latency under the
 * others' load; there is no ceiling for a mix, the figures sit next to each path measured alone.
 */
public class MixSimulation extends Simulation {
  private final Recorder recorder = new Recorder("mix");
  private final String publicKey = BenchConfig.str("bench.publicKey", "");
  private final String serverKey = BenchConfig.str("bench.serverKey", "");
  private final String adminToken = BenchConfig.str("bench.adminToken", "");
  private final int collectRate = BenchConfig.integer("bench.mix.collectRate", 300);
  private final int decideRate = BenchConfig.integer("bench.mix.decideRate", 1000);
  private final int ledgerRate = BenchConfig.integer("bench.mix.ledgerRate", 50);
  private final int streams = BenchConfig.integer("bench.mix.streams", 20);
  private final Duration settle = Duration.ofSeconds(BenchConfig.integer("bench.mix.settleSeconds", 10));
  private final Duration window = Duration.ofSeconds(BenchConfig.integer("bench.mix.seconds", 40));
  private final String runTag = BenchConfig.runTag();
  private final Traffic traffic = Traffic.fromConfig();
  private final AtomicLong beaconSequence = new AtomicLong();
  private final AtomicLong ledgerSequence = new AtomicLong();

  /** users × one request per pace = rate; 50 ms per user at most so a user is rarely busy. */
  private static int usersFor(int rate) {
    return Math.max(1, (int) Math.ceil(rate / 20.0));
  }

  private ScenarioBuilder paced(String name, int rate, java.util.function.Function<Recorder.Phase, ChainBuilder> request) {
    Recorder.Phase settling = recorder.phase(name + " settle");
    Recorder.Phase measured = recorder.phase(name);
    int users = usersFor(rate);
    Duration pace = Duration.ofNanos(users * 1_000_000_000L / Math.max(1, rate));
    AtomicInteger rank = new AtomicInteger();
    return scenario(name)
        .exec(s -> s.set("bench.rank", rank.getAndIncrement() % users))
        .pause(s -> Duration.ofNanos(s.getInt("bench.rank") * pace.toNanos() / users))
        .during(settle, false)
        .on(io.gatling.javaapi.core.CoreDsl.pace(pace).exec(request.apply(settling)))
        .during(window, false)
        .on(io.gatling.javaapi.core.CoreDsl.pace(pace).exec(request.apply(measured)));
  }

  private ChainBuilder collect(Recorder.Phase phase) {
    return exec(Recorder::start)
        .exec(
            http(phase.name)
                .post("/v1/collect")
                .header("Content-Type", "text/plain;charset=UTF-8")
                .header("User-Agent", Traffic.USER_AGENT)
                .body(
                    StringBody(
                        s -> CollectSimulation.body(publicKey, traffic.sessions(), runTag, beaconSequence, 10)))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, false));
  }

  private ChainBuilder decide(Recorder.Phase phase) {
    return exec(s -> s.set(VigilHttp.SESSION, traffic.randomSession()))
        .exec(VigilHttp.decide(phase.name, traffic, serverKey, phase));
  }

  private ChainBuilder ledger(Recorder.Phase phase) {
    return exec(Recorder::start)
        .exec(
            http(phase.name)
                .post("/v1/ai/requests")
                .header("Authorization", "Bearer " + serverKey)
                .header("Content-Type", "application/json")
                .body(StringBody(s -> LedgerSimulation.body("mix" + runTag, ledgerSequence.getAndAdd(10), 10)))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, false));
  }

  /** A dashboard user: opens the stream, waits for `ready`, holds it for the whole mix. */
  private ScenarioBuilder dashboards() {
    Recorder.Phase ready = recorder.phase("mix stream ready");
    return scenario("mix streams")
        .exec(Recorder::start)
        .exec(
            sse("stream")
                .get("/v1/stream")
                .header("Authorization", "Bearer " + adminToken)
                .await(Duration.ofSeconds(30))
                // the stream opens with a retry: field (a message without an event), then ready
                .on(
                    sse.checkMessage("ready")
                        .matching(jsonPath("$.event").is("ready"))
                        .check(jsonPath("$.event").is("ready"))))
        .exec(s -> s.set(Recorder.STATUS, s.isFailed() ? 0 : 200))
        .exec(s -> ready.record(s, false))
        .pause(settle.plus(window))
        .exec(sse("stream").close());
  }

  {
    if (publicKey.isEmpty() || serverKey.isEmpty() || adminToken.isEmpty()) {
      throw new IllegalStateException("bench.publicKey, bench.serverKey and bench.adminToken are needed");
    }
    recorder
        .setting("collectRate", collectRate)
        .setting("collectEventsPerRequest", 10)
        .setting("decideRate", decideRate)
        .setting("ledgerRate", ledgerRate)
        .setting("ledgerCallsPerRequest", 10)
        .setting("streams", streams)
        .setting("settleSeconds", settle.toSeconds())
        .setting("seconds", window.toSeconds());
    setUp(
            paced("mix collect", collectRate, this::collect).injectOpen(atOnceUsers(usersFor(collectRate))),
            paced("mix decide", decideRate, this::decide).injectOpen(atOnceUsers(usersFor(decideRate))),
            paced("mix ledger", ledgerRate, this::ledger).injectOpen(atOnceUsers(usersFor(ledgerRate))),
            dashboards().injectOpen(atOnceUsers(streams)))
        .protocols(VigilHttp.protocol())
        .maxDuration(settle.plus(window).plusSeconds(120));
  }

  @Override
  public void after() {
    recorder.write();
  }
}
