package dev.vigil.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A customer's web site for browser tests: serves the tracker test page ({@code
 * web/tracker-test.html}) from its own origin on 127.0.0.1, with the script tag pointing at a Vigil
 * node's tracker and carrying the site key, as a site owner embeds it. The same page answers at
 * each of the given paths, so a reload after an SPA navigation finds it; anything else is 404.
 */
public final class TrackedSite implements AutoCloseable {
  private static final String PAGE = "web/tracker-test.html";

  private final HttpServer http;

  private TrackedSite(HttpServer http) {
    this.http = http;
  }

  /**
   * @param trackerUrl the absolute URL of {@code /tracker.js} on the Vigil node
   * @param paths the paths that serve the page, e.g. {@code /tracker-test.html}
   */
  public static TrackedSite start(String siteKey, String trackerUrl, Set<String> paths) {
    byte[] page = page(siteKey, trackerUrl);
    try {
      HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      http.createContext("/", exchange -> serve(exchange, paths, page));
      http.start();
      return new TrackedSite(http);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the test site", e);
    }
  }

  /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
  public String origin() {
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
  }

  private static void serve(HttpExchange exchange, Set<String> paths, byte[] page)
      throws IOException {
    try {
      if (!paths.contains(exchange.getRequestURI().getPath())) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, page.length);
      exchange.getResponseBody().write(page);
    } finally {
      exchange.close();
    }
  }

  private static byte[] page(String siteKey, String trackerUrl) {
    try (InputStream in = TrackedSite.class.getClassLoader().getResourceAsStream(PAGE)) {
      if (in == null) {
        throw new IllegalStateException(PAGE + " is missing from the test resources");
      }
      String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      String embedded =
          html.replace("src=\"/tracker.js\"", "src=\"" + trackerUrl + "\"")
              .replace("__SITE_KEY__", siteKey);
      if (!embedded.contains(trackerUrl) || embedded.contains("__SITE_KEY__")) {
        throw new IllegalStateException(PAGE + " no longer has the script tag this site rewrites");
      }
      return embedded.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
