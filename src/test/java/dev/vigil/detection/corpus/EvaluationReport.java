package dev.vigil.detection.corpus;

import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.VigilAnswers.Answer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The numbers the detection spec asks for, per kind and detector: recall (the share of a bot kind's
 * actors that got a verdict before their trace ended) and requests until that verdict (median and
 * p90, nearest rank, over the detected actors); for people, the false-positive rate. Rendered as
 * Markdown.
 */
public final class EvaluationReport {
  private EvaluationReport() {}

  /** One kind under one detector. */
  public record KindStats(int actors, int detected, int median, int p90) {
    public double rate() {
      return actors == 0 ? 0 : (double) detected / actors;
    }
  }

  public static Map<Kind, KindStats> byKind(Corpus corpus, Map<Integer, Outcome> outcomes) {
    Map<Kind, KindStats> out = new LinkedHashMap<>();
    for (Kind kind : Kind.values()) {
      List<Outcome> of =
          corpus.actors().stream()
              .filter(a -> a.kind() == kind)
              .map(a -> outcomes.get(a.id()))
              .toList();
      List<Integer> at =
          of.stream().filter(Outcome::detected).map(Outcome::verdictAt).sorted().toList();
      out.put(kind, new KindStats(of.size(), at.size(), rank(at, 0.5), rank(at, 0.9)));
    }
    return out;
  }

  /** Nearest-rank percentile; 0 for an empty list. */
  static int rank(List<Integer> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /** The comparison table; {@code systems} in column order. */
  public static String table(Corpus corpus, Map<String, Map<Integer, Outcome>> systems) {
    Map<String, Map<Kind, KindStats>> stats = new LinkedHashMap<>();
    systems.forEach((name, outcomes) -> stats.put(name, byKind(corpus, outcomes)));
    StringBuilder sb = new StringBuilder("| kind | actors | requests/actor (median) |");
    StringBuilder rule = new StringBuilder("|---|---:|---:|");
    for (String name : systems.keySet()) {
      sb.append(" ").append(name).append(" recall | ").append(name).append(" req. to verdict |");
      rule.append("---:|---:|");
    }
    sb.append("\n").append(rule).append("\n");
    for (Kind kind : Kind.values()) {
      List<Integer> sizes =
          corpus.actors().stream()
              .filter(a -> a.kind() == kind)
              .map(a -> (int) a.requests())
              .sorted()
              .toList();
      String label = kind.bot() ? kind.label() : "**human: false positives**";
      sb.append("| ")
          .append(label)
          .append(kind.recallGoal() || !kind.bot() ? "" : " (not asserted)");
      sb.append(" | ").append(sizes.size()).append(" | ").append(rank(sizes, 0.5)).append(" |");
      for (Map<Kind, KindStats> s : stats.values()) {
        KindStats k = s.get(kind);
        sb.append(" ")
            .append(percent(k.rate()))
            .append(kind.bot() ? "" : " (" + k.detected() + ")");
        sb.append(" | ")
            .append(k.detected() == 0 ? "–" : k.median() + " / " + k.p90())
            .append(" |");
      }
      sb.append("\n");
    }
    return sb.toString();
  }

  /**
   * What other thresholds would have given on the same run, from the recorded scores: people's
   * false positives, the lowest recall of an asserted kind, and the median requests to verdict of
   * the kinds the threshold moves.
   */
  public static String sweep(
      Corpus corpus, Map<Integer, List<Answer>> answers, List<Integer> thresholds) {
    List<Kind> moved =
        List.of(
            Kind.SPOOFED_UA_SCRAPER,
            Kind.HEADLESS_CRAWLER,
            Kind.SLOW_CRAWLER,
            Kind.FARM_FEW_NETWORKS,
            Kind.PERIODIC_MONITOR);
    StringBuilder sb = new StringBuilder("| threshold | human FP | lowest asserted recall |");
    moved.forEach(k -> sb.append(" ").append(k.label()).append(" (recall, median) |"));
    sb.append("\n|---:|---:|---|").append("---|".repeat(moved.size())).append("\n");
    for (int t : thresholds) {
      Map<Integer, Outcome> outcomes = new TreeMap<>();
      answers.forEach((id, list) -> outcomes.put(id, VigilAnswers.atThreshold(list, t)));
      Map<Kind, KindStats> s = byKind(corpus, outcomes);
      KindStats humans = s.get(Kind.HUMAN);
      Kind worst =
          s.entrySet().stream()
              .filter(e -> e.getKey().recallGoal())
              .min(Comparator.comparingDouble(e -> e.getValue().rate()))
              .orElseThrow()
              .getKey();
      sb.append("| ").append(t).append(" | ").append(percent(humans.rate()));
      sb.append(" (").append(humans.detected()).append(") | ");
      sb.append(percent(s.get(worst).rate())).append(" ").append(worst.label()).append(" |");
      for (Kind k : moved) {
        sb.append(" ").append(percent(s.get(k).rate())).append(", ").append(s.get(k).median());
        sb.append(" |");
      }
      sb.append("\n");
    }
    return sb.toString();
  }

  /** The most common first-verdict reasons of each kind under one detector. */
  public static String reasons(Corpus corpus, Map<Integer, Outcome> outcomes, int top) {
    StringBuilder sb = new StringBuilder();
    for (Kind kind : Kind.values()) {
      Map<String, Long> counts =
          corpus.actors().stream()
              .filter(a -> a.kind() == kind)
              .map(a -> outcomes.get(a.id()))
              .filter(Outcome::detected)
              .collect(Collectors.groupingBy(o -> shorten(o.reason()), Collectors.counting()));
      if (counts.isEmpty()) {
        continue;
      }
      sb.append("- ").append(kind.label()).append(": ");
      sb.append(
          counts.entrySet().stream()
              .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
              .limit(top)
              .map(e -> e.getValue() + "× `" + e.getKey() + "`")
              .collect(Collectors.joining("; ")));
      sb.append("\n");
    }
    return sb.toString();
  }

  /** Every person a detector flagged, by profile: where its false positives come from. */
  public static String flaggedPeople(Corpus corpus, Map<Integer, Outcome> outcomes) {
    Map<String, List<String>> byProfile = new TreeMap<>();
    for (Actor a : corpus.actors()) {
      Outcome o = outcomes.get(a.id());
      if (a.kind() == Kind.HUMAN && o.detected()) {
        byProfile
            .computeIfAbsent(shorten(o.reason()), k -> new ArrayList<>())
            .add(a.profile() + " @" + o.verdictAt() + "/" + o.requests());
      }
    }
    if (byProfile.isEmpty()) {
      return "- none\n";
    }
    StringBuilder sb = new StringBuilder();
    byProfile.forEach(
        (reason, who) ->
            sb.append("- ")
                .append(who.size())
                .append("× `")
                .append(reason)
                .append("`: ")
                .append(who.stream().limit(6).collect(Collectors.joining("; ")))
                .append(who.size() > 6 ? "; …" : "")
                .append("\n"));
    return sb.toString();
  }

  /** People flagged per profile tag, as a share of the people with that tag. */
  public static String flaggedShareByTag(Corpus corpus, Map<Integer, Outcome> outcomes) {
    Map<String, int[]> tags = new TreeMap<>();
    for (Actor a : corpus.actors()) {
      if (a.kind() != Kind.HUMAN) {
        continue;
      }
      for (String tag : a.profile().split(",")) {
        int[] c = tags.computeIfAbsent(tag, k -> new int[2]);
        c[0]++;
        c[1] += outcomes.get(a.id()).detected() ? 1 : 0;
      }
    }
    return tags.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()[1] + "/" + e.getValue()[0])
        .collect(Collectors.joining(", "));
  }

  static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f %%", rate * 100);
  }

  private static String shorten(String reason) {
    Function<String, String> cut = s -> s.length() > 90 ? s.substring(0, 90) + "…" : s;
    return reason == null ? "?" : cut.apply(reason);
  }
}
