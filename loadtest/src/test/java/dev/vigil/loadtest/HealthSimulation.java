package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * The trivial endpoint at saturation: {@code GET /health} from a fixed pool of users that loop
 * without pause (closed model), a short warm-up then the measured window. Its rate is the yardstick
 * the decision rates are compared with, measured against the same Vigil in the same run.
 */
public class HealthSimulation extends Simulation {
  private final Recorder recorder = new Recorder("health");
  private final Recorder.Phase warmup = recorder.phase("health warm-up");
  private final Recorder.Phase measured = recorder.phase("health");

  private final int users = BenchConfig.healthUsers();
  private final Duration warm = BenchConfig.healthWarmup();
  private final Duration window = BenchConfig.health();

  private final ScenarioBuilder scn =
      scenario("health at saturation")
          .during(warm, false)
          .on(VigilHttp.health("health warm-up", warmup))
          .during(window, false)
          .on(VigilHttp.health("health", measured));

  {
    recorder
        .setting("model", "closed: " + users + " users looping without pause")
        .setting("users", users)
        .setting("warmupSeconds", warm.toSeconds())
        .setting("seconds", window.toSeconds());
    setUp(scn.injectOpen(atOnceUsers(users)))
        .protocols(VigilHttp.protocol())
        .maxDuration(warm.plus(window).plusSeconds(60));
  }

  @Override
  public void after() {
    recorder.write();
  }
}
