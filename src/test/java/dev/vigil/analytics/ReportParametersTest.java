package dev.vigil.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.http.InvalidParameterException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReportParametersTest {
  private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  @Test
  void contentDefaultsToTheLast30DaysFiftyRowsAndNoBots() {
    ReportParameters p = ReportParameters.content(Map.of(), NOW);
    assertThat(p)
        .isEqualTo(
            new ReportParameters(Optional.empty(), NOW.minus(Duration.ofDays(30)), NOW, 50, false));
  }

  @Test
  void trafficDefaultsToTenEntriesPerList() {
    assertThat(ReportParameters.traffic(Map.of(), NOW).limit()).isEqualTo(10);
  }

  @Test
  void readsEveryParameter() {
    ReportParameters p =
        ReportParameters.content(
            Map.of(
                "site", "shop",
                "since", "2025-06-01T00:00:00Z",
                "until", String.valueOf(Instant.parse("2025-06-08T00:00:00Z").toEpochMilli()),
                "limit", "500",
                "includeBots", "true"),
            NOW);
    assertThat(p)
        .isEqualTo(
            new ReportParameters(
                Optional.of("shop"),
                Instant.parse("2025-06-01T00:00:00Z"),
                Instant.parse("2025-06-08T00:00:00Z"),
                500,
                true));
  }

  @Test
  void anUntilAloneEndsA30DayWindow() {
    ReportParameters p = ReportParameters.content(Map.of("until", "2025-01-31T00:00:00Z"), NOW);
    assertThat(p.since()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "limit, 0",
    "limit, 501",
    "limit, ten",
    "includeBots, yes",
    "since, yesterday",
    "until, 2025-13-01T00:00:00Z",
    "site, ''",
  })
  void refusesABadValueNamingTheParameter(String name, String value) {
    assertThatThrownBy(() -> ReportParameters.content(Map.of(name, value), NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo(name));
  }

  @Test
  void refusesAWindowThatEndsBeforeItStarts() {
    assertThatThrownBy(
            () ->
                ReportParameters.traffic(
                    Map.of("since", "2025-06-02T00:00:00Z", "until", "2025-06-01T00:00:00Z"), NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("since"));
  }
}
