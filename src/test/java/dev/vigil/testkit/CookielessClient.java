package dev.vigil.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A visitor without a browser, for edge tests: one user agent, a browser's Accept and
 * Accept-Language, and no cookie jar, so every {@code Set-Cookie} is dropped, as scripted clients
 * and cookieless scrapers do.
 */
public final class CookielessClient {
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String userAgent;

  public CookielessClient(String userAgent) {
    this.userAgent = userAgent;
  }

  /** GET {@code http://127.0.0.1:port + path} as a page request. */
  public HttpResponse<String> get(int port, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .header("User-Agent", userAgent)
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .header("Accept-Language", "en-GB,en;q=0.9")
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Walks {@code String.format(pathFormat, 1)}, {@code (pathFormat, 2)}, ... on {@code connections}
   * connections at once, each sending its next request as soon as it has an answer, until the first
   * 403 (or {@code max} requests). Answers by request number.
   */
  public SortedMap<Integer, HttpResponse<String>> crawl(
      int port, String pathFormat, int connections, int max) throws Exception {
    SortedMap<Integer, HttpResponse<String>> answers = new ConcurrentSkipListMap<>();
    AtomicInteger next = new AtomicInteger(1);
    AtomicBoolean blocked = new AtomicBoolean();
    Callable<Void> connection =
        () -> {
          for (int i = next.getAndIncrement(); i <= max && !blocked.get(); ) {
            HttpResponse<String> r = get(port, String.format(pathFormat, i));
            answers.put(i, r);
            if (r.statusCode() == 403) {
              blocked.set(true);
            }
            i = next.getAndIncrement();
          }
          return null;
        };
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    try {
      for (Future<Void> f : pool.invokeAll(Collections.nCopies(connections, connection))) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return answers;
  }

  /** The number of the first answer with this status, 0 if none. */
  public static int first(SortedMap<Integer, HttpResponse<String>> answers, int status) {
    return answers.entrySet().stream()
        .filter(e -> e.getValue().statusCode() == status)
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(0);
  }

  /** Retry-After in seconds, 0 when absent. */
  public static long retryAfter(HttpResponse<?> r) {
    return r.headers().firstValue("Retry-After").map(Long::parseLong).orElse(0L);
  }
}
