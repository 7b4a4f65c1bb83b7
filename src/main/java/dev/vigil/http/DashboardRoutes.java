package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeaders;

import java.util.List;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The dashboard: {@code GET /} and its static files under {@code /dashboard/}, from the jar (no
 * build step). The page talks only to this server's API with the token the user signs in with; the
 * content security policy keeps it that way.
 */
public final class DashboardRoutes {
  private static final String ROOT = "web/dashboard";

  public Route route() {
    return get(
        () ->
            respondWithHeaders(
                List.of(
                    RawHeader.create(
                        "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self';"
                            + " script-src 'self'; connect-src 'self'; frame-ancestors 'none';"
                            + " base-uri 'none'; form-action 'self'"),
                    RawHeader.create("X-Content-Type-Options", "nosniff"),
                    RawHeader.create("Referrer-Policy", "no-referrer"),
                    RawHeader.create("Cache-Control", "no-cache")),
                () ->
                    concat(
                        pathSingleSlash(() -> getFromResource(ROOT + "/index.html")),
                        pathPrefix("dashboard", () -> getFromResourceDirectory(ROOT)))));
  }
}
