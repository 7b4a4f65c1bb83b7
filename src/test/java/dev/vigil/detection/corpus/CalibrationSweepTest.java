package dev.vigil.detection.corpus;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.EvaluationReport.KindStats;
import dev.vigil.detection.corpus.VigilAnswers.Answer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The calibration behind conf/detection.conf's threshold and limits, re-runnable: the corpus of
 * several seeds through {@link OfflineVigil}, people flagged and the worst asserted recall per
 * threshold, for the shipped settings and for any others given. Opt-in (it prints, it does not
 * assert):
 *
 * <pre>
 * mvn test -Dtest=CalibrationSweepTest -Dvigil.calibrate=true \
 *     -Dvigil.calibrate.seeds=20250611,1,2,3,4,5,6 \
 *     "-Dvigil.calibrate.variants=limits.engagement-grace=30s;limits.sequential-min-views=5"
 * </pre>
 */
@EnabledIfSystemProperty(named = "vigil.calibrate", matches = "true")
class CalibrationSweepTest {
  private static final List<Integer> THRESHOLDS = List.of(30, 35, 40, 45, 50, 55, 60);

  @Test
  void printsPeopleFlaggedAndRecallPerThresholdAcrossSeeds() {
    long[] seeds =
        Arrays.stream(
                System.getProperty("vigil.calibrate.seeds", "20250611,1,2,3,4,5,6").split(","))
            .mapToLong(Long::parseLong)
            .toArray();
    Map<String, Map<String, Object>> variants = new LinkedHashMap<>();
    variants.put("shipped", Map.of());
    for (String v : System.getProperty("vigil.calibrate.variants", "").split(";")) {
      if (!v.isBlank()) {
        Map<String, Object> overrides = new HashMap<>();
        for (String kv : v.split(",")) {
          String[] p = kv.split("=", 2);
          overrides.put("vigil.detection." + p[0].trim(), p[1].trim());
        }
        variants.put(v, overrides);
      }
    }
    for (var variant : variants.entrySet()) {
      Config config =
          VigilConfig.resolve(
              ConfigFactory.parseMap(variant.getValue()).withFallback(VigilConfig.shipped()));
      System.out.println("## " + variant.getKey() + "\n");
      System.out.println(header());
      for (long seed : seeds) {
        Corpus corpus = Corpus.generate(seed, Corpus.Sizes.DEFAULT);
        Map<Integer, List<Answer>> answers = OfflineVigil.run(corpus, config);
        StringBuilder row = new StringBuilder("| " + seed + " |");
        for (int t : THRESHOLDS) {
          Map<Integer, Outcome> at = new HashMap<>();
          answers.forEach((id, list) -> at.put(id, VigilAnswers.atThreshold(list, t)));
          Map<Kind, KindStats> s = EvaluationReport.byKind(corpus, at);
          double worst =
              s.entrySet().stream()
                  .filter(e -> e.getKey().recallGoal())
                  .mapToDouble(e -> e.getValue().rate())
                  .min()
                  .orElse(0);
          row.append(
              String.format(
                  Locale.ROOT,
                  " %.1f %% / %.0f %% |",
                  s.get(Kind.HUMAN).rate() * 100,
                  worst * 100));
        }
        System.out.println(row);
      }
      System.out.println();
    }
  }

  private static String header() {
    StringBuilder sb = new StringBuilder("| seed |");
    THRESHOLDS.forEach(t -> sb.append(" t=").append(t).append(": people flagged / worst recall |"));
    sb.append("\n|---|").append("---|".repeat(THRESHOLDS.size()));
    return sb.toString();
  }
}
