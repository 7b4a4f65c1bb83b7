package dev.vigil.detection.corpus;

import dev.vigil.fingerprint.SessionClass;
import java.util.List;
import java.util.Set;

/** Vigil's answers to one actor's requests, in order, and the outcomes they give. */
public final class VigilAnswers {
  private VigilAnswers() {}

  private static final Set<String> IMMEDIATE =
      Set.of(
          SessionClass.KNOWN_BOT,
          SessionClass.AI_CRAWLER,
          SessionClass.SPOOFED_CRAWLER,
          SessionClass.AUTOMATION,
          SessionClass.SCANNER);

  /** One {@code POST /v1/decide} answer, as recorded. */
  public record Answer(
      String action, String level, int score, List<String> classes, List<String> reasons) {

    public boolean bot() {
      return SessionClass.isBot(classes.get(0));
    }

    public boolean refused() {
      return !action.equals("allow");
    }

    /** Classes and reasons, for the report. */
    public String why() {
      return String.join(" ", classes) + (reasons.isEmpty() ? "" : " " + String.join(",", reasons));
    }
  }

  /** The verdict as answered: a bot class, or a block or throttle. */
  public static Outcome observed(List<Answer> answers) {
    for (int i = 0; i < answers.size(); i++) {
      Answer a = answers.get(i);
      if (a.bot() || a.refused()) {
        return new Outcome(answers.size(), i + 1, a.why());
      }
    }
    return new Outcome(answers.size(), 0, null);
  }

  /**
   * The verdict another threshold would have given, from the recorded scores: an immediate class, a
   * score at or above {@code threshold}, or a refusal at the Normal level (the rate limit, which no
   * threshold changes). Refusals that follow a behavioural escalation are not re-simulated.
   */
  public static Outcome atThreshold(List<Answer> answers, int threshold) {
    for (int i = 0; i < answers.size(); i++) {
      Answer a = answers.get(i);
      boolean immediate = IMMEDIATE.contains(a.classes().get(0));
      boolean rateLimited = a.refused() && a.level().equals("normal");
      if (immediate || a.score() >= threshold || rateLimited) {
        return new Outcome(answers.size(), i + 1, a.why());
      }
    }
    return new Outcome(answers.size(), 0, null);
  }
}
