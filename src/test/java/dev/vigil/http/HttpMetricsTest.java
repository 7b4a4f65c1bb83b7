package dev.vigil.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.pekko.http.javadsl.model.HttpRequest;
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
}
