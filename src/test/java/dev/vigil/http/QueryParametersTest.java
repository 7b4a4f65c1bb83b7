package dev.vigil.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryParametersTest {

  private static QueryParameters of(String name, String value) {
    return new QueryParameters(Map.of(name, value));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "2025-06-15T12:00:00Z, 2025-06-15T12:00:00Z",
    "2025-06-15T12:00:00.123456Z, 2025-06-15T12:00:00.123456Z",
    "2025-06-15T14:00:00+02:00, 2025-06-15T12:00:00Z",
    // '+' decoded to a space by form decoding of an unencoded offset
    "'2025-06-15T14:00:00 02:00', 2025-06-15T12:00:00Z",
    "1749988800000, 2025-06-15T12:00:00Z",
    "0, 1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z, 9999-12-31T23:59:59.999Z",
  })
  void readsAnInstantAsIso8601OrEpochMillis(String raw, String expected) {
    assertThat(of("since", raw).instant("since")).contains(Instant.parse(expected));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "yesterday",
        "2025-06-15",
        "2025-06-15T12:00:00",
        "-5",
        "1e12",
        "12:00",
        // outside the epoch to year 9999 (a window's arithmetic or PostgreSQL would fail on them)
        "-1000000000-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "+10000-01-01T00:00:00Z",
        "999999999999999"
      })
  void refusesOtherInstants(String raw) {
    assertThatThrownBy(() -> of("until", raw).instant("until"))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("until"));
  }

  @Test
  void givesTheDefaultOnlyForAnAbsentParameter() {
    QueryParameters none = new QueryParameters(Map.of());
    assertThat(none.intInRange("limit", 1, 500, 50)).isEqualTo(50);
    assertThat(none.bool("includeBots", false)).isFalse();
    assertThat(none.text("user")).isEmpty();
    assertThat(none.instant("since")).isEmpty();
    assertThatThrownBy(() -> of("limit", "").intInRange("limit", 1, 500, 50))
        .isInstanceOf(InvalidParameterException.class);
  }

  @ParameterizedTest
  @CsvSource({"1, 1", "500, 500", "' 7 ', 7"})
  void acceptsIntegersInRange(String raw, int expected) {
    assertThat(of("limit", raw).intInRange("limit", 1, 500, 50)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "501", "-1", "abc", "1.5", "99999999999"})
  void refusesIntegersOutOfRange(String raw) {
    assertThatThrownBy(() -> of("limit", raw).intInRange("limit", 1, 500, 50))
        .isInstanceOfSatisfying(
            InvalidParameterException.class,
            e -> {
              assertThat(e.parameter()).isEqualTo("limit");
              assertThat(e.getMessage()).contains("1 to 500");
            });
  }

  @Test
  void readsOnlyTrueAndFalseAsBooleans() {
    assertThat(of("b", "true").bool("b", false)).isTrue();
    assertThat(of("b", "false").bool("b", true)).isFalse();
    assertThatThrownBy(() -> of("b", "1").bool("b", false))
        .isInstanceOf(InvalidParameterException.class);
  }

  @Test
  void acceptsOnlyTheListedWords() {
    Set<String> classes = Set.of("human", "ghost");
    assertThat(of("class", "ghost").oneOf("class", classes)).isEqualTo(Optional.of("ghost"));
    assertThatThrownBy(() -> of("class", "robot").oneOf("class", classes))
        .hasMessageContaining("[ghost, human]");
  }

  @Test
  void refusesBlankAndOverlongText() {
    assertThatThrownBy(() -> of("user", "  ").text("user"))
        .isInstanceOf(InvalidParameterException.class);
    assertThatThrownBy(() -> of("user", "x".repeat(QueryParameters.MAX_TEXT + 1)).text("user"))
        .isInstanceOf(InvalidParameterException.class);
    assertThat(of("user", "x".repeat(QueryParameters.MAX_TEXT)).text("user")).isPresent();
  }

  @Test
  void theErrorBodyNamesTheParameter() {
    ApiError error = new InvalidParameterException("limit", "bad").toApiError();
    assertThat(error.code()).isEqualTo("invalid_parameter");
    assertThat(error.details()).containsEntry("parameter", "limit");
  }
}
