package dev.vigil.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WriterSettingsTest {

  @Test
  void readsTheShippedDefaults() {
    // given
    Config config = shippedWith("");

    // when
    WriterSettings settings = WriterSettings.fromConfig(config, "beacons");

    // then
    assertEquals(new WriterSettings(2000, Duration.ZERO, 20_000, 2), settings);
  }

  @Test
  void overlaysATablesOwnKeysOnTheDefaults() {
    // given
    Config config =
        shippedWith(
            "vigil.writer.tables.ai_calls { max-batch-rows = 100, max-batch-delay = 50ms }");

    // when
    WriterSettings tuned = WriterSettings.fromConfig(config, "ai_calls");
    WriterSettings other = WriterSettings.fromConfig(config, "beacons");

    // then the tuned table keeps the defaults it does not override, and other tables are untouched
    assertEquals(new WriterSettings(100, Duration.ofMillis(50), 20_000, 2), tuned);
    assertEquals(new WriterSettings(2000, Duration.ZERO, 20_000, 2), other);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "max-batch-rows, 0",
    "max-batch-rows, -5",
    "queue-capacity, 0",
    "parallelism, 0",
    "max-batch-delay, -1ms",
  })
  void rejectsAValueOutOfRange(String key, String value) {
    // given
    Config config = shippedWith("vigil.writer.tables.beacons." + key + " = " + value);

    // when
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WriterSettings.fromConfig(config, "beacons"));

    // then
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({"max-batch-rows, lots", "max-batch-delay, soon", "parallelism, two"})
  void rejectsAValueOfTheWrongType(String key, String value) {
    // given
    Config config = shippedWith("vigil.writer.defaults." + key + " = \"" + value + "\"");

    // when / then
    ConfigException e =
        assertThrows(ConfigException.class, () -> WriterSettings.fromConfig(config, "beacons"));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }

  private static Config shippedWith(String overrides) {
    return VigilConfig.resolve(
        ConfigFactory.parseString(overrides).withFallback(VigilConfig.shipped()));
  }
}
