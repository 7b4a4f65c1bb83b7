package dev.vigil.detection;

import static dev.vigil.detection.corpus.GoalCheck.FALSE_POSITIVES;
import static dev.vigil.detection.corpus.GoalCheck.RECALL;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.AnchorBaseline;
import dev.vigil.detection.corpus.Corpus;
import dev.vigil.detection.corpus.CorpusReplay;
import dev.vigil.detection.corpus.EvaluationReport;
import dev.vigil.detection.corpus.EvaluationReport.KindStats;
import dev.vigil.detection.corpus.GoalCheck;
import dev.vigil.detection.corpus.OfflineVigil;
import dev.vigil.detection.corpus.Outcome;
import dev.vigil.detection.corpus.ReportDocument;
import dev.vigil.detection.corpus.VigilAnswers;
import dev.vigil.detection.corpus.VigilAnswers.Answer;
import dev.vigil.testkit.TestNode;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The detection spec's evaluation: the labelled corpus replayed through a whole node's decision and
 * beacon APIs with explicit timestamps (20 hours of traffic in seconds), Vigil's verdicts set
 * against the anchor's published rules run on the same traces, the table printed and written to
 * {@code target/evaluation/report.md}, and the spec's goals asserted: recall of at least 0.95 on
 * every scripted bot kind, at most 1 % of people flagged, and fewer requests to a verdict than the
 * anchor's rules need on the same actor's own traffic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluationCorpusIT {
  static final long SEED = 20_250_611L;
  private static final int THREADS = 12;
  private static final String ISOLATED = "anchor, isolated";
  private static final Path REPORT = Path.of("target", "evaluation", "report.md");

  private Config config;
  private TestNode node;
  private String serverKey;
  private String publicKey;
  private int threshold;

  @BeforeAll
  void start() {
    // replayed decisions arrive far faster than live ones; the entities still answer from memory,
    // but a cold start of many entities at once must not trip the edge's fail-open
    node = TestNode.start(Map.of("vigil.detection.decide-timeout", "5s"));
    config = node.config();
    serverKey = node.serverKey();
    publicKey = node.publicKey();
    threshold = DetectionSettings.fromConfig(config).threshold();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void meetsTheDetectionGoalsOnTheEvaluationCorpus() throws Exception {
    // given twenty hours of labelled traffic ending a little before now
    Corpus corpus = Corpus.generate(SEED, Corpus.Sizes.DEFAULT);
    long base = Instant.now().toEpochMilli() - Corpus.SPAN - Duration.ofMinutes(90).toMillis();

    // when it is replayed through the decision and beacon APIs
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long started = System.nanoTime();
    long cpu = os.getProcessCpuTime();
    var replayer = new CorpusReplay("http://127.0.0.1:" + node.port(), serverKey, publicKey, base);
    Map<Integer, List<Answer>> answers = replayer.replay(corpus, THREADS);
    // server and client share this JVM; the embedded PostgreSQL's own CPU is not included
    var stats =
        new CorpusReplay.Stats(
            Duration.ofNanos(System.nanoTime() - started),
            Duration.ofNanos(os.getProcessCpuTime() - cpu),
            replayer.decisionsSent(),
            replayer.batchesSent());

    // then Vigil and the anchor's rules are compared on the same traces
    Map<Integer, Outcome> vigil = new TreeMap<>();
    answers.forEach((id, list) -> vigil.put(id, VigilAnswers.observed(list)));
    Map<String, Map<Integer, Outcome>> systems = new LinkedHashMap<>();
    systems.put("Vigil", vigil);
    systems.put("anchor", AnchorBaseline.run(corpus, AnchorBaseline.Options.AS_DESCRIBED));
    systems.put(ISOLATED, AnchorBaseline.run(corpus, AnchorBaseline.Options.ISOLATED));
    systems.put("anchor + jobs", AnchorBaseline.run(corpus, AnchorBaseline.Options.WITH_JOBS));
    // the in-memory model used for calibration sweeps still decides what the node decides
    Map<Integer, List<Answer>> offline = OfflineVigil.run(corpus, config);
    double agreement =
        corpus.actors().stream()
                .filter(
                    a ->
                        VigilAnswers.observed(offline.get(a.id())).verdictAt()
                            == vigil.get(a.id()).verdictAt())
                .count()
            / (double) corpus.actors().size();
    String report = ReportDocument.render(corpus, threshold, stats, systems, offline, agreement);
    System.out.println(report);
    Files.createDirectories(REPORT.getParent());
    Files.writeString(REPORT, report, StandardCharsets.UTF_8);
    Files.writeString(
        REPORT.resolveSibling("answers.tsv"),
        ReportDocument.answers(corpus, answers),
        StandardCharsets.UTF_8);

    assertThat(agreement)
        .as("actors whose first verdict OfflineVigil puts at the same request as the node")
        .isGreaterThanOrEqualTo(0.98);
    KindStats people = EvaluationReport.byKind(corpus, vigil).get(Kind.HUMAN);
    assertThat(people.rate()).as("people flagged or refused").isLessThanOrEqualTo(FALSE_POSITIVES);
    for (GoalCheck.KindGoal goal : GoalCheck.check(corpus, vigil, systems.get(ISOLATED))) {
      assertThat(goal.vigil().rate())
          .as("recall of " + goal.kind().label())
          .isGreaterThanOrEqualTo(RECALL);
      assertThat(goal.speed().acceptable())
          .as(
              "requests to a verdict for %s: Vigil median %d, anchor's rules %d",
              goal.kind().label(), goal.vigil().median(), goal.anchor().median())
          .isTrue();
    }
  }
}
