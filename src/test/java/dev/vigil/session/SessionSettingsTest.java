package dev.vigil.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.VigilConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionSettingsTest {

  private static SessionSettings settings(Duration inactivity, Duration rollup) {
    return new SessionSettings(
        inactivity, rollup, 50, 4, Duration.ofMinutes(1), 1000, Duration.ofSeconds(5), 1000);
  }

  @Test
  void aBusySessionTicksAtAThirdOfTheRollupInterval() {
    assertEquals(
        Duration.ofSeconds(10),
        settings(Duration.ofMinutes(30), Duration.ofSeconds(30)).tickInterval());
    assertEquals(
        Duration.ofMillis(200).dividedBy(3),
        settings(Duration.ofMinutes(30), Duration.ofMillis(200)).tickInterval());
  }

  @Test
  void theTickNeverExceedsAQuarterOfTheInactivityTimeout() {
    SessionSettings s = settings(Duration.ofSeconds(20), Duration.ofMinutes(5));
    assertEquals(Duration.ofSeconds(5), s.tickInterval());
    assertEquals(Duration.ofSeconds(5), s.idleTickInterval());
  }

  @Test
  void theTickIsNeverShorterThanAMillisecond() {
    assertEquals(
        Duration.ofMillis(1), settings(Duration.ofMinutes(30), Duration.ofNanos(2)).tickInterval());
  }

  @Test
  void theShippedDefaultsRollUpEvery30sAndTickEvery10s() {
    SessionSettings shipped =
        SessionSettings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
    assertEquals(Duration.ofSeconds(30), shipped.rollupInterval());
    assertEquals(Duration.ofSeconds(10), shipped.tickInterval());
    assertEquals(Duration.ofMinutes(30).dividedBy(4), shipped.idleTickInterval());
  }

  @Test
  void theShippedPruningCompactsEndsAfterTenMinutesAndKeepsSessions400Days() {
    SessionPruning.Settings shipped =
        SessionPruning.Settings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));
    assertEquals(
        new SessionPruning.Settings(
            Duration.ofMinutes(1), Duration.ofMinutes(10), 2000, Duration.ofDays(400)),
        shipped);
  }

  @Test
  void pruningRefusesAnEmptyBatchANonPositiveRetentionAndANegativeDelay() {
    Duration minute = Duration.ofMinutes(1);
    assertThrows(
        IllegalArgumentException.class,
        () -> new SessionPruning.Settings(minute, minute, 0, minute));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SessionPruning.Settings(minute, minute, 1, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SessionPruning.Settings(minute, minute.negated(), 1, minute));
  }
}
