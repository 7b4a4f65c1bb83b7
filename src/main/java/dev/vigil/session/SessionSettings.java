package dev.vigil.session;

import com.typesafe.config.Config;
import dev.vigil.cluster.LivePopulation;
import java.time.Duration;

/** Session lifecycle and journaling rules, from {@code vigil.sessions}. */
public record SessionSettings(
    Duration inactivityTimeout,
    Duration rollupInterval,
    int snapshotEvery,
    int tags,
    Duration reaperInterval,
    int reaperBatch,
    Duration reaperCatchUpPause,
    int maxLive) {

  /**
   * What a live session holds, with its fingerprint's share, rounded up from the bench's 4.5-4.8
   * KiB (BENCHMARKS.md, memory): the divisor of {@code max-live = auto}.
   */
  static final long BYTES_PER_SESSION = 6 * 1024;

  /** The share of the heap that {@code max-live = auto} gives to live sessions. */
  static final double HEAP_SHARE = 0.25;

  /** The shortest tick, whatever the rollup interval. */
  private static final Duration MIN_TICK = Duration.ofMillis(1);

  public SessionSettings {
    if (inactivityTimeout.compareTo(Duration.ofSeconds(1)) < 0
        || rollupInterval.isNegative()
        || rollupInterval.isZero()) {
      throw new IllegalArgumentException(
          "vigil.sessions: inactivity-timeout must be at least 1s and rollup-interval positive");
    }
    if (reaperCatchUpPause.isNegative() || reaperCatchUpPause.isZero()) {
      throw new IllegalArgumentException("vigil.sessions.reaper-catch-up-pause must be positive");
    }
    if (snapshotEvery < 1 || tags < 1 || reaperBatch < 1 || maxLive < 1) {
      throw new IllegalArgumentException(
          "vigil.sessions: snapshot-every, tags, reaper-batch and max-live must be at least 1");
    }
  }

  public static SessionSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.sessions");
    return new SessionSettings(
        c.getDuration("inactivity-timeout"),
        c.getDuration("rollup-interval"),
        c.getInt("snapshot-every"),
        c.getInt("tags"),
        c.getDuration("reaper-interval"),
        c.getInt("reaper-batch"),
        c.getDuration("reaper-catch-up-pause"),
        LivePopulation.limit(
            config,
            "vigil.sessions.max-live",
            HEAP_SHARE,
            BYTES_PER_SESSION,
            Runtime.getRuntime().maxMemory()));
  }

  /**
   * How often an entity with unjournaled activity checks whether a rollup is due: a third of the
   * rollup interval (at most a quarter of the inactivity timeout), so a due rollup is at most that
   * late, and an ended session passivates that soon. A rollup that input brought does not move the
   * tick, so the time between two rollups is at most the interval and one tick.
   */
  public Duration tickInterval() {
    Duration quarter = idleTickInterval();
    Duration third = rollupInterval.dividedBy(3);
    if (third.compareTo(MIN_TICK) < 0) {
      third = MIN_TICK;
    }
    return quarter.compareTo(third) < 0 ? quarter : third;
  }

  /**
   * How often an entity with nothing pending checks whether it has gone idle: a quarter of the
   * inactivity timeout, so a session ends at most that late (the reaper ends the ones not live).
   */
  public Duration idleTickInterval() {
    return inactivityTimeout.dividedBy(4);
  }
}
