package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.EvaluationReport.KindStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The detection spec's goals, kind by kind: recall of at least {@value #RECALL}, at most {@value
 * #FALSE_POSITIVES} of people flagged, and fewer requests to a verdict than the baseline where it
 * detects at all.
 *
 * <p>Requests to a verdict are compared with the anchor's rules run on each actor's own traffic
 * ("isolated"): as described, the anchor files strangers with the same user agent and language into
 * one session, so most of its verdicts arrive on an actor's first request because of other people's
 * traffic (and land on most people too), which says nothing about how fast its rules are. A kind
 * whose anchor verdicts come mostly from a rule that on its own flags more of the corpus's people
 * than the false-positive budget is reported as not comparable: that speed is not available to a
 * detector held to the budget.
 */
public final class GoalCheck {
  public static final double RECALL = 0.95;
  public static final double FALSE_POSITIVES = 0.01;

  private GoalCheck() {}

  /** How Vigil's requests to a verdict compare with the anchor's for one kind. */
  public enum Speed {
    FEWER("fewer"),
    BOTH_FIRST_REQUEST("both at the first request"),
    TIE("tie"),
    SLOWER("slower"),
    KNOWN_SHORTFALL("one request slower: a known shortfall, see KNOWN_SHORTFALLS"),
    ANCHOR_MISSES("the anchor never detects it"),
    NOT_COMPARABLE("not comparable: the anchor's rule is over the people budget");

    private final String label;

    Speed(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    public boolean acceptable() {
      return this != SLOWER;
    }

    /** Fewer requests, or nothing to gain: what the goal asks for, shown plain in the report. */
    boolean met() {
      return this == FEWER || this == BOTH_FIRST_REQUEST || this == ANCHOR_MISSES;
    }
  }

  /**
   * Kinds for which Vigil may need one request more than the anchor's rules, with the measured
   * reason; anything more is a failure. A cron monitor without cookies opens a session per request:
   * Vigil sees its cadence at the fifth start (periodic_cadence, 35 points) and reaches 50 with
   * many_sessions at the sixth (or header_inconsistency at the fifth when it sends no client
   * hints). The anchor files the same requests into one session, where its sequential_navigation (a
   * repeated path is "sorted") and regular_timing make 35 of its 30 at the fifth. Vigil at the
   * fifth start would need sessions-per-day 4 (people flagged on the corpus: 0.8 % to 1.7 %) or
   * cadence alone as a verdict (which also fits someone who opens the site at nine every morning,
   * outside what a 20-hour corpus can show): both worse trades.
   */
  public static final Map<Kind, String> KNOWN_SHORTFALLS =
      Map.of(
          Kind.PERIODIC_MONITOR, "cadence needs one more signal than the anchor's merged session");

  /** One kind's verdict on the goals. */
  public record KindGoal(
      Kind kind,
      KindStats vigil,
      KindStats anchor,
      String anchorRule,
      double anchorRulePeople,
      Speed speed) {
    public boolean recallMet() {
      return vigil.rate() >= RECALL;
    }
  }

  public static List<KindGoal> check(
      Corpus corpus, Map<Integer, Outcome> vigil, Map<Integer, Outcome> anchor) {
    Map<Kind, KindStats> v = EvaluationReport.byKind(corpus, vigil);
    Map<Kind, KindStats> a = EvaluationReport.byKind(corpus, anchor);
    List<KindGoal> goals = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (!kind.bot() || !kind.recallGoal()) {
        continue;
      }
      String rule = dominantReason(corpus, anchor, kind);
      double people = peopleFlaggedBy(corpus, anchor, rule);
      goals.add(
          new KindGoal(kind, v.get(kind), a.get(kind), rule, people, speed(v, a, kind, people)));
    }
    return goals;
  }

  private static Speed speed(
      Map<Kind, KindStats> v, Map<Kind, KindStats> a, Kind kind, double anchorRulePeople) {
    KindStats mine = v.get(kind);
    KindStats theirs = a.get(kind);
    if (theirs.detected() == 0) {
      return Speed.ANCHOR_MISSES;
    }
    if (mine.median() < theirs.median()) {
      return Speed.FEWER;
    }
    if (mine.median() == theirs.median()) {
      return mine.median() == 1 ? Speed.BOTH_FIRST_REQUEST : Speed.TIE;
    }
    if (anchorRulePeople > FALSE_POSITIVES) {
      return Speed.NOT_COMPARABLE;
    }
    return KNOWN_SHORTFALLS.containsKey(kind) && mine.median() - theirs.median() <= 1
        ? Speed.KNOWN_SHORTFALL
        : Speed.SLOWER;
  }

  /** The most common first-verdict reason of a kind's detected actors. */
  static String dominantReason(Corpus corpus, Map<Integer, Outcome> outcomes, Kind kind) {
    return corpus.actors().stream()
        .filter(x -> x.kind() == kind)
        .map(x -> outcomes.get(x.id()))
        .filter(Outcome::detected)
        .collect(Collectors.groupingBy(Outcome::reason, Collectors.counting()))
        .entrySet()
        .stream()
        .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  /** The share of people whose first verdict had the same reason. */
  static double peopleFlaggedBy(Corpus corpus, Map<Integer, Outcome> outcomes, String reason) {
    List<Actor> people = corpus.actors().stream().filter(x -> x.kind() == Kind.HUMAN).toList();
    long flagged =
        people.stream()
            .map(x -> outcomes.get(x.id()))
            .filter(o -> o.detected() && o.reason().equals(reason))
            .count();
    return people.isEmpty() ? 0 : (double) flagged / people.size();
  }

  /** The goals as a Markdown table. */
  public static String table(List<KindGoal> goals, double peopleFlagged) {
    StringBuilder sb =
        new StringBuilder(
            "| kind | Vigil recall ≥ 0.95 | Vigil median | anchor (isolated) median | anchor's"
                + " rule for it (people it flags) | requests to verdict |\n");
    sb.append("|---|---|---:|---:|---|---|\n");
    goals.stream()
        .sorted(Comparator.comparing(KindGoal::kind))
        .forEach(
            g ->
                sb.append("| ")
                    .append(g.kind().label())
                    .append(" | ")
                    .append(g.recallMet() ? "yes" : "**no**")
                    .append(" (")
                    .append(EvaluationReport.percent(g.vigil().rate()))
                    .append(") | ")
                    .append(g.vigil().median())
                    .append(" | ")
                    .append(g.anchor().detected() == 0 ? "–" : g.anchor().median())
                    .append(" | `")
                    .append(g.anchorRule())
                    .append("` (")
                    .append(EvaluationReport.percent(g.anchorRulePeople()))
                    .append(") | ")
                    .append(g.speed().met() ? g.speed().label() : "**" + g.speed().label() + "**")
                    .append(" |\n"));
    sb.append("\nPeople flagged by Vigil: ")
        .append(EvaluationReport.percent(peopleFlagged))
        .append(
            peopleFlagged <= FALSE_POSITIVES ? " (goal ≤ 1 %: met)" : " (goal ≤ 1 %: **missed**)")
        .append("\n");
    return sb.toString();
  }
}
