package dev.vigil.fingerprint;

import dev.vigil.CborSerializable;
import dev.vigil.detection.ThrottleLevel;
import java.util.List;
import java.util.Locale;

/**
 * The answer to one decision call: allow, throttle (429) or block (403), with the fingerprint's
 * level, the session's score, its classes and reasons, and how long to wait when refused.
 */
public record Decision(
    Action action,
    ThrottleLevel level,
    int score,
    List<String> classes,
    List<String> reasons,
    long retryAfterSeconds,
    String fingerprintId)
    implements CborSerializable {

  /** What the edge does with the request. */
  public enum Action {
    ALLOW,
    THROTTLE,
    BLOCK;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Decision {
    classes = List.copyOf(classes);
    reasons = List.copyOf(reasons);
  }
}
