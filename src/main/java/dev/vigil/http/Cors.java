package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import dev.vigil.tenancy.Site;
import dev.vigil.tenancy.TenantDirectory;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * CORS for the browser-facing endpoints. The tracker posts {@code text/plain}, which needs no
 * preflight; a page that posts JSON gets one. An origin is allowed for a site when its host belongs
 * to the site ({@link Site#allowsHost}); a preflight, which does not yet say which site, is allowed
 * when any site accepts the origin's host.
 */
public final class Cors {
  private final TenantDirectory directory;

  public Cors(TenantDirectory directory) {
    this.directory = directory;
  }

  public Route preflight() {
    return optionalHeaderValueByName(
        "Origin",
        origin -> {
          Optional<String> host = origin.flatMap(Cors::hostOf);
          boolean allowed =
              host.isPresent()
                  && directory.sites().stream().anyMatch(s -> s.allowsHost(host.get()));
          if (!allowed) {
            return complete(
                ApiError.of("origin_not_allowed", "no site accepts beacons from this origin")
                    .toResponse(StatusCodes.FORBIDDEN));
          }
          return complete(
              HttpResponse.create()
                  .withStatus(StatusCodes.NO_CONTENT)
                  .addHeaders(
                      List.of(
                          RawHeader.create("Access-Control-Allow-Origin", origin.get()),
                          RawHeader.create("Access-Control-Allow-Methods", "POST, OPTIONS"),
                          RawHeader.create("Access-Control-Allow-Headers", "Content-Type"),
                          RawHeader.create("Access-Control-Max-Age", "86400"),
                          RawHeader.create("Vary", "Origin"))));
        });
  }

  /** Adds Access-Control-Allow-Origin when the request's origin belongs to the site. */
  public Route withOrigin(Site site, Optional<String> origin, Supplier<Route> inner) {
    if (origin.isPresent() && origin.flatMap(Cors::hostOf).map(site::allowsHost).orElse(false)) {
      List<HttpHeader> headers =
          List.of(
              RawHeader.create("Access-Control-Allow-Origin", origin.get()),
              RawHeader.create("Vary", "Origin"));
      return respondWithHeaders(headers, inner);
    }
    return inner.get();
  }

  static Optional<String> hostOf(String origin) {
    try {
      return Optional.ofNullable(URI.create(origin.trim()).getHost());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
