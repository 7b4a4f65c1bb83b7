package dev.vigil.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Baselines, threshold rules and the anomaly lifecycle at their boundaries. */
class AnomalyRulesTest {
  private static final AnomalySettings SETTINGS =
      new AnomalySettings(
          0.2, 3, Duration.ofMinutes(5), 10, Duration.ofSeconds(30), Duration.ofSeconds(5));
  private static final Threshold RPM = new Threshold("requests_per_minute", 15, 30, 2, 3);
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  @ParameterizedTest(name = "value {0} on baseline {1} is {2}")
  @CsvSource({
    "14, 1, NONE", // under the floor, however far above the baseline
    "15, 1, WARNING", // the floor and 2x hold
    "15, 7.5, WARNING", // exactly 2x the baseline
    "15, 7.6, NONE", // the floor holds, the multiple does not
    "29, 5, WARNING",
    "30, 10, CRITICAL", // exactly the critical floor and 3x
    "30, 10.1, WARNING", // critical floor holds, 3x does not
    "100, 40, WARNING",
    "120, 40, CRITICAL"
  })
  void bothTheFloorAndTheMultipleMustHold(double value, double baseline, Level expected) {
    assertThat(RPM.level(value, baseline)).isEqualTo(expected);
  }

  @Test
  void refusesRulesThatCannotBeMeant() {
    assertThatThrownBy(() -> new Threshold("m", -1, 2, 2, 3)).hasMessageContaining("at least 0");
    assertThatThrownBy(() -> new Threshold("m", 5, 4, 2, 3))
        .hasMessageContaining("at least the warning floor");
    assertThatThrownBy(() -> new Threshold("m", 1, 2, 0.5, 3)).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new Threshold("m", 1, 2, 3, 2))
        .hasMessageContaining("at least the warning multiple");
    assertThatThrownBy(() -> new Threshold("m", Double.NaN, 2, 2, 3))
        .isInstanceOf(Threshold.Invalid.class);
  }

  @Test
  void theBaselineIsAnExponentiallyWeightedMeanWarmAfterItsSamples() {
    Baseline b = Baseline.EMPTY.update(10, 0.2);
    assertThat(b.mean()).isEqualTo(10);
    b = b.update(20, 0.2);
    assertThat(b.mean()).isEqualTo(12.0);
    assertThat(b.warm(3)).isFalse();
    assertThat(b.update(12, 0.2).warm(3)).isTrue();
  }

  @Test
  void nothingFiresDuringWarmUp() {
    MetricTracker t = MetricTracker.NEW;
    for (int i = 0; i < 3; i++) {
      MetricTracker.Step step = t.observe("fp", 500, T0.plusSeconds(60L * i), RPM, SETTINGS);
      assertThat(step.transition()).isEmpty();
      t = step.tracker();
    }
  }

  @Test
  void opensEscalatesAndClosesAfterTheQuietPeriodKeepingTheBaselineStillWhileOpen() {
    MetricTracker t = warm(5);

    MetricTracker.Step open = t.observe("fp", 20, T0.plusSeconds(600), RPM, SETTINGS);
    assertThat(open.transition().orElseThrow().kind())
        .isEqualTo(MetricTracker.Transition.Kind.OPENED);
    assertThat(open.transition().get().threshold()).isEqualTo(15);
    assertThat(open.transition().get().baseline()).isEqualTo(5);

    MetricTracker.Step same = open.tracker().observe("fp", 25, T0.plusSeconds(660), RPM, SETTINGS);
    assertThat(same.transition()).isEmpty();
    MetricTracker.Step up = same.tracker().observe("fp", 40, T0.plusSeconds(720), RPM, SETTINGS);
    assertThat(up.transition().orElseThrow().kind())
        .isEqualTo(MetricTracker.Transition.Kind.ESCALATED);
    assertThat(up.tracker().baseline()).isEqualTo(t.baseline());

    MetricTracker quiet = up.tracker();
    for (int m = 13; m < 17; m++) {
      MetricTracker.Step s = quiet.observe("fp", 3, T0.plusSeconds(60L * m), RPM, SETTINGS);
      assertThat(s.transition()).as("minute %d", m).isEmpty();
      quiet = s.tracker();
    }
    // a warning-level minute in the quiet spell starts the quiet period over
    quiet = quiet.observe("fp", 16, T0.plusSeconds(60L * 17), RPM, SETTINGS).tracker();
    MetricTracker.Step stillOpen = quiet.observe("fp", 3, T0.plusSeconds(60L * 18), RPM, SETTINGS);
    assertThat(stillOpen.transition()).isEmpty();
    MetricTracker.Step closed =
        stillOpen.tracker().observe("fp", 3, T0.plusSeconds(60L * 23), RPM, SETTINGS);
    assertThat(closed.transition().orElseThrow().kind())
        .isEqualTo(MetricTracker.Transition.Kind.CLOSED);
    assertThat(closed.transition().get().peak()).isEqualTo(40);
    assertThat(closed.tracker().open()).isNull();
  }

  @Test
  void theBookJudgesAMinuteWhenTheNextBeginsAndCountsEmptyMinutesAsZero() {
    var rules = (java.util.function.Function<String, Optional<Threshold>>) m -> Optional.of(RPM);
    AnomalyBook book = AnomalyBook.EMPTY;
    for (int m = 0; m < 4; m++) {
      for (int i = 0; i < 5; i++) {
        book =
            book.onRequest("fp", T0.plusSeconds(60L * m + i), false, false, rules, SETTINGS).book();
      }
    }
    for (int i = 0; i < 20; i++) {
      book = book.onRequest("fp", T0.plusSeconds(240 + i), false, false, rules, SETTINGS).book();
    }
    AnomalyBook.Result next =
        book.onRequest("fp", T0.plusSeconds(300), false, false, rules, SETTINGS);
    assertThat(next.transitions()).hasSize(1);
    assertThat(next.transitions().get(0).value()).isEqualTo(20);
    assertThat(next.book().open("requests_per_minute")).isPresent();

    // twelve silent minutes: ten zeros are judged, the rest are not replayed
    AnomalyBook.Result later = next.book().flush("fp", T0.plusSeconds(60L * 18), rules, SETTINGS);
    assertThat(later.book().trackers().get("requests_per_minute").open()).isNull();
    assertThat(later.transitions())
        .extracting(MetricTracker.Transition::kind)
        .containsExactly(MetricTracker.Transition.Kind.CLOSED);
  }

  @Test
  void theErrorRateIsJudgedOnlyOverEnoughResponses() {
    var rules =
        (java.util.function.Function<String, Optional<Threshold>>)
            m -> Optional.of(new Threshold(m, 0.1, 0.25, 2, 3));
    AnomalyBook book = AnomalyBook.EMPTY;
    for (int i = 0; i < 9; i++) {
      book = book.onRequest("fp", T0.plusSeconds(i), true, true, rules, SETTINGS).book();
    }
    AnomalyBook next =
        book.onRequest("fp", T0.plusSeconds(60), true, false, rules, SETTINGS).book();
    assertThat(next.trackers()).doesNotContainKey("error_rate");
    for (int i = 0; i < 10; i++) {
      next = next.onRequest("fp", T0.plusSeconds(61 + i), true, i < 3, rules, SETTINGS).book();
    }
    AnomalyBook judged =
        next.onRequest("fp", T0.plusSeconds(125), true, false, rules, SETTINGS).book();
    assertThat(judged.trackers().get("error_rate").baseline().samples()).isEqualTo(1);
    assertThat(List.of(judged.trackers().get("error_rate").baseline().mean()))
        .containsExactly(3.0 / 11); // 3 errors among the minute's 11 responses
  }

  private static MetricTracker warm(double value) {
    MetricTracker t = MetricTracker.NEW;
    for (int i = 0; i < 3; i++) {
      t = t.observe("fp", value, T0.plusSeconds(60L * i), RPM, SETTINGS).tracker();
    }
    return t;
  }
}
