package dev.vigil.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * This node's cluster address and seed nodes, from {@code vigil.cluster}. With no seed nodes the
 * node joins itself: a single node is a cluster of one.
 */
public record ClusterSettings(String host, int port, List<String> seedNodes) {
  public static final String SYSTEM_NAME = "vigil";

  public static ClusterSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.cluster");
    List<String> seeds =
        Arrays.stream(c.getString("seed-nodes").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    for (String seed : seeds) {
      if (!seed.matches("^[^:/@]+:\\d{1,5}$") || !isPort(seed.substring(seed.indexOf(':') + 1))) {
        throw new IllegalArgumentException(
            "vigil.cluster.seed-nodes: '" + seed + "' is not host:port (port 1-65535)");
      }
    }
    return new ClusterSettings(c.getString("host"), c.getInt("port"), seeds);
  }

  private static boolean isPort(String digits) {
    int port = Integer.parseInt(digits);
    return port >= 1 && port <= 65535;
  }

  public boolean selfJoin() {
    return seedNodes.isEmpty();
  }

  /** The pekko.* keys that follow from these settings, to lay over the loaded configuration. */
  public Config toPekkoConfig() {
    List<String> seedAddresses =
        seedNodes.stream().map(s -> "pekko://" + SYSTEM_NAME + "@" + s).toList();
    return ConfigFactory.parseMap(
        Map.of(
            "pekko.remote.artery.canonical.hostname", host,
            "pekko.remote.artery.canonical.port", port,
            "pekko.cluster.seed-nodes", seedAddresses));
  }
}
