package dev.vigil.analytics;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import dev.vigil.http.Auth;
import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.Json;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.SiteScope;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/analytics/content}, {@code /traffic}, {@code /overview} and {@code /bots}: reports
 * over the one site asked for (403 if the token may not see it) or over all sites the token may
 * see.
 */
public final class AnalyticsRoutes {
  private final Auth auth;
  private final AnalyticsQueries queries;
  private final BotQueries bots;
  private final Executor blocking;
  private final Clock clock;

  public AnalyticsRoutes(
      Auth auth, AnalyticsQueries queries, BotQueries bots, Executor blocking, Clock clock) {
    this.auth = auth;
    this.queries = queries;
    this.bots = bots;
    this.blocking = blocking;
    this.clock = clock;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            pathPrefix(
                "analytics",
                () ->
                    concat(
                        report("content", this::content),
                        report("traffic", this::traffic),
                        report("overview", this::overview),
                        report("bots", this::bots))));
  }

  private Route report(String name, BiFunction<Principal, Map<String, String>, Route> handler) {
    return path(
        name,
        () ->
            get(
                () ->
                    auth.apiUser(
                        p -> parameterMap(q -> handleInvalid(() -> handler.apply(p, q))))));
  }

  private Route content(Principal principal, Map<String, String> parameters) {
    Instant now = clock.instant();
    ReportParameters p = ReportParameters.content(parameters, now);
    return scoped(principal, p.site(), scope -> queries.content(scope, p, now));
  }

  private Route traffic(Principal principal, Map<String, String> parameters) {
    ReportParameters p = ReportParameters.traffic(parameters, clock.instant());
    return scoped(principal, p.site(), scope -> queries.traffic(scope, p));
  }

  private Route overview(Principal principal, Map<String, String> parameters) {
    Instant now = clock.instant();
    Optional<String> site = ReportParameters.overviewSite(parameters);
    return scoped(principal, site, scope -> queries.overview(scope, now));
  }

  private Route bots(Principal principal, Map<String, String> parameters) {
    BotReportParameters p = BotReportParameters.of(parameters, clock.instant());
    return scoped(principal, p.site(), scope -> bots.report(scope, p));
  }

  /**
   * Runs the report over the named site once it is known to be visible (the query starts only
   * then), or over every site the token may see.
   */
  private Route scoped(Principal principal, Optional<String> site, Report report) {
    SiteScope scope = SiteScope.of(principal, site);
    Supplier<Route> answer =
        () ->
            onSuccess(
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return report.run(scope);
                      } catch (SQLException e) {
                        throw new CompletionException(e);
                      }
                    },
                    blocking),
                body -> complete(StatusCodes.OK, body, Json.marshaller()));
    return site.isPresent() ? auth.siteVisible(principal, site.get(), answer) : answer.get();
  }

  /** Parameters are parsed inside the handlers: a bad one ends the request with 400. */
  private static Route handleInvalid(Supplier<Route> inner) {
    try {
      return inner.get();
    } catch (InvalidParameterException e) {
      return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
    }
  }

  @FunctionalInterface
  private interface Report {
    Object run(SiteScope scope) throws SQLException;
  }
}
