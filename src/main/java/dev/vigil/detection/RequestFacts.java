package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/**
 * One request the edge saw, as a decision call or an observation: the fields detection reads.
 * {@code status} and {@code latencyMs} are known only for observations (null for decisions).
 */
public record RequestFacts(
    Instant at,
    String ip,
    String method,
    String host,
    String path,
    String query,
    String userAgent,
    String accept,
    String acceptLanguage,
    String secChUa,
    String secChUaPlatform,
    String secChUaMobile,
    String referer,
    boolean https,
    String clientFingerprint,
    Integer status,
    Integer latencyMs)
    implements CborSerializable {

  private static final Set<String> ASSET_EXTENSIONS =
      Set.of(
          "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico",
          "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "wav", "json", "xml", "txt",
          "pdf", "zip", "wasm");

  /**
   * A page (document) request rather than an asset or API call: GET or HEAD of a path without an
   * asset extension, unless the client says it accepts only non-HTML.
   */
  public boolean isPageRequest() {
    String m = method == null ? "GET" : method.toUpperCase(Locale.ROOT);
    if (!m.equals("GET") && !m.equals("HEAD")) {
      return false;
    }
    String ext = extension(path);
    if (ext != null && ASSET_EXTENSIONS.contains(ext)) {
      return false;
    }
    return accept == null
        || accept.isBlank()
        || accept.contains("text/html")
        || accept.contains("*/*")
        || accept.contains("application/xhtml");
  }

  public boolean isError() {
    return status != null && status >= 400;
  }

  /** The lower-case extension of the last path segment, or null. */
  public static String extension(String path) {
    if (path == null) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    String last = path.substring(slash + 1);
    int dot = last.lastIndexOf('.');
    return dot <= 0 || dot == last.length() - 1
        ? null
        : last.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
