package dev.vigil.fingerprint;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Site;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/decide} (JSON), {@code GET /v1/decide/nginx} (the auth_request form: 204 to
 * allow, 403 otherwise, with X-Vigil-* headers for auth_request_set) and {@code POST
 * /v1/observations}; all with the site's server key. Routes parse and validate; {@link Decider}
 * does the rest.
 */
public final class DecideRoutes {
  static final int MAX_OBSERVATIONS = 500;

  /** The JSON answer of {@code POST /v1/decide}. */
  public record Answer(
      String action,
      String level,
      int score,
      List<String> classes,
      List<String> reasons,
      long retryAfterSeconds,
      String sessionId,
      String fingerprintId,
      String setCookie) {}

  private final Auth auth;
  private final Decider decider;
  private final dev.vigil.writer.AppendWriter<ObservationTable.Row> observations;
  private final Clock clock;

  public DecideRoutes(
      Auth auth,
      Decider decider,
      dev.vigil.writer.AppendWriter<ObservationTable.Row> observations,
      Clock clock) {
    this.auth = auth;
    this.decider = decider;
    this.observations = observations;
    this.clock = clock;
  }

  public Route route() {
    // Each subtree is built once: the Java DSL runs a directive's inner supplier again for every
    // request that reaches it, and anything built inside the supplier is built per request.
    Route nginxKeyed = auth.serverKey(this::nginx);
    Route jsonKeyed = auth.serverKey(this::decideJson);
    Route observeKeyed = auth.serverKey(this::observe);
    Route nginx = get(() -> nginxKeyed);
    Route json = post(() -> jsonKeyed);
    Route observe = post(() -> observeKeyed);
    Route decide = concat(path("nginx", () -> nginx), pathEnd(() -> json));
    Route v1 = concat(pathPrefix("decide", () -> decide), path("observations", () -> observe));
    return pathPrefix("v1", () -> v1);
  }

  private Route decideJson(Site site) {
    return entity(
        Json.TREE,
        body -> {
          DecisionRequest request;
          try {
            request = DecisionRequest.fromJson(body, clock.instant(), false);
          } catch (DecisionRequest.Invalid e) {
            return invalid(e);
          }
          return onSuccess(
              decider.decide(site, request),
              d -> complete(StatusCodes.OK, answer(request, d), Json.marshaller()));
        });
  }

  private Route nginx(Site site) {
    return extractRequest(
        http -> {
          DecisionRequest request;
          try {
            request =
                DecisionRequest.fromNginx(
                    name -> http.getHeader(name).map(HttpHeader::value), clock.instant());
          } catch (DecisionRequest.Invalid e) {
            return invalid(e);
          }
          return onSuccess(decider.decide(site, request), d -> complete(nginxAnswer(request, d)));
        });
  }

  private Route observe(Site site) {
    return entity(
        Json.TREE,
        body -> {
          JsonNode list = body == null ? null : body.get("observations");
          if (list == null || !list.isArray() || list.isEmpty()) {
            return invalidField("observations", "must be a non-empty array");
          }
          if (list.size() > MAX_OBSERVATIONS) {
            return invalidField("observations", "at most " + MAX_OBSERVATIONS + " per request");
          }
          List<DecisionRequest> accepted = new ArrayList<>();
          List<Map<String, Object>> rejected = new ArrayList<>();
          for (int i = 0; i < list.size(); i++) {
            try {
              accepted.add(DecisionRequest.fromJson(list.get(i), clock.instant(), true));
            } catch (DecisionRequest.Invalid e) {
              rejected.add(Map.of("index", i, "field", e.field(), "reason", e.getMessage()));
            }
          }
          List<ObservationTable.Row> rows =
              accepted.stream()
                  .map(r -> decider.row(site, r, decider.fingerprint(site, r), "observation", null))
                  .toList();
          return onSuccess(
              observations.append(rows),
              done -> {
                accepted.forEach(r -> decider.observe(site, r));
                return complete(
                    StatusCodes.ACCEPTED,
                    Map.of("accepted", accepted.size(), "rejected", rejected),
                    Json.marshaller());
              });
        });
  }

  static Answer answer(DecisionRequest request, Decision d) {
    return new Answer(
        d.action().wire(),
        d.level().wire(),
        d.score(),
        d.classes(),
        d.reasons(),
        d.retryAfterSeconds(),
        request.sessionId(),
        d.fingerprintId(),
        request.minted() ? request.setCookie() : null);
  }

  /** auth_request understands 2xx (allow) and 401/403 (deny); the headers say which denial. */
  static HttpResponse nginxAnswer(DecisionRequest request, Decision d) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("X-Vigil-Action", d.action().wire()));
    headers.add(RawHeader.create("X-Vigil-Level", d.level().wire()));
    headers.add(RawHeader.create("X-Vigil-Score", String.valueOf(d.score())));
    if (!d.reasons().isEmpty()) {
      headers.add(RawHeader.create("X-Vigil-Reason", String.join(",", d.reasons())));
    }
    if (d.retryAfterSeconds() > 0) {
      headers.add(RawHeader.create("Retry-After", String.valueOf(d.retryAfterSeconds())));
    }
    if (request.minted()) {
      headers.add(RawHeader.create("Set-Cookie", request.setCookie()));
    }
    return HttpResponse.create()
        .withStatus(
            d.action() == Decision.Action.ALLOW ? StatusCodes.NO_CONTENT : StatusCodes.FORBIDDEN)
        .addHeaders(headers);
  }

  private static Route invalid(DecisionRequest.Invalid e) {
    return invalidField(e.field(), e.getMessage());
  }

  private static Route invalidField(String field, String message) {
    return complete(
        new ApiError("invalid_field", field + " " + message, Map.of("field", field))
            .toResponse(StatusCodes.BAD_REQUEST));
  }
}
