package dev.vigil.ops;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.vigil.http.ApiError;
import dev.vigil.http.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /health} (the process is up), {@code /ready} (fit for traffic), {@code /metrics}. */
public final class OpsRoutes {
  private static final ContentType.WithCharset PROMETHEUS =
      MediaTypes.TEXT_PLAIN.toContentType(HttpCharsets.UTF_8);

  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;

  public OpsRoutes(Readiness readiness, PrometheusMeterRegistry registry) {
    this.readiness = readiness;
    this.registry = registry;
  }

  public Route route() {
    return get(
        () ->
            concat(
                path(
                    "health",
                    () -> complete(StatusCodes.OK, Map.of("status", "up"), Json.marshaller())),
                path("ready", this::ready),
                path(
                    "metrics",
                    () -> complete(HttpEntities.create(PROMETHEUS, registry.scrape())))));
  }

  private Route ready() {
    return onSuccess(
        readiness.check(),
        report ->
            report.ready()
                ? complete(
                    StatusCodes.OK,
                    Map.of("status", "ready", "checks", report.checks()),
                    Json.marshaller())
                : complete(
                    new ApiError("not_ready", report.reason(), report.checks())
                        .toResponse(StatusCodes.SERVICE_UNAVAILABLE)));
  }
}
