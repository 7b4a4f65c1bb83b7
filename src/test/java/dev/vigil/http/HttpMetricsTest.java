package dev.vigil.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpMetricsTest {

  @ParameterizedTest(name = "{0} ({1}) -> {2}")
  @CsvSource({
    "/v1/sessions/abc, 200, /v1/sessions",
    "/v1/sessions/def/events, 200, /v1/sessions",
    "/v1/sites, 201, /v1/sites",
    "/v1/sites?limit=5, 200, /v1/sites",
    "/health, 200, /health",
    "/ready, 503, /ready",
    "/metrics, 200, /metrics",
    "/tracker.js, 200, /tracker.js",
    "/, 200, /",
    "/v1, 401, other",
    "/wp-login.php, 401, other",
  })
  void routeTagKeepsThePathsFirstTwoSegments(String uri, int status, String expected) {
    assertEquals(expected, HttpMetrics.routeTag(HttpRequest.create(uri), status));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"/v1/sessions/abc", "/v1/no-such-thing-1234", "/.env", "/"})
  void routeTagIsUnmatchedForEveryNotFound(String uri) {
    assertEquals("unmatched", HttpMetrics.routeTag(HttpRequest.create(uri), 404));
  }

  @Test
  void aRequestRecordsIntoTheOneTimerOfItsMethodStatusAndRoute() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HttpMetrics metrics = new HttpMetrics(registry);
    HttpRequest decide = HttpRequest.create("/v1/decide");

    Timer first = metrics.timer("POST", 200, decide);
    first.record(3, TimeUnit.MILLISECONDS);
    Timer again = metrics.timer("POST", 200, HttpRequest.create("/v1/decide?x=1"));
    again.record(5, TimeUnit.MILLISECONDS);
    Timer refused = metrics.timer("POST", 401, decide);
    refused.record(1, TimeUnit.MILLISECONDS);

    assertSame(first, again);
    assertNotSame(first, refused);
    Timer registered =
        registry
            .get("http.server.requests")
            .tags("method", "POST", "status", "200", "route", "/v1/decide")
            .timer();
    assertSame(first, registered);
    assertEquals(2, registered.count());
    assertEquals(2, registry.getMeters().size());
  }
}
