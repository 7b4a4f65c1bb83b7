package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.time.Instant;

/**
 * A fingerprint's throttle: its level, when that level was last triggered (cooldowns count from
 * it), an admin pin that overrides both, the token bucket's arrival time, and since when the
 * fingerprint has been over its rate (a minute of that escalates).
 */
public record ThrottleState(
    ThrottleLevel level,
    Instant lastTriggerAt,
    ThrottleLevel pinned,
    long bucketTatMicros,
    Instant overLimitSince)
    implements CborSerializable {

  public static final ThrottleState NORMAL =
      new ThrottleState(ThrottleLevel.NORMAL, null, null, 0, null);

  /** The level in force: the pin when an admin set one. */
  public ThrottleLevel effective() {
    return pinned != null ? pinned : level;
  }

  ThrottleState withLevel(ThrottleLevel l, Instant triggeredAt) {
    return new ThrottleState(l, triggeredAt, pinned, bucketTatMicros, overLimitSince);
  }

  ThrottleState withBucket(long tat, Instant overSince) {
    return new ThrottleState(level, lastTriggerAt, pinned, tat, overSince);
  }

  public ThrottleState withOverLimitCleared() {
    return new ThrottleState(level, lastTriggerAt, pinned, bucketTatMicros, null);
  }

  public ThrottleState withPin(ThrottleLevel pin) {
    return new ThrottleState(level, lastTriggerAt, pin, bucketTatMicros, overLimitSince);
  }
}
