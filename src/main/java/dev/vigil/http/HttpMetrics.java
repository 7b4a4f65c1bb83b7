package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Records {@code http.server.requests} (count and latency) per method, status and route. The route
 * tag is the path's first two segments ({@code /v1/sessions}), or {@code unmatched} for a 404, so
 * ids in paths and scanners' probes cannot grow the number of series.
 */
public final class HttpMetrics {
  private static final Set<String> TOP_LEVEL = Set.of("health", "ready", "metrics", "tracker.js");

  private final MeterRegistry registry;

  /**
   * The timers by method, status and route: a request looks its timer up here instead of building
   * and registering its meter id (tags, sorted and merged) again. Bounded by the route tags above.
   */
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public Route instrument(Route inner) {
    return extractRequest(
        request -> {
          long start = System.nanoTime();
          RequestEvent event = RequestEvent.started();
          return mapResponse(
              response -> {
                int status = response.status().intValue();
                timer(request.method().name(), status, request)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (event != null) {
                  event.end(); // before shouldCommit, which compares the duration to a threshold
                  if (event.shouldCommit()) {
                    event.method = request.method().name();
                    event.route = routeTag(request, status);
                    event.status = status;
                    event.commit();
                  }
                }
                return response;
              },
              () -> inner);
        });
  }

  Timer timer(String method, int status, HttpRequest request) {
    String route = routeTag(request, status);
    return timers.computeIfAbsent(
        method + ' ' + status + ' ' + route,
        key ->
            Timer.builder("http.server.requests")
                .tag("method", method)
                .tag("status", String.valueOf(status))
                .tag("route", route)
                .register(registry));
  }

  static String routeTag(HttpRequest request, int status) {
    if (status == 404) {
      return "unmatched";
    }
    String[] parts = request.getUri().path().split("/");
    if (parts.length <= 1) {
      return "/";
    }
    if (TOP_LEVEL.contains(parts[1])) {
      return "/" + parts[1];
    }
    if (parts[1].equals("v1") && parts.length > 2) {
      return "/v1/" + parts[2];
    }
    return "other";
  }
}
