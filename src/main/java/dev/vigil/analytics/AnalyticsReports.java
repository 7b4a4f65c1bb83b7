package dev.vigil.analytics;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The wire shapes of the analytics reports. */
public final class AnalyticsReports {
  private AnalyticsReports() {}

  /**
   * One content item: keyed by content id when the beacons carry one ({@code keyKind} "contentId"),
   * else by URL path ("path"). Averages are null when no page_exit was seen.
   */
  public record ContentItem(
      String key,
      String keyKind,
      long views,
      long uniqueSessions,
      Long avgTimeOnPageMs,
      Double avgScrollDepth,
      long clicks,
      long views7d,
      long views30d,
      String trend) {}

  public record ContentReport(
      Instant since, Instant until, boolean includeBots, List<ContentItem> content) {}

  /** A value of a traffic dimension and how many sessions had it; key null = not known. */
  public record Bucket(String key, long sessions) {}

  public record TrafficReport(
      Instant since,
      Instant until,
      long totalSessions,
      List<Bucket> sources,
      List<Bucket> landingPages,
      List<Bucket> devices,
      List<Bucket> browsers,
      List<Bucket> os,
      List<Bucket> classes) {}

  /** One overview window [since, until) against [since − length, since). */
  public record WindowFigures(
      Instant since,
      Instant until,
      Change sessions,
      Change visitors,
      Change pageViews,
      Change conversions,
      Change botShare) {}

  /** {@code windows} is keyed "24h", "7d", "30d", in that order. */
  public record Overview(Instant now, long activeNow, Map<String, WindowFigures> windows) {}
}
