package dev.vigil.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/** Sends tracker beacons to {@code /v1/collect} the way the tracker does (text/plain JSON). */
public final class Beacons {
  public static final String CHROME =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/126.0.0.0 Safari/537.36";

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Beacons() {}

  public static String newSession() {
    return "s_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  /** One page view of a session; returns the HTTP status (202 when stored). */
  public static int pageView(int port, String siteKey, String session, String url) {
    return pageView(port, siteKey, session, null, url);
  }

  /** One page view of a session whose user the site identified ({@code user} null: none). */
  public static int pageView(int port, String siteKey, String session, String user, String url) {
    String body =
        "{\"site\":\""
            + siteKey
            + "\",\"session\":\""
            + session
            + (user == null ? "" : "\",\"user\":\"" + user)
            + "\",\"visitor\":\"visitor-0001\",\"events\":[{\"type\":\"page_view\",\"ts\":"
            + System.currentTimeMillis()
            + ",\"url\":\""
            + url
            + "\"}]}";
    try {
      return CLIENT
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/collect"))
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "text/plain;charset=UTF-8")
                  .header("User-Agent", CHROME)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      throw new AssertionError("cannot send a beacon: " + e, e);
    }
  }
}
