package dev.vigil.ledger;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/analytics/costs}, {@code /requests} and {@code /tools}: ledger reports over the
 * one site asked for (403 if the token may not see it) or over all sites the token may see.
 */
public final class LedgerAnalyticsRoutes {
  private final Auth auth;
  private final CostQueries costs;
  private final UsageQueries usage;
  private final Executor blocking;
  private final Clock clock;

  public LedgerAnalyticsRoutes(
      Auth auth, CostQueries costs, UsageQueries usage, Executor blocking, Clock clock) {
    this.auth = auth;
    this.costs = costs;
    this.usage = usage;
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
                        report("costs", (scope, p, now) -> costs.costs(scope, p, now)),
                        report("requests", (scope, p, now) -> usage.requests(scope, p)),
                        report("tools", (scope, p, now) -> usage.tools(scope, p)))));
  }

  @FunctionalInterface
  private interface Report {
    Object run(SiteScope scope, LedgerReportParameters p, Instant now) throws SQLException;
  }

  private Route report(String name, Report report) {
    return path(
        name,
        () -> get(() -> auth.apiUser(principal -> parameterMap(q -> run(principal, q, report)))));
  }

  private Route run(Principal principal, Map<String, String> parameters, Report report) {
    Instant now = clock.instant();
    LedgerReportParameters p;
    try {
      p = LedgerReportParameters.of(parameters, now);
    } catch (InvalidParameterException e) {
      return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
    }
    SiteScope scope = SiteScope.of(principal, p.site());
    Supplier<Route> answer =
        () ->
            onSuccess(
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return report.run(scope, p, now);
                      } catch (SQLException e) {
                        throw new CompletionException(e);
                      }
                    },
                    blocking),
                body -> complete(StatusCodes.OK, body, Json.marshaller()));
    return p.site().isPresent()
        ? auth.siteVisible(principal, p.site().get(), answer)
        : answer.get();
  }
}
