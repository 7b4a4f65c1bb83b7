package dev.vigil.session;

import com.typesafe.config.Config;
import java.time.Duration;

/** Session lifecycle and journaling rules, from {@code vigil.sessions}. */
public record SessionSettings(
    Duration inactivityTimeout,
    Duration rollupInterval,
    int snapshotEvery,
    int tags,
    Duration reaperInterval) {

  public SessionSettings {
    if (inactivityTimeout.compareTo(Duration.ofSeconds(1)) < 0
        || rollupInterval.isNegative()
        || rollupInterval.isZero()) {
      throw new IllegalArgumentException(
          "vigil.sessions: inactivity-timeout must be at least 1s and rollup-interval positive");
    }
    if (snapshotEvery < 1 || tags < 1) {
      throw new IllegalArgumentException(
          "vigil.sessions: snapshot-every and tags must be at least 1");
    }
  }

  public static SessionSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.sessions");
    return new SessionSettings(
        c.getDuration("inactivity-timeout"),
        c.getDuration("rollup-interval"),
        c.getInt("snapshot-every"),
        c.getInt("tags"),
        c.getDuration("reaper-interval"));
  }

  /** How often an entity with unjournaled activity checks whether a rollup is due. */
  public Duration tickInterval() {
    Duration quarter = idleTickInterval();
    return quarter.compareTo(rollupInterval) < 0 ? quarter : rollupInterval;
  }

  /**
   * How often an entity with nothing pending checks whether it has gone idle: a quarter of the
   * inactivity timeout, so a session ends at most that late (the reaper ends the ones not live).
   */
  public Duration idleTickInterval() {
    return inactivityTimeout.dividedBy(4);
  }
}
