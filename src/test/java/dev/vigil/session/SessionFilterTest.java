package dev.vigil.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.http.InvalidParameterException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionFilterTest {

  @Test
  void hasNoFiltersAndFiftyRowsByDefault() {
    SessionFilter f = SessionFilter.parse(Map.of());
    assertThat(f.limit()).isEqualTo(50);
    assertThat(f.site()).isEmpty();
    assertThat(f.since()).isEmpty();
    assertThat(f.cursor()).isEmpty();
    assertThat(f.directOnly()).isFalse();
  }

  @Test
  void readsEveryFilter() {
    SessionCursor cursor = new SessionCursor(Instant.parse("2025-06-15T11:00:00Z"), "abc-12345");
    SessionFilter f =
        SessionFilter.parse(
            Map.of(
                "site", "shop",
                "since", "2025-06-01T00:00:00Z",
                "until", "1749988800000",
                "class", "behavioural_bot",
                "user", "alice",
                "landing", "/pricing",
                "referrer", "google.com",
                "limit", "500",
                "cursor", cursor.encode()));
    assertThat(f)
        .isEqualTo(
            new SessionFilter(
                Optional.of("shop"),
                Optional.of(Instant.parse("2025-06-01T00:00:00Z")),
                Optional.of(Instant.parse("2025-06-15T12:00:00Z")),
                Optional.of("behavioural_bot"),
                Optional.of("alice"),
                Optional.of("/pricing"),
                Optional.of("google.com"),
                500,
                Optional.of(cursor)));
    assertThat(f.directOnly()).isFalse();
  }

  @Test
  void theReferrerDirectMeansNoReferrer() {
    assertThat(SessionFilter.parse(Map.of("referrer", "direct")).directOnly()).isTrue();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "class, robot",
    "class, Human",
    "limit, 0",
    "limit, 501",
    "since, last-week",
    "until, 2025-06-15",
    "cursor, not-a-cursor",
    "user, ''",
  })
  void refusesABadValueNamingTheParameter(String name, String value) {
    assertThatThrownBy(() -> SessionFilter.parse(Map.of(name, value)))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo(name));
  }

  @Test
  void refusesAWindowThatEndsBeforeItStarts() {
    assertThatThrownBy(
            () ->
                SessionFilter.parse(
                    Map.of("since", "2025-06-02T00:00:00Z", "until", "2025-06-01T00:00:00Z")))
        .isInstanceOf(InvalidParameterException.class);
  }

  @Test
  void aCursorSurvivesTheRoundTripWithMicroseconds() {
    SessionCursor c = new SessionCursor(Instant.parse("2025-06-15T11:00:00.123456Z"), "s_Id-9876");
    assertThat(c.encode()).matches("[A-Za-z0-9_-]+");
    assertThat(SessionCursor.decode(c.encode())).isEqualTo(c);
  }

  @ParameterizedTest
  @ValueSource(strings = {"!!!", "bm90aGluZw", "fA", "MjAyNS0wNi0xNXw"})
  void refusesCursorsItDidNotMake(String token) {
    assertThatThrownBy(() -> SessionCursor.decode(token))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("cursor"));
  }

  @Test
  void refusesACursorWithoutASessionId() {
    String token =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("2025-06-15T11:00:00Z|".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> SessionCursor.decode(token))
        .isInstanceOf(InvalidParameterException.class);
  }
}
