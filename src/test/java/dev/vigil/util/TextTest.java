package dev.vigil.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Text PostgreSQL cannot store: found, and replaced where it must be kept. */
class TextTest {
  @Test
  void findsANulOrAHalfPairAndNothingElse() {
    assertThat(Text.problem("a\u0000b")).contains(Text.NUL_RULE);
    assertThat(Text.problem("x\uD83D")).contains(Text.UNPAIRED_RULE);
    assertThat(Text.problem("\uDE00\uD83D")).contains(Text.UNPAIRED_RULE);
    assertThat(Text.problem("café \uD83D\uDE00 \t\n")).isEmpty();
  }

  @Test
  void replacesEachNulAndHalfPairAndKeepsWholePairs() {
    assertThat(Text.storable("a\u0000b\u0000")).isEqualTo("a\uFFFDb\uFFFD");
    assertThat(Text.storable("\uD83D\uDE00 \uD83D")).isEqualTo("\uD83D\uDE00 \uFFFD");
    assertThat(Text.storable("\uDE00\uD83D")).isEqualTo("\uFFFD\uFFFD");
    assertThat(Text.storable(null)).isNull();
  }

  @Test
  void returnsStorableTextItself() {
    String s = "plain /path?q=1";
    assertThat(Text.storable(s)).isSameAs(s);
  }
}
