package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decision latency at a fixed rate with many live sessions, then the decision rate at saturation.
 * Phases run one after the other in one JVM (so Gatling is warm too), each a closed model — a fixed
 * pool of users, never hundreds of new users per second:
 *
 * <ol>
 *   <li><b>warmup</b>: {@code warmupUsers} users walk all sessions in order ({@code warmupPasses}
 *       times), so every session (and its fingerprint) is a live entity before anything is
 *       measured; unpaced. With {@code bench.publicKey} set, each session's page also sends its
 *       tracker's first beacons (a page view and an engagement snapshot), as a browser does: on a
 *       site that runs the tracker, a session that never reports is a no-JavaScript client
 *       (no_js_engagement after the engagement grace) and the population would turn into bots
 *       partway through the measured phase.
 *   <li><b>measured</b>: {@code users} users, each sending one decision per {@code pace = users /
 *       rate} (staggered so the arrivals are even, not in bursts), for a random session each time:
 *       first {@code settleSeconds} reported as "decide settle", then {@code measureSeconds}
 *       reported as "decide". A user whose answer comes late does not catch up (no burst), so a
 *       slow Vigil shows as a lower achieved rate as well as higher latency.
 *   <li><b>saturation</b>: {@code saturationUsers} users looping without pause, as the trivial
 *       endpoint's simulation does, for the decision rate at saturation.
 * </ol>
 */
public class DecideSimulation extends Simulation {
  private final Traffic traffic = Traffic.fromConfig();
  private final String key = BenchConfig.serverKey();
  private final Recorder recorder = new Recorder("decide");
  private final List<String> phases =
      Arrays.stream(BenchConfig.decidePhases().split(",")).map(String::trim).toList();

  private final ChainBuilder pick =
      exec(s -> s.set(VigilHttp.SESSION, traffic.randomSession()));

  private final String publicKey = BenchConfig.str("bench.publicKey", "");
  private final String runTag = BenchConfig.runTag();
  private final AtomicLong beaconSequence = new AtomicLong();

  /** The tracker's first beacons of the session in {@link VigilHttp#SESSION}, recorded. */
  private ChainBuilder beacons(Recorder.Phase phase) {
    return exec(Recorder::start)
        .exec(
            http(phase.name)
                .post("/v1/collect")
                .header("Content-Type", "text/plain;charset=UTF-8")
                .header("User-Agent", Traffic.USER_AGENT)
                .body(
                    StringBody(
                        s ->
                            CollectSimulation.bodyFor(
                                publicKey, s.getInt(VigilHttp.SESSION), runTag, beaconSequence, 2)))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, false));
  }

  private ScenarioBuilder warmup() {
    Recorder.Phase phase = recorder.phase("decide warm-up");
    int total = traffic.sessions() * BenchConfig.warmupPasses();
    AtomicInteger next = new AtomicInteger();
    ChainBuilder claim =
        exec(
            s -> {
              int k = next.getAndIncrement();
              return s.set(VigilHttp.SESSION, k < total ? k % traffic.sessions() : -1);
            });
    ChainBuilder visit = VigilHttp.decide("decide warm-up", traffic, key, phase);
    if (!publicKey.isEmpty()) {
      visit = visit.exec(beacons(recorder.phase("decide warm-up beacons")));
    }
    return scenario("decide warm-up")
        .exec(claim)
        .asLongAs(s -> s.getInt(VigilHttp.SESSION) >= 0)
        .on(visit.exec(claim));
  }

  private ScenarioBuilder measured(int users, long paceMs) {
    Recorder.Phase settle = recorder.phase("decide settle");
    Recorder.Phase measured = recorder.phase("decide");
    AtomicInteger rank = new AtomicInteger();
    Duration pace = Duration.ofMillis(paceMs);
    return scenario("decide at fixed rate")
        .exec(s -> s.set("bench.rank", rank.getAndIncrement() % users))
        // spread the users' start over one pace so arrivals are even
        .pause(s -> Duration.ofNanos(s.getInt("bench.rank") * paceMs * 1_000_000L / users))
        .during(BenchConfig.settle(), false)
        .on(pace(pace).exec(pick).exec(VigilHttp.decide("decide settle", traffic, key, settle)))
        .during(BenchConfig.measure(), false)
        .on(pace(pace).exec(pick).exec(VigilHttp.decide("decide", traffic, key, measured)));
  }

  private ScenarioBuilder saturation() {
    Recorder.Phase phase = recorder.phase("decide saturation");
    return scenario("decide at saturation")
        .during(BenchConfig.saturation(), false)
        .on(pick.exec(VigilHttp.decide("decide saturation", traffic, key, phase)));
  }

  {
    int rate = BenchConfig.decideRate();
    int users = BenchConfig.decideUsers();
    long paceMs = Math.max(1, Math.round(users * 1000.0 / rate));
    double planned = users * 1000.0 / paceMs;
    double perFingerprint = planned / traffic.ips();
    recorder
        .setting("sessions", traffic.sessions())
        .setting("fingerprints", traffic.ips())
        .setting("pages", BenchConfig.pages())
        .setting("phases", phases)
        .setting("warmupUsers", BenchConfig.warmupUsers())
        .setting("warmupPasses", BenchConfig.warmupPasses())
        .setting("targetRate", rate)
        .setting("users", users)
        .setting("paceMs", paceMs)
        .setting("plannedRate", planned)
        .setting("perFingerprintRate", perFingerprint)
        .setting("perSessionRate", planned / traffic.sessions())
        .setting("settleSeconds", BenchConfig.settle().toSeconds())
        .setting("measureSeconds", BenchConfig.measure().toSeconds())
        .setting("saturationUsers", BenchConfig.saturationUsers())
        .setting("saturationSeconds", BenchConfig.saturation().toSeconds());
    if (perFingerprint >= 2.0) {
      System.out.printf(
          "bench: WARNING %.2f requests/s per fingerprint reaches the throttle's 2/s: raise"
              + " bench.ips%n",
          perFingerprint);
    }

    List<PopulationBuilder> chain = new ArrayList<>();
    Duration bound = Duration.ofMinutes(10);
    for (String p : phases) {
      switch (p) {
        case "warmup" -> chain.add(warmup().injectOpen(atOnceUsers(BenchConfig.warmupUsers())));
        case "measured" -> {
          chain.add(measured(users, paceMs).injectOpen(atOnceUsers(users)));
          bound = bound.plus(BenchConfig.settle()).plus(BenchConfig.measure());
        }
        case "saturation" -> {
          chain.add(saturation().injectOpen(atOnceUsers(BenchConfig.saturationUsers())));
          bound = bound.plus(BenchConfig.saturation());
        }
        default -> throw new IllegalArgumentException("unknown decide phase: " + p);
      }
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("bench.decide.phases names no phase");
    }
    PopulationBuilder population = chain.get(chain.size() - 1);
    for (int i = chain.size() - 2; i >= 0; i--) {
      population = chain.get(i).andThen(population);
    }
    setUp(population).protocols(VigilHttp.protocol()).maxDuration(bound);
  }

  @Override
  public void after() {
    recorder.write();
  }
}
