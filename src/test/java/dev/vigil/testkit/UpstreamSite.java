package dev.vigil.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A customer's application behind a proxy, for edge tests: a few linked HTML pages (each with the
 * tracker embedded, pointing at a Vigil node, a stylesheet and an image), a catalogue of numbered
 * pages {@code /p/NNNN} for scrapers to walk, and the assets. It remembers every request it serves
 * (path and user agent), so a test can tell what got past the proxy.
 */
public final class UpstreamSite implements AutoCloseable {
  /** A request the site served. */
  public record Hit(String path, String userAgent) {}

  private static final Pattern CATALOGUE = Pattern.compile("^/p/\\d{1,6}$");
  private static final String CSS = "body { font: 16px/1.5 sans-serif; max-width: 40rem; }\n";
  private static final String SVG =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"></svg>\n";

  private final HttpServer http;
  private final List<Hit> hits = new CopyOnWriteArrayList<>();
  private final Map<String, String> pages;
  private final String trackerTag;

  private UpstreamSite(Map<String, String> pages, String trackerTag) throws IOException {
    this.pages = pages;
    this.trackerTag = trackerTag;
    this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", this::serve);
    http.start();
  }

  /**
   * @param pages path to title of the linked pages; every page links to all of them by id {@code
   *     "link" + path}
   * @param siteKey the site's public key for the tracker
   * @param trackerUrl the absolute URL of {@code /tracker.js} on the Vigil node
   */
  public static UpstreamSite start(Map<String, String> pages, String siteKey, String trackerUrl) {
    String tag = "<script defer src=\"" + trackerUrl + "\" data-site=\"" + siteKey + "\"></script>";
    try {
      return new UpstreamSite(pages, tag);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the upstream site", e);
    }
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** Every request served so far, in order. */
  public List<Hit> hits() {
    return List.copyOf(hits);
  }

  public long hitsBy(String userAgent) {
    return hits.stream().filter(h -> userAgent.equals(h.userAgent())).count();
  }

  /** The title of a page's {@code <title>} and {@code <h1>}. */
  public static String title(String name) {
    return "Vigil shop: " + name;
  }

  @Override
  public void close() {
    http.stop(0);
  }

  private void serve(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      hits.add(new Hit(path, exchange.getRequestHeaders().getFirst("User-Agent")));
      if (pages.containsKey(path)) {
        send(exchange, "text/html; charset=utf-8", page(pages.get(path)));
      } else if (CATALOGUE.matcher(path).matches()) {
        send(exchange, "text/html; charset=utf-8", page("catalogue " + path.substring(3)));
      } else if (path.equals("/assets/site.css")) {
        send(exchange, "text/css", CSS);
      } else if (path.equals("/assets/logo.svg")) {
        send(exchange, "image/svg+xml", SVG);
      } else {
        exchange.sendResponseHeaders(404, -1);
      }
    } finally {
      exchange.close();
    }
  }

  private String page(String name) {
    String links =
        pages.entrySet().stream()
            .map(
                e ->
                    "<a id=\"link"
                        + e.getKey()
                        + "\" href=\""
                        + e.getKey()
                        + "\">"
                        + e.getValue()
                        + "</a>")
            .collect(Collectors.joining(" | "));
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<title>"
        + title(name)
        + "</title><link rel=\"stylesheet\" href=\"/assets/site.css\">"
        + trackerTag
        + "</head><body><img src=\"/assets/logo.svg\" alt=\"\"><h1 id=\"heading\">"
        + title(name)
        + "</h1><nav>"
        + links
        + "</nav><div style=\"height: 3000px\">Long enough to scroll.</div>"
        + "<p id=\"bottom\">End of "
        + name
        + ".</p></body></html>\n";
  }

  private static void send(HttpExchange exchange, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
