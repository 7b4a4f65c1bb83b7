package dev.vigil.detection;

import static dev.vigil.detection.DetectionFixtures.CONFIG;
import static dev.vigil.detection.DetectionFixtures.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped vigil.detection tree carries the numbers of the detection spec. */
class DetectionSettingsTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "high_request_count, 30",
    "high_page_coverage, 25",
    "sequential_navigation, 20",
    "regular_timing, 15",
    "high_pages_per_minute, 15",
    "high_velocity, 30",
    "outdated_browser, 25",
    "header_inconsistency, 15",
    "no_js_engagement, 20",
    "ghost_session, 35",
    "many_sessions, 20",
    "cookieless_burst, 25",
    "ip_rotation, 35",
    "no_engagement_across_sessions, 25",
    "periodic_cadence, 35",
  })
  void eachSignalHasTheSpecsPoints(String wire, int points) {
    Signal signal = Signal.valueOf(wire.toUpperCase());

    assertThat(signal.wire()).isEqualTo(wire);
    assertThat(SETTINGS.points(signal)).isEqualTo(points);
  }

  @Test
  void theShippedConfigurationKeepsTheCalibratedDeviationsFromTheSpec() {
    // conf/detection.conf says why: calibrated on the evaluation corpus (EvaluationCorpusIT)
    assertThat(DetectionFixtures.SHIPPED.limits().sequentialMinViews()).isEqualTo(10);
    assertThat(DetectionFixtures.SHIPPED.limits().sequentialShare()).isEqualTo(0.9);
    assertThat(DetectionFixtures.SHIPPED.limits().engagementGrace())
        .isEqualTo(java.time.Duration.ofSeconds(15));
    assertThat(DetectionFixtures.SHIPPED.points(Signal.SEQUENTIAL_NAVIGATION)).isEqualTo(30);
    assertThat(DetectionFixtures.SHIPPED.threshold()).isEqualTo(50);
  }

  @Test
  void theSpecsLimitsAreTheDefaultsOfEverythingElse() {
    assertThat(SETTINGS.threshold()).isEqualTo(50);
    assertThat(SETTINGS.failMode()).isEqualTo(DetectionSettings.FailMode.OPEN);
    assertThat(SETTINGS.blockAutomationTools()).isTrue();
    assertThat(SETTINGS.aiCrawlerPolicy()).isEqualTo(DetectionSettings.CrawlerPolicy.ALLOW);
    assertThat(SETTINGS.limits())
        .isEqualTo(
            new DetectionSettings.Limits(
                50,
                0.6,
                5,
                0.7,
                5,
                0.1,
                5,
                30,
                120,
                Duration.ofSeconds(30),
                5,
                10,
                0.8,
                5,
                0.8,
                10,
                5,
                0.1));
    assertThat(SETTINGS.throttle())
        .isEqualTo(
            new DetectionSettings.Throttle(
                120,
                3,
                0.5,
                20,
                Duration.ofMinutes(10),
                Duration.ofMinutes(30),
                Duration.ofMinutes(60)));
  }

  @Test
  void anUnknownFingerprintFeatureFailsNamingTheKey() {
    Config config = override("vigil.detection.fingerprint.features", "user-agent, tls-ja3");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> DetectionSettings.fromConfig(config))
        .withMessageContaining("vigil.detection.fingerprint.features")
        .withMessageContaining("tls-ja3");
  }

  @Test
  void theShippedFingerprintNeedsNoWarningAndOneWithoutTheSiteOrOnVersion1Does() {
    assertThat(
            DetectionSettings.fromConfig(override("vigil.detection.threshold", 50))
                .fingerprintWarning())
        .isEmpty();
    assertThat(
            DetectionSettings.fromConfig(
                    override("vigil.detection.fingerprint.features", "user-agent, ip-prefix"))
                .fingerprintWarning())
        .hasValueSatisfying(w -> assertThat(w).contains("leaves out 'site'"));
    assertThat(
            DetectionSettings.fromConfig(override("vigil.detection.fingerprint.version", 1))
                .fingerprintWarning())
        .hasValueSatisfying(w -> assertThat(w).contains("version 1"));
  }

  @Test
  void featuresAreTrimmedAndEmptyEntriesSkipped() {
    Config config = override("vigil.detection.fingerprint.features", " user-agent ,, ip-prefix,");

    assertThat(DetectionSettings.fromConfig(config).fingerprintFeatures())
        .containsExactly("user-agent", "ip-prefix");
  }

  @Test
  void aThresholdBelowOneFailsNamingTheKey() {
    Config config = override("vigil.detection.threshold", 0);

    assertThatIllegalArgumentException()
        .isThrownBy(() -> DetectionSettings.fromConfig(config))
        .withMessageContaining("vigil.detection.threshold");
  }

  private static Config override(String key, Object value) {
    return ConfigFactory.parseMap(Map.of(key, value)).withFallback(CONFIG);
  }
}
