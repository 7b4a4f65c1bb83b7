package dev.vigil.detection;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import java.time.Instant;

/** The shipped detection configuration and a request builder shared by the detection tests. */
final class DetectionFixtures {
  /**
   * The detection spec's own numbers. The shipped configuration deviates where the evaluation
   * corpus calibrated it (sequential navigation, engagement grace; see conf/detection.conf); the
   * signal tests check the mechanics at the spec's boundaries, so they pin the spec's values.
   */
  static final Config CONFIG =
      VigilConfig.resolve(
          ConfigFactory.parseString(
                  "vigil.detection.limits { sequential-min-views = 5, sequential-share = 0.7,"
                      + " engagement-grace = 30s }\n"
                      + "vigil.detection.points.sequential-navigation = 20")
              .withFallback(VigilConfig.shipped()));

  static final DetectionSettings SETTINGS = DetectionSettings.fromConfig(CONFIG);

  /** What ships, calibrated on the evaluation corpus. */
  static final DetectionSettings SHIPPED =
      DetectionSettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));

  static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

  static final String CHROME =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
          + " Chrome/124.0.0.0 Safari/537.36";
  static final String FIREFOX =
      "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
  static final String SAFARI =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko)"
          + " Version/17.4 Safari/605.1.15";
  static final String GOOGLEBOT =
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

  private DetectionFixtures() {}

  /** A GET of the path with every header a current desktop Chrome sends over https. */
  static Request get(String path) {
    return new Request().path(path);
  }

  /** A request being built; each setter changes one field of the Chrome default. */
  static final class Request {
    private Instant at = T0;
    private String ip = "198.51.100.7";
    private String method = "GET";
    private String path = "/";
    private String userAgent = CHROME;
    private String accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    private String acceptLanguage = "en-GB,en;q=0.9";
    private String secChUa = "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\"";
    private String secChUaPlatform = "\"Windows\"";
    private String secChUaMobile = "?0";
    private boolean https = true;
    private String clientFingerprint = null;
    private Integer status = null;

    Request at(Instant v) {
      at = v;
      return this;
    }

    Request ip(String v) {
      ip = v;
      return this;
    }

    Request method(String v) {
      method = v;
      return this;
    }

    Request path(String v) {
      path = v;
      return this;
    }

    Request userAgent(String v) {
      userAgent = v;
      return this;
    }

    Request accept(String v) {
      accept = v;
      return this;
    }

    Request acceptLanguage(String v) {
      acceptLanguage = v;
      return this;
    }

    Request secChUa(String v) {
      secChUa = v;
      return this;
    }

    Request secChUaPlatform(String v) {
      secChUaPlatform = v;
      return this;
    }

    Request secChUaMobile(String v) {
      secChUaMobile = v;
      return this;
    }

    Request https(boolean v) {
      https = v;
      return this;
    }

    Request clientFingerprint(String v) {
      clientFingerprint = v;
      return this;
    }

    Request status(Integer v) {
      status = v;
      return this;
    }

    RequestFacts facts() {
      return new RequestFacts(
          at,
          ip,
          method,
          "shop.example",
          path,
          null,
          userAgent,
          accept,
          acceptLanguage,
          secChUa,
          secChUaPlatform,
          secChUaMobile,
          null,
          https,
          clientFingerprint,
          status,
          null);
    }
  }
}
