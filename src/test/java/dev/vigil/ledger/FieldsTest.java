package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The character checks of ledger fields answer as the regexes they stand for. */
class FieldsTest {
  private static final Pattern LOOKUP_ID = Pattern.compile("[\\x21-\\x7E]{1,128}");
  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

  @Test
  void everyCharacterIsJudgedAsTheRegexesJudgeIt() {
    List<String> disagreements = new ArrayList<>();
    for (int code = 0; code <= Character.MAX_VALUE; code++) {
      char c = (char) code;
      for (String s : new String[] {String.valueOf(c), "ab" + c, c + "yz"}) {
        if (Fields.isLookupId(s) != LOOKUP_ID.matcher(s).matches()) {
          disagreements.add(String.format("lookup id %s (U+%04X)", s, (int) c));
        }
        if (Fields.hasControl(s) != CONTROL.matcher(s).find()) {
          disagreements.add(String.format("control %s (U+%04X)", s, (int) c));
        }
      }
    }
    assertThat(disagreements).isEmpty();
  }

  @Test
  void aLookupIdIsOneTo128Characters() {
    assertThat(Fields.isLookupId("")).isFalse();
    assertThat(Fields.isLookupId("a")).isTrue();
    assertThat(Fields.isLookupId("a".repeat(128))).isTrue();
    assertThat(Fields.isLookupId("a".repeat(129))).isFalse();
    assertThat(Fields.hasControl("")).isFalse();
  }
}
