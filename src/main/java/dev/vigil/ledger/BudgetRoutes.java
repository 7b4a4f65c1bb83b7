package dev.vigil.ledger;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.parameterMap;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.InvalidParameterException;
import dev.vigil.http.Json;
import dev.vigil.http.QueryParameters;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.Site;
import dev.vigil.tenancy.SiteScope;
import dev.vigil.tenancy.TenantDirectory;
import dev.vigil.util.Stages;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Budgets: {@code GET /v1/ai/budget?agent=&user=} (server key) answers allow or deny for the site,
 * the agent and the user from the budget entities' memory; {@code GET /v1/budgets} and {@code PUT
 * /v1/budgets} (admin) list budgets with their spend and set a subject's day and month limits.
 */
public final class BudgetRoutes {
  static final long MAX_LIMIT = 1_000_000_000_000_000L;
  private static final Duration SET_TIMEOUT = Duration.ofSeconds(5);

  /** The budget check's answer; {@code budgets} are the limited subjects that were checked. */
  public record Decision(
      String decision, String reason, boolean failOpen, List<BudgetEntity.Status> budgets) {}

  private final Auth auth;
  private final TenantDirectory directory;
  private final ClusterSharding sharding;
  private final LedgerStore store;
  private final Executor blocking;
  private final Clock clock;
  private final Duration checkTimeout;

  public BudgetRoutes(
      Auth auth,
      TenantDirectory directory,
      ClusterSharding sharding,
      LedgerStore store,
      Executor blocking,
      Clock clock,
      Duration checkTimeout) {
    this.auth = auth;
    this.directory = directory;
    this.sharding = sharding;
    this.store = store;
    this.blocking = blocking;
    this.clock = clock;
    this.checkTimeout = checkTimeout;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                path(
                    segment("ai").slash("budget"),
                    () -> get(() -> auth.serverKey(site -> parameterMap(q -> check(site, q))))),
                path(
                    "budgets",
                    () ->
                        concat(
                            get(() -> auth.admin(p -> parameterMap(q -> list(p, q)))),
                            put(() -> auth.admin(p -> entity(Json.TREE, body -> set(p, body))))))));
  }

  private Route check(Site site, Map<String, String> parameters) {
    Optional<String> agent;
    Optional<String> user;
    try {
      QueryParameters q = new QueryParameters(parameters);
      agent = q.text("agent");
      user = q.text("user");
    } catch (InvalidParameterException e) {
      return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
    }
    List<BudgetSubject> subjects = new ArrayList<>();
    subjects.add(BudgetSubject.site(site.id()));
    agent.ifPresent(a -> subjects.add(new BudgetSubject(site.id(), "agent", a)));
    user.ifPresent(u -> subjects.add(new BudgetSubject(site.id(), "user", u)));
    List<CompletableFuture<BudgetEntity.Status>> asks =
        subjects.stream()
            .map(
                s ->
                    Stages.direct(
                        sharding
                            .entityRefFor(BudgetEntity.ENTITY_KEY, s.entityId())
                            .<BudgetEntity.Status>ask(BudgetEntity.Check::new, checkTimeout)))
            .toList();
    CompletionStage<Decision> decision =
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
            .thenApply(done -> decide(asks.stream().map(CompletableFuture::join).toList()))
            .exceptionally(
                e -> new Decision("allow", "budget check timed out: allowed", true, List.of()));
    return onSuccess(decision, d -> complete(StatusCodes.OK, d, Json.marshaller()));
  }

  static Decision decide(List<BudgetEntity.Status> statuses) {
    List<BudgetEntity.Status> limited =
        statuses.stream()
            .filter(s -> s.dayLimitMicrodollars() != null || s.monthLimitMicrodollars() != null)
            .toList();
    Optional<BudgetEntity.Status> over =
        limited.stream().filter(BudgetEntity.Status::exceeded).findFirst();
    if (over.isPresent()) {
      var s = over.get();
      String period =
          s.dayLimitMicrodollars() != null && s.daySpentMicrodollars() >= s.dayLimitMicrodollars()
              ? "day"
              : "month";
      return new Decision(
          "deny",
          s.subjectKind() + " '" + s.subjectId() + "' is over its " + period + " budget",
          false,
          limited);
    }
    return new Decision("allow", limited.isEmpty() ? "no budget" : "within budget", false, limited);
  }

  private Route list(Principal principal, Map<String, String> parameters) {
    Optional<String> site;
    try {
      site = new QueryParameters(parameters).text("site");
    } catch (InvalidParameterException e) {
      return complete(e.toApiError().toResponse(StatusCodes.BAD_REQUEST));
    }
    SiteScope scope = SiteScope.of(principal, site);
    java.util.function.Supplier<Route> answer =
        () ->
            onSuccess(
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return Map.of("budgets", store.budgets(scope, clock.instant()));
                      } catch (SQLException e) {
                        throw new CompletionException(e);
                      }
                    },
                    blocking),
                body -> complete(StatusCodes.OK, body, Json.marshaller()));
    return site.isPresent() ? auth.siteVisible(principal, site.get(), answer) : answer.get();
  }

  private Route set(Principal principal, JsonNode body) {
    List<FieldError> errors = new ArrayList<>();
    if (body == null || !body.isObject()) {
      return LedgerRoutes.invalid(List.of(new FieldError(0, "body", "must be a JSON object")));
    }
    Fields f = new Fields(body, 0, errors);
    String siteId = f.required("site", f.label("site", 63));
    String kind = f.required("subjectKind", f.oneOf("subjectKind", BudgetSubject.KINDS, null));
    String subjectId = f.label("subjectId", 256);
    if (subjectId == null && kind != null && !kind.equals("site")) {
      f.required("subjectId", null);
    }
    Long day = limit(f, "dailyLimitMicrodollars");
    Long month = limit(f, "monthlyLimitMicrodollars");
    if (!errors.isEmpty()) {
      return LedgerRoutes.invalid(errors);
    }
    if (!principal.maySee(siteId)) {
      return auth.siteVisible(principal, siteId, () -> complete(StatusCodes.FORBIDDEN));
    }
    if (directory.siteById(siteId).isEmpty()) {
      return complete(
          new ApiError("not_found", "no site '" + siteId + "'", Map.of("field", "site"))
              .toResponse(StatusCodes.NOT_FOUND));
    }
    BudgetSubject subject = new BudgetSubject(siteId, kind, subjectId == null ? siteId : subjectId);
    CompletionStage<BudgetEntity.Status> changed =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return store.spend(subject, clock.instant());
                  } catch (SQLException e) {
                    throw new CompletionException(e);
                  }
                },
                blocking)
            .thenCompose(
                known ->
                    sharding
                        .entityRefFor(BudgetEntity.ENTITY_KEY, subject.entityId())
                        .<BudgetEntity.Status>ask(
                            r -> new BudgetEntity.SetLimits(day, month, principal.name(), known, r),
                            SET_TIMEOUT));
    return onSuccess(
        changed, s -> complete(StatusCodes.OK, Map.of("budget", s), Json.marshaller()));
  }

  private static Long limit(Fields f, String name) {
    Long v = f.count(name, MAX_LIMIT);
    if (v != null && v < 1) {
      f.error(name, "must be at least 1 (leave it out or null for no limit)");
      return null;
    }
    return v;
  }
}
