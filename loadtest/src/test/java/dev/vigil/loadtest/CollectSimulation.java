package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Beacon collection at saturation, as the tracker sends it ({@code text/plain} JSON, no preflight):
 * first batches of {@code batch} events per request (page views and engagement snapshots with
 * unique ids, over {@code sessions} sessions), then single events. Each phase is a closed model —
 * {@code users} users looping without pause — after a warm-up. A 202 means the events are
 * committed (Vigil answers only after the append writer's commit), so the 202 rate × events per
 * request is the durable event rate.
 */
public class CollectSimulation extends Simulation {
  private final Recorder recorder = new Recorder("collect");
  private final String key = BenchConfig.str("bench.publicKey", "");
  private final int sessions = BenchConfig.sessions();
  private final int batch = BenchConfig.integer("bench.collect.batch", 10);
  private final int users = BenchConfig.integer("bench.collect.users", 32);
  private final Duration warm = Duration.ofSeconds(BenchConfig.integer("bench.collect.warmupSeconds", 10));
  private final Duration window = Duration.ofSeconds(BenchConfig.integer("bench.collect.seconds", 20));
  private final String runTag = BenchConfig.runTag();
  private final AtomicLong sequence = new AtomicLong();

  private String body(int events) {
    return body(key, sessions, runTag, sequence, events);
  }

  /** A tracker beacon of {@code events} events (alternating page views and engagement snapshots). */
  static String body(String key, int sessions, String runTag, AtomicLong sequence, int events) {
    return bodyFor(key, ThreadLocalRandom.current().nextInt(sessions), runTag, sequence, events);
  }

  /** A batch of {@code events} beacons of session {@code s}, page views and engagement. */
  static String bodyFor(String key, int s, String runTag, AtomicLong sequence, int events) {
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder(256 + events * 220);
    b.append("{\"site\":\"")
        .append(key)
        .append("\",\"session\":\"")
        .append(Traffic.sessionId(s, runTag))
        .append("\",\"visitor\":\"visitor-")
        .append(String.format("%06d", s))
        .append("\",\"events\":[");
    for (int i = 0; i < events; i++) {
      if (i > 0) {
        b.append(',');
      }
      long n = sequence.incrementAndGet();
      String id = Traffic.trackerId();
      if (n % 2 == 0) {
        b.append("{\"id\":\"").append(id).append("\",\"type\":\"page_view\",\"ts\":").append(now)
            .append(",\"url\":\"https://shop.example/products/item-").append(n % 500)
            .append("\",\"title\":\"Item ").append(n % 500).append("\"}");
      } else {
        b.append("{\"id\":\"").append(id).append("\",\"type\":\"engagement\",\"ts\":").append(now)
            .append(",\"url\":\"https://shop.example/products/item-").append(n % 500)
            .append("\",\"timeOnPageMs\":").append(1000 + n % 60000)
            .append(",\"visibleMs\":").append((1000 + n % 60000) * 9 / 10)
            .append(",\"maxScrollDepth\":").append(n % 101)
            .append(",\"clicks\":").append(n % 7).append('}');
      }
    }
    return b.append("]}").toString();
  }

  private ChainBuilder collect(String name, int events, Recorder.Phase phase) {
    return exec(Recorder::start)
        .exec(
            http(name)
                .post("/v1/collect")
                .header("Content-Type", "text/plain;charset=UTF-8")
                .header("User-Agent", Traffic.USER_AGENT)
                .body(StringBody(s -> body(events)))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, false));
  }

  private ScenarioBuilder phase(String label, int events) {
    Recorder.Phase warmup = recorder.phase(label + " warm-up");
    Recorder.Phase measured = recorder.phase(label);
    return scenario(label)
        .during(warm, false)
        .on(collect(label + " warm-up", events, warmup))
        .during(window, false)
        .on(collect(label, events, measured));
  }

  {
    if (key.isEmpty()) {
      throw new IllegalStateException("bench.publicKey is not set");
    }
    recorder
        .setting("model", "closed: " + users + " users looping without pause")
        .setting("users", users)
        .setting("sessions", sessions)
        .setting("batchEvents", batch)
        .setting("warmupSeconds", warm.toSeconds())
        .setting("seconds", window.toSeconds());
    List<PopulationBuilder> chain = new ArrayList<>();
    chain.add(phase("collect batch", batch).injectOpen(atOnceUsers(users)));
    chain.add(phase("collect single", 1).injectOpen(atOnceUsers(users)));
    PopulationBuilder first = chain.get(0);
    for (int i = 1; i < chain.size(); i++) {
      first = first.andThen(chain.get(i));
    }
    setUp(first)
        .protocols(VigilHttp.protocol())
        .maxDuration(warm.plus(window).multipliedBy(2).plusSeconds(120));
  }

  @Override
  public void after() {
    recorder.write();
  }
}
