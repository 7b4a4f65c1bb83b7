package dev.vigil.engagement;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reading pattern rules of the engagement spec, each at its exact boundaries. */
class ReadingPatternTest {

  @ParameterizedTest(name = "{0} ms at {1} % is {2}")
  @CsvSource({
    // bounce: < 10 s and < 25 %
    "0,      0,   BOUNCE",
    "9999,   24,  BOUNCE",
    "10000,  24,  SKIMMER",
    "9999,   25,  SKIMMER",
    // engaged: > 75 % and > 30 s
    "30001,  76,  ENGAGED",
    "30000,  76,  READER",
    "30001,  75,  READER",
    "86400000, 100, ENGAGED",
    // reader: > 50 % and > 15 s
    "15001,  51,  READER",
    "15000,  51,  SCANNER",
    "15001,  50,  SCANNER",
    // scanner: > 30 % and < 20 s
    "19999,  31,  SCANNER",
    "20000,  31,  SKIMMER",
    "19999,  30,  SKIMMER",
    "9999,   31,  SCANNER",
    "9999,   100, SCANNER",
    // skimmer: everything else
    "10000,  25,  SKIMMER",
    "600000, 0,   SKIMMER",
    "25000,  50,  SKIMMER",
  })
  void classifiesTimeAndDepthByTheFirstRuleThatMatches(
      long timeOnPageMs, int maxScrollDepth, ReadingPattern expected) {
    assertThat(ReadingPattern.of(timeOnPageMs, maxScrollDepth)).isEqualTo(expected);
  }

  @Test
  void wireNameIsTheLowerCaseName() {
    assertThat(ReadingPattern.ENGAGED.wire()).isEqualTo("engaged");
    assertThat(ReadingPattern.BOUNCE.wire()).isEqualTo("bounce");
  }
}
