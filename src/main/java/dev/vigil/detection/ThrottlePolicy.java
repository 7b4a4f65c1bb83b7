package dev.vigil.detection;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The throttle state machine of the detection spec: escalate one level per trigger (bot verdict, a
 * minute over the rate, a high error rate), straight to Blocked for scanners and blocked tools,
 * down one level after a quiet cooldown; and admission through the token bucket at the base rate
 * times the level's multiplier. Pure: the fingerprint entity journals what it returns.
 */
public final class ThrottlePolicy {

  /** A change of level and why. */
  public record Transition(
      ThrottleLevel from, ThrottleLevel to, String reason, ThrottleState state) {}

  /** Whether a request may pass, and the state after it. */
  public record Admission(boolean admitted, long retryAfterSeconds, ThrottleState state) {}

  private final DetectionSettings.Throttle settings;

  public ThrottlePolicy(DetectionSettings.Throttle settings) {
    this.settings = settings;
  }

  /** One level up (Blocked stays Blocked); the trigger restarts the cooldown. */
  public Transition escalate(ThrottleState s, String reason, Instant now) {
    ThrottleLevel to = s.level().up();
    return new Transition(s.level(), to, reason, s.withLevel(to, now));
  }

  /** Straight to Blocked (scanners, blocked automation tools). */
  public Transition block(ThrottleState s, String reason, Instant now) {
    return new Transition(
        s.level(), ThrottleLevel.BLOCKED, reason, s.withLevel(ThrottleLevel.BLOCKED, now));
  }

  /** One level down when the level's cooldown has passed without a trigger. */
  public Optional<Transition> cooldown(ThrottleState s, Instant now) {
    if (s.level() == ThrottleLevel.NORMAL || s.lastTriggerAt() == null) {
      return Optional.empty();
    }
    if (now.isBefore(s.lastTriggerAt().plus(cooldownOf(s.level())))) {
      return Optional.empty();
    }
    ThrottleLevel to = s.level().down();
    // The step happened when the cooldown ran out, not when this check runs: the next step down
    // waits its own full cooldown from then, so a late check (the first request after hours, or
    // after the entity was passivated) steps down as far as the quiet time covers, one step per
    // call, instead of restarting the clock at each step.
    Instant due = s.lastTriggerAt().plus(cooldownOf(s.level()));
    return Optional.of(new Transition(s.level(), to, "cooldown", s.withLevel(to, due)));
  }

  /** Admits a request through the bucket at the effective level's rate. */
  public Admission admit(ThrottleState s, Instant now) {
    ThrottleLevel level = s.effective();
    if (level == ThrottleLevel.BLOCKED) {
      return new Admission(false, blockedRetryAfter(s, now), s);
    }
    double perSecond = settings.baseRatePerMinute() / 60.0 * level.multiplier();
    int burst = (int) Math.max(1, Math.round(perSecond * settings.burstSeconds()));
    long nowMicros = now.toEpochMilli() * 1000;
    Gcra.Result r = Gcra.tryAcquire(nowMicros, s.bucketTatMicros(), perSecond, burst);
    // Over the limit from the first refusal for as long as the client keeps the bucket drained.
    // Clearing it on any admitted request would end it every emission interval for a client that
    // sends without pause (the bucket refills one request at a time), so it would never last a
    // minute.
    Instant overSince;
    if (!r.admitted()) {
      overSince = s.overLimitSince() == null ? now : s.overLimitSince();
    } else {
      overSince = r.drained() ? s.overLimitSince() : null;
    }
    long retry = r.admitted() ? 0 : Math.max(1, (r.retryAfterMicros() + 999_999) / 1_000_000);
    return new Admission(r.admitted(), retry, s.withBucket(r.tatMicros(), overSince));
  }

  /** Over the rate for a whole minute: a trigger. */
  public boolean overLimitForAMinute(ThrottleState s, Instant now) {
    return s.overLimitSince() != null
        && !now.isBefore(s.overLimitSince().plus(Duration.ofMinutes(1)));
  }

  /** Seconds until Blocked cools down (at least 1); pinned Blocked says one cooldown. */
  public long blockedRetryAfter(ThrottleState s, Instant now) {
    if (s.pinned() == ThrottleLevel.BLOCKED || s.lastTriggerAt() == null) {
      return settings.cooldownBlocked().toSeconds();
    }
    long leftMillis =
        Duration.between(now, s.lastTriggerAt().plus(settings.cooldownBlocked())).toMillis();
    // rounded up: a client that waits what it is told must not arrive before the cooldown ends
    return Math.max(1, (leftMillis + 999) / 1000);
  }

  Duration cooldownOf(ThrottleLevel level) {
    return switch (level) {
      case WARNING -> settings.cooldownWarning();
      case SEVERE -> settings.cooldownSevere();
      case BLOCKED -> settings.cooldownBlocked();
      case NORMAL -> Duration.ZERO;
    };
  }
}
