package dev.vigil.engagement;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /tracker.js}: the tracker script, loaded once at start and served from memory with a
 * one-hour public cache and an ETag.
 */
public final class TrackerRoutes {
  private static final ContentType.WithCharset JAVASCRIPT =
      MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8);

  private final byte[] script;
  private final String etag;

  public TrackerRoutes() {
    this.script = load("web/tracker.js");
    this.etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(script)) + "\"";
  }

  public Route route() {
    return path(
        "tracker.js",
        () ->
            get(
                () ->
                    complete(
                        HttpResponse.create()
                            .withStatus(StatusCodes.OK)
                            .withEntity(HttpEntities.create(JAVASCRIPT, script))
                            .addHeaders(
                                List.of(
                                    RawHeader.create("Cache-Control", "public, max-age=3600"),
                                    RawHeader.create("ETag", etag),
                                    RawHeader.create("Access-Control-Allow-Origin", "*"))))));
  }

  static byte[] load(String resource) {
    try (InputStream in = TrackerRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
