package dev.vigil.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JournalTrimmingSettingsTest {

  @Test
  void theShippedTrimmingRunsEveryMinute() {
    JournalTrimming.Settings shipped =
        JournalTrimming.Settings.fromConfig(VigilConfig.resolve(VigilConfig.shipped()));

    assertThat(shipped).isEqualTo(new JournalTrimming.Settings(Duration.ofMinutes(1), 2000));
  }

  @Test
  void optionalSnapshotsAreRefusedWhereverTheyAreSet() {
    for (String path :
        new String[] {
          "jdbc-snapshot-store.snapshot-is-optional",
          "pekko.persistence.snapshot-store-plugin-fallback.snapshot-is-optional"
        }) {
      var config =
          VigilConfig.resolve(
              ConfigFactory.parseMap(Map.of(path, true)).withFallback(VigilConfig.shipped()));

      assertThatThrownBy(() -> JournalTrimming.Settings.fromConfig(config))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("snapshot-is-optional");
    }
  }
}
