package dev.vigil.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.analytics.BotReportParameters.TimeBucket;
import dev.vigil.http.InvalidParameterException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BotReportParametersTest {
  private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

  @Test
  void defaultsToTheLast30DaysByTheDayAndTenRows() {
    assertThat(BotReportParameters.of(Map.of(), NOW))
        .isEqualTo(
            new BotReportParameters(
                Optional.empty(), NOW.minus(Duration.ofDays(30)), NOW, 10, TimeBucket.DAY));
  }

  @Test
  void readsEveryParameter() {
    assertThat(
            BotReportParameters.of(
                Map.of(
                    "site", "shop",
                    "since", "2025-06-01T00:00:00Z",
                    "until", "2025-06-02T00:00:00Z",
                    "limit", "500",
                    "bucket", "hour"),
                NOW))
        .isEqualTo(
            new BotReportParameters(
                Optional.of("shop"),
                Instant.parse("2025-06-01T00:00:00Z"),
                Instant.parse("2025-06-02T00:00:00Z"),
                500,
                TimeBucket.HOUR));
  }

  @ParameterizedTest(name = "[{0}, {1}) by {2}: {3}")
  @CsvSource({
    // aligned: exactly the buckets inside
    "2025-06-01T00:00:00Z, 2025-06-02T00:00:00Z, HOUR, 24",
    "2025-06-01T00:00:00Z, 2025-06-02T00:00:00Z, DAY, 1",
    // cut at both ends: the partial first and last buckets count
    "2025-06-01T09:30:00Z, 2025-06-01T13:00:00Z, HOUR, 4",
    "2025-06-01T09:30:00Z, 2025-06-01T13:00:01Z, HOUR, 5",
    "2025-06-01T23:59:59Z, 2025-06-02T00:00:01Z, DAY, 2",
    // empty
    "2025-06-01T09:30:00Z, 2025-06-01T09:30:00Z, HOUR, 0",
  })
  void countsTheBucketsThatOverlapTheWindow(
      String since, String until, TimeBucket bucket, long expected) {
    assertThat(bucket.count(Instant.parse(since), Instant.parse(until))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "bucket, week",
    "bucket, HOUR",
    "bucket, ''",
    "limit, 0",
    "limit, 501",
    "since, yesterday",
    "until, 2025-13-01T00:00:00Z",
    "site, ''",
  })
  void refusesABadValueNamingTheParameter(String name, String value) {
    assertThatThrownBy(() -> BotReportParameters.of(Map.of(name, value), NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo(name));
  }

  @Test
  void refusesAWindowThatEndsBeforeItStarts() {
    assertThatThrownBy(
            () ->
                BotReportParameters.of(
                    Map.of("since", "2025-06-02T00:00:00Z", "until", "2025-06-01T00:00:00Z"), NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("since"));
  }

  @Test
  void takesUpTo1000BucketsAndBlamesTheBucketWhenDaysWouldDo() {
    // 1000 hours end 2025-06-15T12:00 exactly when they start 41 days and 16 hours before
    Instant thousandHoursAgo = NOW.minus(Duration.ofHours(1000));
    assertThat(
            BotReportParameters.of(
                    Map.of("since", thousandHoursAgo.toString(), "bucket", "hour"), NOW)
                .bucket())
        .isEqualTo(TimeBucket.HOUR);
    assertThatThrownBy(
            () ->
                BotReportParameters.of(
                    Map.of("since", thousandHoursAgo.minusSeconds(1).toString(), "bucket", "hour"),
                    NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("bucket"));
  }

  @Test
  void blamesTheWindowWhenEvenDaysAreTooMany() {
    assertThatThrownBy(() -> BotReportParameters.of(Map.of("since", "2020-01-01T00:00:00Z"), NOW))
        .isInstanceOfSatisfying(
            InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("since"));
  }
}
