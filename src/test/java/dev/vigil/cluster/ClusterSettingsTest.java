package dev.vigil.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterSettingsTest {

  @Test
  void readsHostPortAndSeedNodes() {
    // given
    Config config =
        config(
            Map.of(
                "vigil.cluster.host", "10.0.0.5",
                "vigil.cluster.port", 2553,
                "vigil.cluster.seed-nodes", " 10.0.0.5:2552 , node-b.internal:2553,"));

    // when
    ClusterSettings settings = ClusterSettings.fromConfig(config);

    // then
    assertEquals(
        new ClusterSettings("10.0.0.5", 2553, List.of("10.0.0.5:2552", "node-b.internal:2553")),
        settings);
    assertFalse(settings.selfJoin());
  }

  @Test
  void joinsItselfWithoutSeedNodes() {
    // when
    ClusterSettings settings = ClusterSettings.fromConfig(config(Map.of()));

    // then the shipped defaults
    assertEquals(new ClusterSettings("127.0.0.1", 2552, List.of()), settings);
    assertTrue(settings.selfJoin());
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "node-a",
        "node-a:",
        ":2552",
        "node-a:port",
        "node-a:2552:1",
        "pekko://vigil@node-a:2552",
        "node-a:123456",
        "node-a:0",
        "node-a:65536",
        "node-a:2552,node-b",
      })
  void rejectsASeedNodeThatIsNotHostAndPort(String seeds) {
    // given
    Config config = config(Map.of("vigil.cluster.seed-nodes", seeds));

    // when
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.fromConfig(config));

    // then
    assertTrue(e.getMessage().startsWith("vigil.cluster.seed-nodes"), e.getMessage());
  }

  @Test
  void givesPekkoItsCanonicalAddressAndSeedNodeAddresses() {
    // given
    ClusterSettings settings =
        new ClusterSettings("10.0.0.5", 2553, List.of("10.0.0.5:2552", "node-b:65535"));

    // when
    Config pekko = settings.toPekkoConfig();

    // then
    assertEquals("10.0.0.5", pekko.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(2553, pekko.getInt("pekko.remote.artery.canonical.port"));
    assertEquals(
        List.of("pekko://vigil@10.0.0.5:2552", "pekko://vigil@node-b:65535"),
        pekko.getStringList("pekko.cluster.seed-nodes"));
  }

  @Test
  void givesPekkoNoSeedNodesWhenItJoinsItself() {
    Config pekko = new ClusterSettings("127.0.0.1", 0, List.of()).toPekkoConfig();

    assertEquals(List.of(), pekko.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(0, pekko.getInt("pekko.remote.artery.canonical.port"));
  }

  private static Config config(Map<String, Object> overrides) {
    return VigilConfig.resolve(
        ConfigFactory.parseMap(overrides).withFallback(VigilConfig.shipped()));
  }
}
