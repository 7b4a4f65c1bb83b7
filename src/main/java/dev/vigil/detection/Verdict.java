package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's behavioural verdict: its score (its own points plus its fingerprint's), whether that
 * reaches the threshold, and the signals that fired, session's first.
 */
public record Verdict(int score, boolean bot, List<String> reasons) implements CborSerializable {
  public static final Verdict CLEAN = new Verdict(0, false, List.of());

  public Verdict {
    reasons = List.copyOf(reasons);
  }

  public static Verdict of(
      List<FiredSignal> session, List<FiredSignal> fingerprint, int threshold) {
    int score = 0;
    List<String> reasons = new ArrayList<>();
    for (List<FiredSignal> fired : List.of(session, fingerprint)) {
      for (FiredSignal f : fired) {
        score += f.points();
        reasons.add(f.signal().wire());
      }
    }
    return new Verdict(score, score >= threshold, reasons);
  }
}
