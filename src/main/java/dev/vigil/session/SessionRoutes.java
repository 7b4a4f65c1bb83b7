package dev.vigil.session;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.SiteScope;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/sessions} (filtered, keyset-paged list over the sites the token may see) and
 * {@code GET /v1/sessions/{id}} (one session with its pages; 404 unknown, 403 another's site).
 */
public final class SessionRoutes {

  /**
   * The answer of {@code GET /v1/sessions/{id}}; {@code truncated}: the session has more than
   * {@link SessionQueries#MAX_PAGES} page views.
   */
  public record SessionDetail(
      SessionView session, List<SessionQueries.Page> pages, boolean truncated) {}

  private final Auth auth;
  private final SessionQueries queries;
  private final Executor blocking;

  public SessionRoutes(Auth auth, SessionQueries queries, Executor blocking) {
    this.auth = auth;
    this.queries = queries;
    this.blocking = blocking;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            pathPrefix(
                "sessions",
                () ->
                    concat(
                        pathEnd(() -> get(() -> auth.apiUser(p -> parameterMap(q -> list(p, q))))),
                        path(segment(), id -> get(() -> auth.apiUser(p -> one(p, id)))))));
  }

  private Route list(Principal principal, Map<String, String> parameters) {
    SessionFilter filter;
    try {
      filter = SessionFilter.parse(parameters);
    } catch (InvalidParameterException e) {
      return invalid(e);
    }
    // Built on demand: the query must not start before the site is known to be visible.
    Supplier<Route> answer =
        () ->
            onSuccess(
                blockingCall(() -> queries.list(SiteScope.of(principal, filter.site()), filter)),
                SessionRoutes::ok);
    return filter.site().isPresent()
        ? auth.siteVisible(principal, filter.site().get(), answer)
        : answer.get();
  }

  private Route one(Principal principal, String id) {
    return onSuccess(
        blockingCall(() -> queries.find(id)),
        found ->
            found
                .map(
                    session ->
                        auth.siteVisible(
                            principal,
                            session.siteId(),
                            () ->
                                onSuccess(
                                    blockingCall(() -> queries.pages(session)),
                                    pages ->
                                        ok(
                                            new SessionDetail(
                                                session, pages.list(), pages.truncated())))))
                .orElseGet(
                    () ->
                        complete(
                            ApiError.of("not_found", "no session '" + id + "'")
                                .toResponse(StatusCodes.NOT_FOUND))));
  }

  private <T> CompletionStage<T> blockingCall(SqlCall<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.run();
          } catch (SQLException e) {
            throw new CompletionException(e);
          }
        },
        blocking);
  }

  @FunctionalInterface
  private interface SqlCall<T> {
    T run() throws SQLException;
  }

  private static <T> Route ok(T body) {
    return complete(StatusCodes.OK, body, Json.marshaller());
  }

  private static Route invalid(InvalidParameterException e) {
    return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
  }
}
