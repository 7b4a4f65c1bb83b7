package dev.vigil.detection.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.detection.corpus.Actor.Kind;
import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Request;
import dev.vigil.engagement.BeaconValidator;
import dev.vigil.tenancy.Site;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The corpus is what the evaluation claims it is: deterministic, sized, and valid on the wire. */
class CorpusTest {
  static final long SEED = 20_250_611L;
  private static final Corpus CORPUS = Corpus.generate(SEED, Corpus.Sizes.DEFAULT);

  @Test
  void generatesTheSameCorpusForTheSameSeed() {
    Corpus again = Corpus.generate(SEED, Corpus.Sizes.DEFAULT);
    assertThat(again.actors()).isEqualTo(CORPUS.actors());
    assertThat(Corpus.generate(SEED + 1, Corpus.Sizes.DEFAULT).actors())
        .isNotEqualTo(CORPUS.actors());
  }

  @Test
  void holdsEnoughActorsOfEveryKindForItsPercentagesToMeanSomething() {
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    CORPUS.actors().forEach(a -> counts.merge(a.kind(), 1, Integer::sum));
    assertThat(counts.get(Kind.HUMAN)).isGreaterThanOrEqualTo(200);
    for (Kind k : Kind.values()) {
      assertThat(counts.get(k)).as(k.label()).isGreaterThanOrEqualTo(20);
    }
    CORPUS.actors().forEach(a -> assertThat(a.requests()).as(a.profile()).isPositive());
  }

  @Test
  void keepsEveryStepInsideTheReplayWindowAndInTimeOrder() {
    for (Actor a : CORPUS.actors()) {
      long last = -1;
      for (Trace.Step s : a.steps()) {
        assertThat(s.at()).isGreaterThanOrEqualTo(Math.max(0, last));
        last = s.at();
      }
      assertThat(last).isLessThan(Corpus.SPAN + 80 * 60_000L);
    }
  }

  @Test
  void sendsBeaconsOnlyForVisitsWhosePageRequestCameFirst() {
    for (Actor a : CORPUS.actors()) {
      Set<String> opened = new HashSet<>();
      for (Trace.Step s : a.steps()) {
        if (s instanceof Request r && r.sessionKey() != null) {
          opened.add(r.sessionKey());
        } else if (s instanceof Beacons b) {
          assertThat(opened).as(a.profile()).contains(b.sessionKey());
        }
      }
    }
  }

  @Test
  void everyBeaconPassesTheCollectValidator() {
    long base = Instant.parse("2025-06-01T00:00:00Z").toEpochMilli();
    Instant now = Instant.ofEpochMilli(base + Corpus.SPAN + 90 * 60_000L);
    BeaconValidator validator = new BeaconValidator(Clock.fixed(now, ZoneOffset.UTC));
    Site site = new Site("s", "Shop", "pk_shop_1234", "hash", List.of("shop.example"), 0);
    int events = 0;
    for (Actor a : CORPUS.actors()) {
      for (Trace.Step s : a.steps()) {
        if (s instanceof Beacons b) {
          var body = CorpusJson.beacons(b, base, "pk_shop_1234", "sess_12345678");
          var result = validator.validateEvents(body, site);
          assertThat(result.rejected()).as(body.toString()).isEmpty();
          events += result.accepted().size();
        }
      }
    }
    assertThat(events).isGreaterThan(1000);
  }
}
