package dev.vigil.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CoreDsl;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/** Vigil's HTTP API as the simulations use it: the protocol and one builder per endpoint. */
public final class VigilHttp {
  /** The session attribute holding the index of the synthetic session a request belongs to. */
  public static final String SESSION = "bench.sid";

  private VigilHttp() {}

  /** Loopback only, no warm-up call to the internet, no caching or redirects. */
  public static HttpProtocolBuilder protocol() {
    return http.baseUrl(BenchConfig.baseUrl())
        .disableWarmUp()
        .disableCaching()
        .disableFollowRedirect()
        .acceptHeader("application/json");
  }

  /**
   * One recorded {@code POST /v1/decide} for the session in {@link #SESSION}: stamp, request,
   * record into {@code phase}. Status and body are captured for the recorder rather than checked,
   * so a throttle or a 4xx/5xx is counted, not hidden behind a failed check.
   */
  public static ChainBuilder decide(
      String requestName, Traffic traffic, String serverKey, Recorder.Phase phase) {
    String auth = "Bearer " + serverKey;
    return CoreDsl.exec(Recorder::start)
        .exec(
            http(requestName)
                .post("/v1/decide")
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .body(StringBody(s -> traffic.decideBody(s.getInt(SESSION))))
                .check(status().saveAs(Recorder.STATUS), bodyString().saveAs(Recorder.BODY)))
        .exec(s -> phase.record(s, true));
  }

  /** One recorded {@code GET /health}, the trivial endpoint the others are compared with. */
  public static ChainBuilder health(String requestName, Recorder.Phase phase) {
    return CoreDsl.exec(Recorder::start)
        .exec(http(requestName).get("/health").check(status().saveAs(Recorder.STATUS)))
        .exec(s -> phase.record(s, false));
  }
}
