package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static dev.vigil.detection.DetectionFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detection.ThrottlePolicy.Admission;
import dev.vigil.detection.ThrottlePolicy.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The throttle state machine and token bucket of the detection spec, with shipped settings. */
class ThrottlePolicyTest {
  private final ThrottlePolicy policy = new ThrottlePolicy(SETTINGS.throttle());

  // --- levels

  @Test
  void eachTriggerEscalatesOneLevelAndBlockedStaysBlocked() {
    ThrottleState s = ThrottleState.NORMAL;
    ThrottleLevel[] expected = {
      ThrottleLevel.WARNING, ThrottleLevel.SEVERE, ThrottleLevel.BLOCKED, ThrottleLevel.BLOCKED
    };
    for (int i = 0; i < expected.length; i++) {
      Instant now = T0.plus(Duration.ofMinutes(i));

      Transition t = policy.escalate(s, "bot verdict", now);

      assertThat(t.from()).isEqualTo(s.level());
      assertThat(t.to()).isEqualTo(expected[i]);
      assertThat(t.reason()).isEqualTo("bot verdict");
      assertThat(t.state().level()).isEqualTo(expected[i]);
      assertThat(t.state().lastTriggerAt()).isEqualTo(now);
      s = t.state();
    }
  }

  @Test
  void blockGoesStraightToBlocked() {
    Transition t = policy.block(ThrottleState.NORMAL, "scanner /.env", T0);

    assertThat(t.from()).isEqualTo(ThrottleLevel.NORMAL);
    assertThat(t.to()).isEqualTo(ThrottleLevel.BLOCKED);
    assertThat(t.reason()).isEqualTo("scanner /.env");
    assertThat(t.state().lastTriggerAt()).isEqualTo(T0);
  }

  // --- cooldown

  @ParameterizedTest(name = "{0} cools down to {2} after {1} minutes")
  @CsvSource({"WARNING, 10, NORMAL", "SEVERE, 30, WARNING", "BLOCKED, 60, SEVERE"})
  void deEscalatesOneLevelOnlyAfterTheFullCooldown(
      ThrottleLevel level, long minutes, ThrottleLevel to) {
    ThrottleState s = ThrottleState.NORMAL.withLevel(level, T0);
    Instant due = T0.plus(Duration.ofMinutes(minutes));

    assertThat(policy.cooldown(s, due.minusMillis(1))).isEmpty();
    Optional<Transition> t = policy.cooldown(s, due);

    assertThat(t).isPresent();
    assertThat(t.get().from()).isEqualTo(level);
    assertThat(t.get().to()).isEqualTo(to);
    assertThat(t.get().reason()).isEqualTo("cooldown");
  }

  @Test
  void eachFurtherStepDownWaitsItsOwnCooldown() {
    // given blocked at T0: 60 min to Severe, then 30 to Warning, then 10 to Normal
    ThrottleState s = policy.block(ThrottleState.NORMAL, "scanner", T0).state();

    s = stepDown(s, T0.plus(Duration.ofMinutes(60)), ThrottleLevel.SEVERE);
    s = stepDown(s, T0.plus(Duration.ofMinutes(90)), ThrottleLevel.WARNING);
    s = stepDown(s, T0.plus(Duration.ofMinutes(100)), ThrottleLevel.NORMAL);

    assertThat(policy.cooldown(s, T0.plus(Duration.ofDays(1)))).isEmpty();
  }

  @Test
  void aLateCheckStepsDownAsFarAsTheQuietTimeCovers() {
    // given blocked at T0 and first checked 95 minutes later (60 + 30 have passed, not + 10)
    ThrottleState s = policy.block(ThrottleState.NORMAL, "scanner", T0).state();
    Instant now = T0.plus(Duration.ofMinutes(95));

    // when the check is repeated until it has nothing to do
    ThrottleState after = s;
    for (Optional<Transition> t = policy.cooldown(after, now);
        t.isPresent();
        t = policy.cooldown(after, now)) {
      after = t.get().state();
    }

    // then Blocked -> Severe (at 60) -> Warning (at 90), and Normal only at 100
    assertThat(after.level()).isEqualTo(ThrottleLevel.WARNING);
    assertThat(policy.cooldown(after, T0.plus(Duration.ofMinutes(100))).map(Transition::to))
        .contains(ThrottleLevel.NORMAL);
  }

  @Test
  void aNewTriggerRestartsTheCooldown() {
    ThrottleState s = policy.block(ThrottleState.NORMAL, "scanner", T0).state();
    s = policy.escalate(s, "bot verdict", T0.plus(Duration.ofMinutes(50))).state();

    assertThat(policy.cooldown(s, T0.plus(Duration.ofMinutes(60)))).isEmpty();
    assertThat(policy.cooldown(s, T0.plus(Duration.ofMinutes(110))).map(Transition::to))
        .contains(ThrottleLevel.SEVERE);
  }

  @Test
  void normalNeverCoolsDown() {
    assertThat(policy.cooldown(ThrottleState.NORMAL, T0.plus(Duration.ofDays(7)))).isEmpty();
  }

  // --- pins

  @Test
  void aPinOverridesTheLevelUntilCleared() {
    ThrottleState blocked = policy.block(ThrottleState.NORMAL, "scanner", T0).state();

    ThrottleState pinnedNormal = blocked.withPin(ThrottleLevel.NORMAL);
    ThrottleState pinnedBlocked = ThrottleState.NORMAL.withPin(ThrottleLevel.BLOCKED);

    assertThat(pinnedNormal.effective()).isEqualTo(ThrottleLevel.NORMAL);
    assertThat(policy.admit(pinnedNormal, T0.plusSeconds(1)).admitted()).isTrue();
    assertThat(pinnedBlocked.effective()).isEqualTo(ThrottleLevel.BLOCKED);
    Admission refused = policy.admit(pinnedBlocked, T0);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(3600);
    assertThat(pinnedNormal.withPin(null).effective()).isEqualTo(ThrottleLevel.BLOCKED);
  }

  // --- admission

  @Test
  void aFreshBucketAdmitsExactlySixAtOnceThenRefusesWithRetryAfter() {
    // 120/min = 2/s, burst 3 s of that = 6
    ThrottleState s = ThrottleState.NORMAL;
    for (int i = 0; i < 6; i++) {
      Admission a = policy.admit(s, T0);
      assertThat(a.admitted()).as("request %d", i + 1).isTrue();
      assertThat(a.retryAfterSeconds()).isZero();
      s = a.state();
    }

    Admission seventh = policy.admit(s, T0);

    assertThat(seventh.admitted()).isFalse();
    assertThat(seventh.retryAfterSeconds()).isEqualTo(1);
    assertThat(seventh.state().overLimitSince()).isEqualTo(T0);
  }

  @Test
  void theBucketRefillsAtTwoRequestsPerSecond() {
    ThrottleState s = drain(ThrottleState.NORMAL, T0, 6);

    assertThat(policy.admit(s, T0.plusMillis(499)).admitted()).isFalse();
    Admission half = policy.admit(s, T0.plusMillis(500));
    assertThat(half.admitted()).isTrue();
    assertThat(policy.admit(half.state(), T0.plusMillis(500)).admitted()).isFalse();
    // three seconds refill the whole burst
    assertThat(admittedAtOnce(s, T0.plusSeconds(3))).isEqualTo(6);
  }

  @ParameterizedTest(name = "{0} admits {1} at once and one more after {2} ms")
  @CsvSource({"NORMAL, 6, 500", "WARNING, 3, 1000", "SEVERE, 2, 2000"})
  void theLevelScalesTheRateAndTheBurst(ThrottleLevel level, int burst, long refillMs) {
    ThrottleState s = ThrottleState.NORMAL.withLevel(level, T0);

    assertThat(admittedAtOnce(s, T0)).isEqualTo(burst);
    ThrottleState drained = drain(s, T0, burst);
    assertThat(policy.admit(drained, T0.plusMillis(refillMs - 1)).admitted()).isFalse();
    assertThat(policy.admit(drained, T0.plusMillis(refillMs)).admitted()).isTrue();
  }

  @Test
  void blockedNeverAdmitsAndAnswersTheRemainingCooldown() {
    ThrottleState s = policy.block(ThrottleState.NORMAL, "scanner", T0).state();

    Admission a = policy.admit(s, T0.plus(Duration.ofMinutes(45)));

    assertThat(a.admitted()).isFalse();
    assertThat(a.retryAfterSeconds()).isEqualTo(15 * 60);
    assertThat(a.state()).isEqualTo(s);
  }

  @ParameterizedTest(name = "{0} ms after the block: Retry-After {1}")
  @CsvSource({"0, 3600", "500, 3600", "1000, 3599", "3599500, 1", "3600000, 1", "7200000, 1"})
  void blockedRetryAfterRoundsTheRemainingCooldownUpAndIsAtLeastOneSecond(
      long afterMs, long retryAfter) {
    ThrottleState s = policy.block(ThrottleState.NORMAL, "scanner", T0).state();

    assertThat(policy.admit(s, T0.plusMillis(afterMs)).retryAfterSeconds()).isEqualTo(retryAfter);
  }

  // --- a minute over the limit

  @Test
  void aClientSendingFasterThanTheRateIsOverTheLimitAfterAMinute() {
    // given a client sending 4 requests/s (twice the rate) without pause
    ThrottleState s = ThrottleState.NORMAL;
    Instant firstRefusal = null;
    for (long ms = 0; ms <= 120_000; ms += 250) {
      Instant now = T0.plusMillis(ms);
      Admission a = policy.admit(s, now);
      s = a.state();
      if (!a.admitted() && firstRefusal == null) {
        firstRefusal = now;
      }
      boolean aMinuteOver =
          firstRefusal != null && !now.isBefore(firstRefusal.plus(Duration.ofMinutes(1)));

      // then it is over the limit exactly from a minute after its first refusal
      assertThat(policy.overLimitForAMinute(s, now)).as("at %d ms", ms).isEqualTo(aMinuteOver);
    }
    assertThat(firstRefusal).isNotNull();
  }

  @Test
  void aClientThatSlowsBelowTheRateIsNoLongerOverTheLimit() {
    // given a client refused after a burst
    ThrottleState s = drain(ThrottleState.NORMAL, T0, 6);
    s = policy.admit(s, T0).state();
    assertThat(s.overLimitSince()).isEqualTo(T0);

    // when it then sends one request per second, half the rate, for two minutes
    for (long sec = 1; sec <= 120; sec++) {
      Instant now = T0.plusSeconds(sec);
      s = policy.admit(s, now).state();

      // then it is never a minute over the limit
      assertThat(policy.overLimitForAMinute(s, now)).as("at %d s", sec).isFalse();
    }
    assertThat(s.overLimitSince()).isNull();
  }

  @Test
  void aRequestAfterAQuietSpellEndsTheOverLimitSpell() {
    ThrottleState s = policy.admit(drain(ThrottleState.NORMAL, T0, 6), T0).state();

    ThrottleState later = policy.admit(s, T0.plusSeconds(70)).state();

    assertThat(later.overLimitSince()).isNull();
    assertThat(policy.overLimitForAMinute(later, T0.plusSeconds(70))).isFalse();
  }

  private ThrottleState stepDown(ThrottleState s, Instant due, ThrottleLevel to) {
    assertThat(policy.cooldown(s, due.minusMillis(1))).as("before %s", due).isEmpty();
    Transition t = policy.cooldown(s, due).orElseThrow();
    assertThat(t.to()).isEqualTo(to);
    return t.state();
  }

  private ThrottleState drain(ThrottleState s, Instant at, int n) {
    for (int i = 0; i < n; i++) {
      Admission a = policy.admit(s, at);
      assertThat(a.admitted()).isTrue();
      s = a.state();
    }
    return s;
  }

  private int admittedAtOnce(ThrottleState s, Instant at) {
    int n = 0;
    for (Admission a = policy.admit(s, at); a.admitted(); a = policy.admit(a.state(), at)) {
      n++;
    }
    return n;
  }
}
