package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static dev.vigil.detection.DetectionFixtures.T0;
import static dev.vigil.detection.DetectionFixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A session's score is its points plus its fingerprint's; a bot at or above the threshold. */
class VerdictTest {

  @Test
  void scoreSumsSessionAndFingerprintPointsAndListsSessionReasonsFirst() {
    Verdict v =
        Verdict.of(
            List.of(
                new FiredSignal(Signal.HIGH_VELOCITY, 30),
                new FiredSignal(Signal.REGULAR_TIMING, 15)),
            List.of(new FiredSignal(Signal.MANY_SESSIONS, 20)),
            50);

    assertThat(v.score()).isEqualTo(65);
    assertThat(v.bot()).isTrue();
    assertThat(v.reasons()).containsExactly("high_velocity", "regular_timing", "many_sessions");
  }

  @ParameterizedTest(name = "score {0} against threshold 50 is a bot: {1}")
  @CsvSource({"49, false", "50, true", "51, true"})
  void classifiesABotAtExactlyTheThreshold(int fingerprintPoints, boolean bot) {
    Verdict v =
        Verdict.of(
            List.of(), List.of(new FiredSignal(Signal.PERIODIC_CADENCE, fingerprintPoints)), 50);

    assertThat(v.score()).isEqualTo(fingerprintPoints);
    assertThat(v.bot()).isEqualTo(bot);
  }

  @Test
  void nothingFiredIsTheCleanVerdict() {
    assertThat(Verdict.of(List.of(), List.of(), SETTINGS.threshold())).isEqualTo(Verdict.CLEAN);
  }

  @Test
  void sessionAndFingerprintSignalsTogetherReachTheShippedThreshold() {
    // given a session with 31 quick asset requests: high_velocity (30) and nothing else
    SessionSignals session = SessionSignals.opened(T0);
    for (int i = 0; i < 31; i++) {
      session =
          session.onRequest(
              get("/static/a" + i + ".js").at(T0.plusMillis(250L * i)).facts(),
              SETTINGS.limits().browserMajorFloor());
    }
    // and a fingerprint with six sessions at uneven times today: many_sessions (20) only
    FingerprintSignals fp = FingerprintSignals.EMPTY;
    long[] hoursAgo = {20, 18, 9, 8, 3, 0};
    Instant now = T0.plusSeconds(10);
    for (int i = 0; i < hoursAgo.length; i++) {
      Instant at = now.minus(Duration.ofHours(hoursAgo[i])).minusSeconds(5);
      fp = fp.onRequest("s" + i, true, at, "198.51.100.7", false).onBeacon("s" + i);
    }

    // when
    List<FiredSignal> own = session.evaluate(now, SETTINGS, 100, true);
    List<FiredSignal> shared = fp.evaluate(now, SETTINGS);
    Verdict v = Verdict.of(own, shared, SETTINGS.threshold());

    // then 30 + 20 is exactly the shipped threshold of 50
    assertThat(own).containsExactly(new FiredSignal(Signal.HIGH_VELOCITY, 30));
    assertThat(shared).containsExactly(new FiredSignal(Signal.MANY_SESSIONS, 20));
    assertThat(v).isEqualTo(new Verdict(50, true, List.of("high_velocity", "many_sessions")));
  }
}
