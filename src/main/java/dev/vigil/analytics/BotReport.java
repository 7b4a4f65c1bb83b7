package dev.vigil.analytics;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * The wire shape of {@code /v1/analytics/bots} over the window [since, until): who came (sessions
 * by class), which bots (by class and by the name their fingerprint was recognised under), the
 * fingerprints that offended most, and the throttle escalations and enforced decisions per bucket.
 */
public record BotReport(
    Instant since,
    Instant until,
    String bucket,
    Totals totals,
    Kinds kinds,
    List<OffendingFingerprint> topFingerprints,
    List<Interval> overTime) {

  /**
   * Sessions started in the window. A bot is any class but human and ghost (a ghost never loaded a
   * page: neither a visitor nor proven automation). {@code botShare} = bot / sessions, null without
   * sessions.
   */
  public record Totals(long sessions, long human, long bot, long ghost, Double botShare) {}

  /** Bot sessions by class, and by (class, immediate name) for those recognised by name. */
  public record Kinds(List<ClassCount> classes, List<NameCount> names) {}

  public record ClassCount(@JsonProperty("class") String sessionClass, long sessions) {}

  /** {@code name} is the fingerprint's immediate name: a crawler, a tool or a probe. */
  public record NameCount(@JsonProperty("class") String sessionClass, String name, long sessions) {}

  /**
   * A fingerprint seen during the window, with its lifetime figures from the fingerprints table.
   * {@code effectiveLevel} is the pin when there is one, else the level.
   */
  public record OffendingFingerprint(
      String fingerprintId,
      String siteId,
      String level,
      String pinnedLevel,
      String effectiveLevel,
      int reputation,
      String immediateClass,
      String immediateName,
      boolean bot,
      int score,
      List<String> reasons,
      int sessions,
      long requests,
      int escalations,
      Instant firstSeenAt,
      Instant lastSeenAt) {}

  /**
   * One bucket starting at {@code start}: escalations to warning or severe, transitions to blocked,
   * and the decisions answered throttle and block.
   */
  public record Interval(
      Instant start,
      long throttleEscalations,
      long blockEscalations,
      long throttleDecisions,
      long blockDecisions) {}
}
