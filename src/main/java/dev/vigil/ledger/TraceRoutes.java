package dev.vigil.ledger;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.SiteScope;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/traces/{id}} (API user): the whole chain of a trace id, request or execution id,
 * task id, or a prefix of at least 8 characters of any of them, over the sites the token may see.
 * 404 when nothing matches; 409 with the candidates when a prefix matches several traces.
 */
public final class TraceRoutes {

  /** The answer. */
  public record Trace(
      String traceId,
      String matchedAs,
      TraceTree.Summary summary,
      List<TraceTree.Node> timeline,
      List<TraceQueries.LinkedSession> sessions,
      boolean truncated) {}

  private final Auth auth;
  private final TraceQueries queries;
  private final Executor blocking;
  private final Clock clock;
  private final Duration runningWindow;
  private final int maxRows;

  public TraceRoutes(
      Auth auth,
      TraceQueries queries,
      Executor blocking,
      Clock clock,
      Duration runningWindow,
      int maxRows) {
    this.auth = auth;
    this.queries = queries;
    this.blocking = blocking;
    this.clock = clock;
    this.runningWindow = runningWindow;
    this.maxRows = maxRows;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            path(
                segment("traces").slash(segment()),
                id -> get(() -> auth.apiUser(principal -> lookup(principal, id)))));
  }

  private Route lookup(Principal principal, String id) {
    if (!Fields.isLookupId(id)) {
      return complete(
          new ApiError(
                  "invalid_parameter",
                  "the id must be 1-128 printable ASCII characters without spaces",
                  Map.of("parameter", "id"))
              .toResponse(StatusCodes.BAD_REQUEST));
    }
    SiteScope scope = SiteScope.of(principal, Optional.empty());
    return onSuccess(
        CompletableFuture.supplyAsync(() -> find(id, scope), blocking), found -> found);
  }

  private Route find(String id, SiteScope scope) {
    try {
      TraceQueries.Resolution resolution = queries.resolve(id, scope, clock.instant());
      if (resolution.traceId().isEmpty()) {
        if (!resolution.candidates().isEmpty()) {
          return complete(
              new ApiError(
                      "ambiguous_id",
                      "the prefix '" + id + "' matches several traces; send more of it",
                      Map.of("candidates", resolution.candidates()))
                  .toResponse(StatusCodes.CONFLICT));
        }
        String hint =
            id.length() < TraceQueries.MIN_PREFIX
                ? " (a prefix needs at least " + TraceQueries.MIN_PREFIX + " characters)"
                : "";
        return complete(
            new ApiError(
                    "not_found",
                    "no trace, request, execution or task '" + id + "'" + hint,
                    Map.of())
                .toResponse(StatusCodes.NOT_FOUND));
      }
      String traceId = resolution.traceId().get();
      TraceQueries.Rows rows = queries.rows(traceId, resolution.at(), scope, maxRows);
      Trace trace =
          new Trace(
              traceId,
              resolution.matchedAs(),
              TraceTree.summary(rows.calls(), rows.runs(), clock.instant(), runningWindow),
              TraceTree.timeline(rows.calls(), rows.runs(), rows.anomalies()),
              rows.sessions(),
              rows.truncated());
      return complete(StatusCodes.OK, trace, Json.marshaller());
    } catch (SQLException e) {
      throw new CompletionException(e);
    }
  }
}
