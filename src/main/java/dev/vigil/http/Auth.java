package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.Secrets;
import dev.vigil.tenancy.Site;
import dev.vigil.tenancy.TenantDirectory;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Authentication directives. API users present {@code Authorization: Bearer vgt_...}; proxies and
 * agents present their site's server key, {@code Authorization: Bearer vsk_...}. Missing or unknown
 * credentials are 401; known credentials without the right (role, site) are 403. Lookups are in
 * memory ({@link TenantDirectory}).
 */
public final class Auth {
  private final TenantDirectory directory;

  public Auth(TenantDirectory directory) {
    this.directory = directory;
  }

  /** Requires an API token; passes the user on. */
  public Route apiUser(Function<Principal, Route> inner) {
    return bearer(
        secret -> {
          if (!secret.startsWith(Secrets.TOKEN_PREFIX)) {
            return unauthorized("wrong_credentials", "this endpoint needs an API token (vgt_...)");
          }
          return directory
              .tokenBySecret(secret)
              .map(token -> inner.apply(Principal.of(token)))
              .orElseGet(() -> unauthorized("invalid_token", "unknown or revoked API token"));
        });
  }

  /** Requires an API token with the admin role. */
  public Route admin(Function<Principal, Route> inner) {
    return apiUser(
        principal ->
            principal.isAdmin()
                ? inner.apply(principal)
                : forbidden("this endpoint needs an admin token"));
  }

  /**
   * Requires an admin token for all sites: what acts on every tenant at once (new sites, the shared
   * anomaly rules, the cluster's state). An admin of listed sites administers those sites only.
   */
  public Route operator(Function<Principal, Route> inner) {
    return admin(
        principal ->
            principal.allSites()
                ? inner.apply(principal)
                : forbidden("this endpoint needs an admin token for all sites"));
  }

  /** Requires that the user may see the site; 403 otherwise (not 404, so ids are not probed). */
  public Route siteVisible(Principal principal, String siteId, Supplier<Route> inner) {
    return principal.maySee(siteId)
        ? inner.get()
        : forbidden("this token may not see site '" + siteId + "'");
  }

  /** Requires a site's server key; passes the site on. */
  public Route serverKey(Function<Site, Route> inner) {
    return bearer(
        secret -> {
          if (!secret.startsWith(Secrets.SERVER_KEY_PREFIX)) {
            return unauthorized(
                "wrong_credentials", "this endpoint needs a site's server key (vsk_...)");
          }
          return directory
              .siteByServerKey(secret)
              .map(inner)
              .orElseGet(() -> unauthorized("invalid_server_key", "unknown server key"));
        });
  }

  private Route bearer(Function<String, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header -> {
          Optional<String> secret = header.flatMap(Auth::bearerValue);
          if (header.isEmpty()) {
            return unauthorized("missing_credentials", "Authorization: Bearer <key> is required");
          }
          if (secret.isEmpty()) {
            return unauthorized("malformed_credentials", "expected Authorization: Bearer <key>");
          }
          return inner.apply(secret.get());
        });
  }

  static Optional<String> bearerValue(String header) {
    String h = header.strip();
    if (h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String value = h.substring(7).strip();
      return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
    return Optional.empty();
  }

  static Route unauthorized(String code, String message) {
    return complete(
        ApiError.of(code, message)
            .toResponse(StatusCodes.UNAUTHORIZED)
            .addHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("vigil"))));
  }

  static Route forbidden(String message) {
    return complete(ApiError.of("forbidden", message).toResponse(StatusCodes.FORBIDDEN));
  }
}
