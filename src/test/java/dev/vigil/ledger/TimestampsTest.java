package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The direct path reads what {@code OffsetDateTime.parse} reads, and refuses what it refuses. */
class TimestampsTest {

  /** What the formatter says: the instant, or null when it refuses the text. */
  private static Instant formatter(String text) {
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static Instant ours(String text) {
    try {
      return Timestamps.parse(text);
    } catch (DateTimeException e) {
      return null;
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-12-06T14:03:07Z",
        "2026-12-06T14:03:07.1Z",
        "2026-12-06T14:03:07.120Z",
        "2026-12-06T14:03:07.123456Z",
        "2026-12-06T14:03:07.123456789Z",
        "2024-02-29T23:59:59.999Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "2026-12-06T14:03:07+01:00",
        "2026-12-06T14:03:07.5-05:30",
        "2026-12-06T14:03Z",
        "+12026-12-06T14:03:07Z",
        // the formatter reads these too (case-insensitive, an empty fraction): left to it
        "2026-12-06T14:03:07z",
        "2026-12-06t14:03:07Z",
        "2026-12-06T14:03:07.Z",
      })
  void readsWhatTheFormatterReads(String text) {
    assertThat(Timestamps.parse(text)).isEqualTo(formatter(text)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-02-29T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-12-32T00:00:00Z",
        "2026-12-06T24:00:00Z",
        "2026-12-06T23:60:00Z",
        "2026-12-06T23:59:60Z",
        "2026-12-06T14:03:07.1234567890Z",
        "2026-12-06T14:03:07.12a4Z",
        "2026-12-06 14:03:07Z",
        "2026-12-06T14:03:07",
        "2026-12-06T14:03:07.123",
        "2026-1-06T14:03:07.000Z",
        "2026-12-06T1:03:07.0000Z",
        "2026-12-06T14:03:07,5Z",
        "2026-12-06",
        "x026-12-06T14:03:07Z",
        "",
      })
  void refusesWhatTheFormatterRefuses(String text) {
    assertThat(formatter(text)).isNull();
    assertThatThrownBy(() -> Timestamps.parse(text)).isInstanceOf(DateTimeException.class);
  }

  @Test
  void agreesWithTheFormatterOnRandomTextsOfTheFastForm() {
    Random random = new Random(20261206);
    String alphabet = "0123456789-:TZ.+x";
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      Instant at = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 250_000_000_000L));
      StringBuilder text = new StringBuilder(at.toString());
      int fraction = random.nextInt(11);
      if (fraction > 0) {
        text.insert(text.length() - 1, '.');
        for (int d = 0; d < fraction; d++) {
          text.insert(text.length() - 1, (char) ('0' + random.nextInt(10)));
        }
      }
      if (random.nextInt(3) == 0) {
        // one character changed: mostly refused, sometimes another valid time
        text.setCharAt(
            random.nextInt(text.length()), alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(text.toString());
    }
    for (String text : texts) {
      assertThat(ours(text)).as(text).isEqualTo(formatter(text));
    }
  }
}
