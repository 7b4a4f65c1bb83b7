package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static dev.vigil.detection.DetectionFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fingerprint-owned signals of the detection spec, each on both sides of its boundary. */
class FingerprintSignalsTest {
  private static final String IP = "198.51.100.7";

  // --- many_sessions: more than 5 sessions in 24 h

  @ParameterizedTest(name = "{0} sessions in a day fire: {1}")
  @CsvSource({"5, false", "6, true"})
  void manySessionsFiresAboveFiveSessionsInADay(int sessions, boolean fires) {
    FingerprintSignals fp = startSessions(sessions, Duration.ofHours(3), 1);

    assertFires(fired(fp, T0.plus(Duration.ofHours(20))), Signal.MANY_SESSIONS, fires);
  }

  @Test
  void manySessionsDoesNotCountASessionStartedTwentyFourHoursAgo() {
    // given six sessions, the first one started at T0
    FingerprintSignals fp = startSessions(6, Duration.ofHours(1), 1);

    // then a millisecond before 24 h it counts, at 24 h it no longer does
    assertThat(fired(fp, T0.plus(Duration.ofHours(24)).minusMillis(1)))
        .contains(Signal.MANY_SESSIONS);
    assertThat(fp.sessionsSince(T0.plus(Duration.ofHours(24)), Duration.ofHours(24).toMillis()))
        .isEqualTo(5);
    assertThat(fired(fp, T0.plus(Duration.ofHours(24)))).doesNotContain(Signal.MANY_SESSIONS);
  }

  // --- cookieless_burst: >= 10 sessions in 1 h, > 80 % of them with one request

  @ParameterizedTest(name = "{0} single-request sessions in an hour fire: {1}")
  @CsvSource({"9, false", "10, true"})
  void cookielessBurstNeedsTenSessionsInAnHour(int sessions, boolean fires) {
    FingerprintSignals fp = startSessions(sessions, Duration.ofMinutes(5), 1);

    assertFires(fired(fp, T0.plus(Duration.ofMinutes(50))), Signal.COOKIELESS_BURST, fires);
  }

  @ParameterizedTest(name = "{0} of 10 sessions with one request fire: {1}")
  @CsvSource({"8, false", "9, true"})
  void cookielessBurstNeedsMoreThanEightyPercentSingleRequestSessions(int single, boolean fires) {
    // given 10 sessions in an hour, the first (10 - single) of them with a second request
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    for (int i = 0; i < 10; i++) {
      Instant at = T0.plus(Duration.ofMinutes(5L * i));
      fp = fp.onRequest("s" + i, true, at, IP, false);
      if (i < 10 - single) {
        fp = fp.onRequest("s" + i, false, at.plusSeconds(10), IP, false);
      }
    }

    assertThat(fp.requests()).containsOnly(1, 2);
    assertFires(fired(fp, T0.plus(Duration.ofMinutes(50))), Signal.COOKIELESS_BURST, fires);
  }

  @Test
  void cookielessBurstCountsOnlyTheLastHour() {
    // given 10 single-request sessions over 90 minutes: only 6 started in the last hour
    FingerprintSignals fp = startSessions(10, Duration.ofMinutes(10), 1);

    assertThat(fired(fp, T0.plus(Duration.ofMinutes(90)))).doesNotContain(Signal.COOKIELESS_BURST);
  }

  // --- ip_rotation: >= 5 sessions in 24 h and distinct IPs / sessions >= 0.8

  @ParameterizedTest(name = "{0} sessions from {1} addresses fire: {2}")
  @CsvSource({"5, 4, true", "5, 3, false", "4, 4, false", "10, 8, true", "10, 7, false"})
  void ipRotationFiresWhenMostSessionsComeFromTheirOwnAddress(
      int sessions, int distinctIps, boolean fires) {
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    for (int i = 0; i < sessions; i++) {
      String ip = "203.0.113." + Math.min(i, distinctIps - 1);
      fp = fp.onRequest("s" + i, true, T0.plus(Duration.ofMinutes(7L * i)), ip, false);
    }

    assertFires(fired(fp, T0.plus(Duration.ofHours(2))), Signal.IP_ROTATION, fires);
  }

  // --- no_engagement_across_sessions: >= 10 sessions in 24 h and not one beacon

  @ParameterizedTest(name = "{0} sessions without a beacon fire: {1}")
  @CsvSource({"9, false", "10, true"})
  void noEngagementAcrossSessionsNeedsTenSessionsInADay(int sessions, boolean fires) {
    FingerprintSignals fp = startSessions(sessions, Duration.ofHours(1), 3);

    assertFires(
        fired(fp, T0.plus(Duration.ofHours(12))), Signal.NO_ENGAGEMENT_ACROSS_SESSIONS, fires);
  }

  @Test
  void aBeaconFromAnySessionInTheDayStopsNoEngagementAcrossSessions() {
    FingerprintSignals fp = startSessions(12, Duration.ofHours(1), 3).onBeacon("s0");

    assertThat(fp.engaged()[0]).isTrue();
    assertThat(fired(fp, T0.plus(Duration.ofHours(12))))
        .doesNotContain(Signal.NO_ENGAGEMENT_ACROSS_SESSIONS);
  }

  @Test
  void aBeaconFromASessionOlderThanADayDoesNotCount() {
    // given s0 engaged at T0, then ten sessions without a beacon from T0 + 1 h
    FingerprintSignals fp = startSessions(11, Duration.ofHours(1), 3).onBeacon("s0");

    // when s0 has left the 24-hour window
    assertThat(fired(fp, T0.plus(Duration.ofHours(24))))
        .contains(Signal.NO_ENGAGEMENT_ACROSS_SESSIONS);
  }

  @Test
  void aBeaconFromAnUnknownSessionChangesNothing() {
    FingerprintSignals fp = startSessions(3, Duration.ofHours(1), 1);

    assertThat(fp.onBeacon("someone-else")).isSameAs(fp);
  }

  // --- periodic_cadence: >= 5 starts and CV of the gaps between starts < 0.1

  @Test
  void periodicCadenceNeverFiresOnFourStarts() {
    FingerprintSignals fp = startsWithGaps(600_000, 600_000, 600_000);

    assertThat(fired(fp, T0.plus(Duration.ofHours(1)))).doesNotContain(Signal.PERIODIC_CADENCE);
  }

  @Test
  void periodicCadenceFiresOnFiveEvenlySpacedStarts() {
    FingerprintSignals fp = startsWithGaps(600_000, 600_000, 600_000, 600_000);

    assertThat(fired(fp, T0.plus(Duration.ofHours(1)))).contains(Signal.PERIODIC_CADENCE);
  }

  // Gaps m(1+d), m(1-d), m(1+d), m(1-d) have mean m and population standard deviation m*d, so
  // the coefficient of variation is d.
  @ParameterizedTest(name = "gaps {0}/{1} ms fire: {2}")
  @CsvSource({"659940, 540060, true", "660060, 539940, false"})
  void periodicCadenceFiresOnlyBelowACoefficientOfVariationOfOneTenth(
      long high, long low, boolean fires) {
    FingerprintSignals fp = startsWithGaps(high, low, high, low);

    assertFires(fired(fp, T0.plus(Duration.ofHours(1))), Signal.PERIODIC_CADENCE, fires);
  }

  // --- memory and bookkeeping

  @Test
  void remembersAtMostSixtyFourSessionsDroppingTheOldest() {
    FingerprintSignals fp = startSessions(200, Duration.ofMinutes(1), 1);

    assertThat(fp.starts()).hasSize(FingerprintSignals.MAX_SESSIONS).hasSize(64);
    assertThat(fp.sessionHashes()).hasSize(64);
    assertThat(fp.ipHashes()).hasSize(64);
    assertThat(fp.requests()).hasSize(64);
    assertThat(fp.engaged()).hasSize(64);
    assertThat(fp.knows("s199")).isTrue();
    assertThat(fp.knows("s136")).isTrue();
    assertThat(fp.knows("s135")).isFalse();
    assertThat(fp.starts()[0]).isEqualTo(T0.plus(Duration.ofMinutes(136)).toEpochMilli());
  }

  @Test
  void aFurtherRequestOfAKnownSessionCountsForThatSession() {
    FingerprintSignals fp =
        FingerprintSignals.EMPTY
            .onRequest("a", true, T0, IP, false)
            .onRequest("b", true, T0.plusSeconds(1), IP, false)
            .onRequest("a", false, T0.plusSeconds(2), IP, false);

    assertThat(fp.starts()).hasSize(2);
    assertThat(fp.requests()).containsExactly(2, 1);
  }

  @Test
  void aRequestOfAForgottenSessionStartsItAgain() {
    FingerprintSignals fp = FingerprintSignals.EMPTY.onRequest("gone", false, T0, IP, false);

    assertThat(fp.knows("gone")).isTrue();
    assertThat(fp.requests()).containsExactly(1);
  }

  @ParameterizedTest(name = "{0} requests with {1} errors exceed: {2}")
  @CsvSource({
    "21, 11, true", // above 0.5 over more than 20
    "20, 20, false", // not more than 20 requests
    "22, 11, false", // exactly 0.5
    "21, 10, false",
  })
  void errorRateNeedsMoreThanHalfErrorsOverMoreThanTwentyRequests(
      int requests, int errors, boolean exceeded) {
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    for (int i = 0; i < requests; i++) {
      fp = fp.onRequest("s", i == 0, T0.plusSeconds(i), IP, i < errors);
    }

    assertThat(fp.errorRateExceeded(SETTINGS.throttle())).isEqualTo(exceeded);
  }

  @Test
  void errorRateStartsAfreshAfterTenMinutes() {
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    for (int i = 0; i < 30; i++) {
      fp = fp.onRequest("s", i == 0, T0.plusSeconds(i), IP, true);
    }
    assertThat(fp.errorRateExceeded(SETTINGS.throttle())).isTrue();

    fp = fp.onRequest("s", false, T0.plus(Duration.ofMinutes(10)), IP, true);

    assertThat(fp.windowRequests()).isEqualTo(1);
    assertThat(fp.errorRateExceeded(SETTINGS.throttle())).isFalse();
  }

  @Test
  void aFewSessionsOfAnEngagedVisitorFireNothing() {
    FingerprintSignals fp =
        FingerprintSignals.EMPTY
            .onRequest("monday", true, T0, IP, false)
            .onRequest("monday", false, T0.plusSeconds(30), IP, false)
            .onBeacon("monday")
            .onRequest("evening", true, T0.plus(Duration.ofHours(9)), IP, false)
            .onRequest("evening", false, T0.plus(Duration.ofHours(9)).plusSeconds(50), IP, false);

    assertThat(fp.evaluate(T0.plus(Duration.ofHours(10)), SETTINGS)).isEmpty();
  }

  /** Sessions s0, s1, ... started {@code apart} from each other from T0, from one address. */
  private static FingerprintSignals startSessions(int n, Duration apart, int requestsEach) {
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    for (int i = 0; i < n; i++) {
      Instant at = T0.plus(apart.multipliedBy(i));
      for (int r = 0; r < requestsEach; r++) {
        fp = fp.onRequest("s" + i, r == 0, at.plusSeconds(r), IP, false);
      }
    }
    return fp;
  }

  private static FingerprintSignals startsWithGaps(long... gapsMs) {
    FingerprintSignals fp = FingerprintSignals.EMPTY.onRequest("s", true, T0, IP, false);
    Instant at = T0;
    for (int i = 0; i < gapsMs.length; i++) {
      at = at.plusMillis(gapsMs[i]);
      fp = fp.onRequest("s" + i, true, at, IP, false);
    }
    return fp;
  }

  private static void assertFires(Set<Signal> fired, Signal signal, boolean fires) {
    if (fires) {
      assertThat(fired).contains(signal);
    } else {
      assertThat(fired).doesNotContain(signal);
    }
  }

  private static Set<Signal> fired(FingerprintSignals fp, Instant now) {
    return fp.evaluate(now, SETTINGS).stream().map(FiredSignal::signal).collect(Collectors.toSet());
  }
}
