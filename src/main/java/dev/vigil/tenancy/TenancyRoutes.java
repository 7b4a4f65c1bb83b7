package dev.vigil.tenancy;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.vigil.http.ApiError;
import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who am I, the sites a user may see, and (admin) sites and tokens: {@code /v1/me}, {@code
 * /v1/sites}, {@code /v1/tokens}; and {@code /v1/site} for a server key to identify its site.
 */
public final class TenancyRoutes {

  /** A site as shown to API users: never a key hash. */
  public record SiteView(
      String id, String name, String publicKey, List<String> allowedHosts, int privacyTier) {
    static SiteView of(Site s) {
      return new SiteView(s.id(), s.name(), s.publicKey(), s.allowedHosts(), s.privacyTier());
    }
  }

  public record CreateSite(
      String id, String name, List<String> allowedHosts, Integer privacyTier) {}

  public record CreatedSite(SiteView site, String serverKey) {}

  public record CreateToken(String name, String role, Boolean allSites, List<String> sites) {}

  public record TokenView(
      String id,
      String name,
      String role,
      boolean allSites,
      List<String> sites,
      String createdAt,
      String revokedAt) {
    static TokenView of(ApiToken t) {
      return new TokenView(
          t.id(),
          t.name(),
          t.role().dbValue(),
          t.allSites(),
          t.siteIds().stream().sorted().toList(),
          t.createdAt().toString(),
          t.revokedAt() == null ? null : t.revokedAt().toString());
    }
  }

  public record CreatedToken(TokenView token, String secret) {}

  /** As the repository allows (api_tokens.name). */
  private static final int MAX_TOKEN_NAME = 200;

  private final Auth auth;
  private final TenantDirectory directory;
  private final TenancyRepository repository;
  private final Executor blocking;

  public TenancyRoutes(
      Auth auth, TenantDirectory directory, TenancyRepository repository, Executor blocking) {
    this.auth = auth;
    this.directory = directory;
    this.repository = repository;
    this.blocking = blocking;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                path("me", () -> get(() -> auth.apiUser(this::me))),
                path("site", () -> get(() -> auth.serverKey(s -> ok(SiteView.of(s))))),
                pathPrefix("sites", this::sites),
                pathPrefix("tokens", this::tokens)));
  }

  private Route me(Principal p) {
    List<String> sites = directory.sites().stream().map(Site::id).filter(p::maySee).toList();
    return ok(
        Map.of(
            "tokenId", p.tokenId(),
            "name", p.name(),
            "role", p.role().dbValue(),
            "sites", sites));
  }

  private Route sites() {
    return concat(
        pathEnd(
            () ->
                concat(
                    get(
                        () ->
                            auth.apiUser(
                                p ->
                                    ok(
                                        directory.sites().stream()
                                            .filter(s -> p.maySee(s.id()))
                                            .map(SiteView::of)
                                            .toList()))),
                    post(
                        () ->
                            auth.operator(
                                p ->
                                    entity(
                                        Jackson.unmarshaller(Json.MAPPER, CreateSite.class),
                                        this::createSite))))),
        path(
            segment(),
            id ->
                get(
                    () ->
                        auth.apiUser(
                            p ->
                                auth.siteVisible(
                                    p,
                                    id,
                                    () ->
                                        directory
                                            .siteById(id)
                                            .map(s -> ok(SiteView.of(s)))
                                            .orElseGet(() -> notFound("no site '" + id + "'")))))));
  }

  private Route createSite(CreateSite body) {
    if (body.name() == null || body.name().isBlank()) {
      return badRequest("name", "name is required");
    }
    String id = body.id() == null ? TenancyRepository.slug(body.name()) : body.id();
    int tier = body.privacyTier() == null ? 1 : body.privacyTier();
    List<String> hosts = body.allowedHosts() == null ? List.of() : body.allowedHosts();
    try {
      TenancyRepository.validateSite(id, body.name(), tier);
    } catch (IllegalArgumentException e) {
      return badRequest("site", e.getMessage());
    }
    return onSuccess(
        blockingCall(() -> repository.createSite(id, body.name(), hosts, tier)),
        created ->
            created
                .<Route>map(
                    s ->
                        complete(
                            StatusCodes.CREATED,
                            new CreatedSite(SiteView.of(s.site()), s.serverKey()),
                            Json.marshaller()))
                .orElseGet(() -> conflict("a site with id '" + id + "' already exists")));
  }

  private Route tokens() {
    return auth.admin(
        admin ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            get(
                                () ->
                                    onSuccess(
                                        blockingCall(repository::listTokens),
                                        list ->
                                            ok(
                                                list.orElseThrow().stream()
                                                    .filter(admin::covers)
                                                    .map(TokenView::of)
                                                    .toList()))),
                            post(
                                () ->
                                    entity(
                                        Jackson.unmarshaller(Json.MAPPER, CreateToken.class),
                                        body -> createToken(admin, body))))),
                path(
                    segment(),
                    id ->
                        delete(
                            () ->
                                onSuccess(
                                    blockingCall(() -> revoke(admin, id)),
                                    revoked ->
                                        revoked.orElse(false)
                                            ? (Route) complete(StatusCodes.NO_CONTENT)
                                            : notFound("no active token '" + id + "'"))))));
  }

  /**
   * Revokes a token this admin covers (a token of other sites is answered as unknown, as a listing
   * does not show it); false when there is no such active token. An admin for all sites covers
   * every token; another admin's is looked up among the active tokens in memory.
   */
  private boolean revoke(Principal admin, String id) throws SQLException {
    boolean covered = admin.allSites() || directory.tokenById(id).filter(admin::covers).isPresent();
    return covered && repository.revokeToken(id);
  }

  private Route createToken(Principal admin, CreateToken body) {
    if (body.name() == null || body.name().isBlank()) {
      return badRequest("name", "name is required");
    }
    if (body.name().length() > MAX_TOKEN_NAME) {
      return badRequest("name", "name is at most " + MAX_TOKEN_NAME + " characters");
    }
    Role role;
    try {
      role = Role.fromDb(body.role() == null ? "viewer" : body.role());
    } catch (IllegalArgumentException e) {
      return badRequest("role", "role must be admin or viewer");
    }
    boolean all = Boolean.TRUE.equals(body.allSites());
    if (body.sites() != null && body.sites().contains(null)) {
      return badRequest("sites", "a site id must be a string");
    }
    List<String> sites =
        body.sites() == null ? List.of() : List.copyOf(new LinkedHashSet<>(body.sites()));
    // an admin of listed sites gives out no more than it has (403, as for a site it may not see)
    if (all && !admin.allSites()) {
      return forbidden("a token for listed sites may not create a token for all sites");
    }
    for (String site : sites) {
      if (!admin.maySee(site)) {
        return forbidden("this token may not see site '" + site + "'");
      }
    }
    for (String site : sites) {
      if (directory.siteById(site).isEmpty()) {
        return badRequest("sites", "unknown site '" + site + "'");
      }
    }
    if (!all && sites.isEmpty()) {
      return badRequest("sites", "give at least one site, or allSites: true");
    }
    return onSuccess(
        blockingCall(() -> repository.createToken(body.name(), role, all, sites)),
        created ->
            complete(
                StatusCodes.CREATED,
                new CreatedToken(
                    TokenView.of(created.orElseThrow().token()), created.get().secret()),
                Json.marshaller()));
  }

  /** A JDBC call on the blocking dispatcher; the directory is reloaded after a change. */
  private <T> CompletionStage<Optional<T>> blockingCall(SqlCall<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            T result = call.run();
            directory.refresh();
            return Optional.ofNullable(result);
          } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
              return Optional.<T>empty(); // unique violation: the caller answers 409
            }
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

  private static Route badRequest(String field, String message) {
    return complete(
        new ApiError("invalid_field", message, Map.of("field", field))
            .toResponse(StatusCodes.BAD_REQUEST));
  }

  private static Route forbidden(String message) {
    return complete(ApiError.of("forbidden", message).toResponse(StatusCodes.FORBIDDEN));
  }

  private static Route notFound(String message) {
    return complete(ApiError.of("not_found", message).toResponse(StatusCodes.NOT_FOUND));
  }

  private static Route conflict(String message) {
    return complete(ApiError.of("conflict", message).toResponse(StatusCodes.CONFLICT));
  }
}
