package dev.vigil.anomaly;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/anomalies}, {@code POST /v1/anomalies/{id}/ack}, and the thresholds: {@code GET
 * /v1/anomaly-thresholds} (any API user) and {@code PUT /v1/anomaly-thresholds/{metric}} or {@code
 * PUT /v1/anomaly-thresholds} with a list (an admin for all sites: the rules are shared), validated
 * and applied on every node at once.
 */
public final class AnomalyRoutes {
  private final Auth auth;
  private final AnomalyQueries queries;
  private final ThresholdRepository repository;
  private final Runnable thresholdsChanged;
  private final Executor blocking;

  public AnomalyRoutes(
      Auth auth,
      AnomalyQueries queries,
      ThresholdRepository repository,
      Runnable thresholdsChanged,
      Executor blocking) {
    this.auth = auth;
    this.queries = queries;
    this.repository = repository;
    this.thresholdsChanged = thresholdsChanged;
    this.blocking = blocking;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                pathPrefix(
                    "anomalies",
                    () ->
                        concat(
                            pathEnd(() -> get(() -> auth.apiUser(this::list))),
                            path(
                                segment().slash("ack"),
                                id -> post(() -> auth.apiUser(p -> ack(p, id)))))),
                pathPrefix(
                    "anomaly-thresholds",
                    () ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        get(() -> auth.apiUser(p -> thresholds())),
                                        put(() -> auth.operator(p -> body(b -> putAll(p, b)))))),
                            path(
                                segment(),
                                metric ->
                                    put(
                                        () ->
                                            auth.operator(
                                                p -> body(b -> putOne(p, metric, b)))))))));
  }

  private Route list(Principal p) {
    return parameterMap(
        params -> {
          AnomalyQueries.Filter filter;
          try {
            filter = AnomalyQueries.Filter.parse(params, p);
          } catch (InvalidParameterException e) {
            return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
          }
          if (filter.site() != null && !p.maySee(filter.site())) {
            return complete(
                ApiError.of("forbidden", "this token may not see site '" + filter.site() + "'")
                    .toResponse(StatusCodes.FORBIDDEN));
          }
          return onSuccess(
              CompletableFuture.supplyAsync(() -> call(() -> queries.list(filter)), blocking),
              rows -> complete(StatusCodes.OK, Map.of("anomalies", rows), Json.marshaller()));
        });
  }

  private Route ack(Principal p, String id) {
    return onSuccess(
        CompletableFuture.supplyAsync(() -> call(() -> queries.acknowledge(id, p)), blocking),
        acked ->
            switch (acked.outcome()) {
              case ACKNOWLEDGED ->
                  complete(
                      StatusCodes.OK,
                      Map.of(
                          "anomalyId",
                          id,
                          "acknowledgedBy",
                          acked.by(),
                          "acknowledgedAt",
                          acked.at()),
                      Json.marshaller());
              case FORBIDDEN ->
                  complete(
                      ApiError.of("forbidden", "this token may not see that" + " anomaly's site")
                          .toResponse(StatusCodes.FORBIDDEN));
              case NOT_FOUND ->
                  complete(
                      ApiError.of("not_found", "no anomaly '" + id + "'")
                          .toResponse(StatusCodes.NOT_FOUND));
            });
  }

  private Route thresholds() {
    return onSuccess(
        CompletableFuture.supplyAsync(() -> call(repository::all), blocking),
        list -> complete(StatusCodes.OK, Map.of("thresholds", list), Json.marshaller()));
  }

  private Route putOne(Principal p, String metric, JsonNode b) {
    Threshold t;
    try {
      t = parse(metric, b);
    } catch (Threshold.Invalid e) {
      return invalid(e.field(), e.getMessage());
    }
    return save(p, List.of(t));
  }

  private Route putAll(Principal p, JsonNode b) {
    JsonNode list = b.isArray() ? b : b.path("thresholds");
    if (!list.isArray() || list.isEmpty()) {
      return invalid("thresholds", "must be a non-empty list");
    }
    List<Threshold> ts = new java.util.ArrayList<>();
    for (JsonNode n : list) {
      try {
        ts.add(parse(n.path("metric").asText(null), n));
      } catch (Threshold.Invalid e) {
        return invalid(e.field(), e.getMessage());
      }
    }
    return save(p, ts);
  }

  private Route save(Principal p, List<Threshold> ts) {
    return onSuccess(
        CompletableFuture.supplyAsync(
            () -> call(() -> repository.updateAll(ts, p.name())), blocking),
        unknown -> {
          if (unknown.isPresent()) {
            return invalid("metric", "unknown metric '" + unknown.get() + "'; nothing was changed");
          }
          thresholdsChanged.run();
          return complete(StatusCodes.OK, Map.of("thresholds", ts), Json.marshaller());
        });
  }

  static Threshold parse(String metric, JsonNode n) {
    if (metric == null || metric.isBlank()) {
      throw new Threshold.Invalid("metric", "is required");
    }
    return new Threshold(
        metric,
        number(n, "warningFloor"),
        number(n, "criticalFloor"),
        number(n, "warningMultiple"),
        number(n, "criticalMultiple"));
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      throw new Threshold.Invalid(field, "must be a number");
    }
    return v.asDouble();
  }

  private Route body(java.util.function.Function<JsonNode, Route> inner) {
    return entity(Json.TREE, inner);
  }

  private static Route invalid(String field, String message) {
    return complete(
        new ApiError("invalid_field", field + " " + message, Map.of("field", field))
            .toResponse(StatusCodes.BAD_REQUEST));
  }

  @FunctionalInterface
  interface SqlCall<T> {
    T run() throws java.sql.SQLException;
  }

  private static <T> T call(SqlCall<T> c) {
    try {
      return c.run();
    } catch (java.sql.SQLException e) {
      throw new CompletionException(e);
    }
  }
}
