package dev.vigil.detection;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Everything detection decides by, from {@code vigil.detection}; see conf/detection.conf. */
public record DetectionSettings(
    int threshold,
    FailMode failMode,
    Duration decideTimeout,
    boolean blockAutomationTools,
    CrawlerPolicy aiCrawlerPolicy,
    int defaultSitePages,
    int fingerprintVersion,
    List<String> fingerprintFeatures,
    Duration fingerprintRollupInterval,
    Map<Signal, Integer> points,
    Limits limits,
    Throttle throttle) {

  /** What the edge answers when the entities cannot answer in time. */
  public enum FailMode {
    OPEN,
    CLOSED
  }

  /** What to do with a class of crawler. */
  public enum CrawlerPolicy {
    ALLOW,
    THROTTLE,
    BLOCK
  }

  /** The limits at which signals fire. */
  public record Limits(
      int sessionPageRequests,
      double pageCoverage,
      int sequentialMinViews,
      double sequentialShare,
      int timingMinGaps,
      double timingMaxCv,
      double pagesPerMinute,
      double requestsPerMinute,
      int browserMajorFloor,
      Duration engagementGrace,
      int sessionsPerDay,
      int burstSessions,
      double burstSingleRequestShare,
      int rotationMinSessions,
      double rotationIpShare,
      int noEngagementSessions,
      int cadenceMinStarts,
      double cadenceMaxCv) {}

  /** The token bucket and the throttle state machine. */
  public record Throttle(
      int baseRatePerMinute,
      int burstSeconds,
      double errorRate,
      int errorMinRequests,
      Duration cooldownWarning,
      Duration cooldownSevere,
      Duration cooldownBlocked) {}

  public static final List<String> KNOWN_FEATURES =
      List.of(
          "site",
          "user-agent",
          "accept-language",
          "client-hints",
          "ip-prefix",
          "client-fingerprint");

  public DetectionSettings {
    points = Map.copyOf(points);
    fingerprintFeatures = List.copyOf(fingerprintFeatures);
    if (fingerprintRollupInterval.isNegative() || fingerprintRollupInterval.isZero()) {
      throw new IllegalArgumentException(
          "vigil.detection.fingerprint.rollup-interval must be positive");
    }
    if (threshold < 1) {
      throw new IllegalArgumentException("vigil.detection.threshold must be at least 1");
    }
    for (String f : fingerprintFeatures) {
      if (!KNOWN_FEATURES.contains(f)) {
        throw new IllegalArgumentException(
            "vigil.detection.fingerprint.features: unknown feature '"
                + f
                + "'; known: "
                + KNOWN_FEATURES);
      }
    }
  }

  /**
   * What an operator should hear about the fingerprint's configuration: without the site a device
   * shares one fingerprint across sites, and version 1 hashed no site, so the site under version 1
   * mixes new ids with old ones of the same prefix.
   */
  public Optional<String> fingerprintWarning() {
    if (!fingerprintFeatures.contains("site")) {
      return Optional.of(
          "vigil.detection.fingerprint.features leaves out 'site': a device has one fingerprint"
              + " for all sites, and one site's traffic or server key can escalate or block another"
              + " site's visitors");
    }
    if (fingerprintVersion < 2) {
      return Optional.of(
          "vigil.detection.fingerprint.version "
              + fingerprintVersion
              + " hashed no site; with 'site' in the features use version 2 or later, so new"
              + " fingerprints do not mix with the old ones");
    }
    return Optional.empty();
  }

  public int points(Signal signal) {
    return points.getOrDefault(signal, 0);
  }

  public static DetectionSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.detection");
    Map<Signal, Integer> points = new EnumMap<>(Signal.class);
    for (Signal s : Signal.values()) {
      points.put(s, c.getInt("points." + s.configKey()));
    }
    Config l = c.getConfig("limits");
    Config t = c.getConfig("throttle");
    return new DetectionSettings(
        c.getInt("threshold"),
        FailMode.valueOf(c.getString("fail-mode").toUpperCase(Locale.ROOT)),
        c.getDuration("decide-timeout"),
        c.getBoolean("block-automation-tools"),
        CrawlerPolicy.valueOf(c.getString("ai-crawler-policy").toUpperCase(Locale.ROOT)),
        c.getInt("default-site-pages"),
        c.getInt("fingerprint.version"),
        Arrays.stream(c.getString("fingerprint.features").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList(),
        c.getDuration("fingerprint.rollup-interval"),
        points,
        new Limits(
            l.getInt("session-page-requests"),
            l.getDouble("page-coverage"),
            l.getInt("sequential-min-views"),
            l.getDouble("sequential-share"),
            l.getInt("timing-min-gaps"),
            l.getDouble("timing-max-cv"),
            l.getDouble("pages-per-minute"),
            l.getDouble("requests-per-minute"),
            l.getInt("browser-major-floor"),
            l.getDuration("engagement-grace"),
            l.getInt("sessions-per-day"),
            l.getInt("burst-sessions"),
            l.getDouble("burst-single-request-share"),
            l.getInt("rotation-min-sessions"),
            l.getDouble("rotation-ip-share"),
            l.getInt("no-engagement-sessions"),
            l.getInt("cadence-min-starts"),
            l.getDouble("cadence-max-cv")),
        new Throttle(
            t.getInt("base-rate-per-minute"),
            t.getInt("burst-seconds"),
            t.getDouble("error-rate"),
            t.getInt("error-min-requests"),
            t.getDuration("cooldown-warning"),
            t.getDuration("cooldown-severe"),
            t.getDuration("cooldown-blocked")));
  }
}
