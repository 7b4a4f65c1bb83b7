package dev.vigil.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;

/**
 * How many entities of one type a node keeps in memory. Idle entities are passivated after a
 * timeout; beyond a limit of live entities per node, Pekko's recommended strategy passivates the
 * ones least likely to be used again (an admission window and a frequency sketch in front of a
 * segmented LRU, its {@code default-strategy}), so a flood of one-request entities — a client that
 * drops its cookie opens a session per request — churns through the window instead of pushing out
 * the sessions in use, and the heap stays bounded whatever the traffic. A passivated entity is
 * recovered from its journal on its next message.
 *
 * <p>The limit is a number, or {@code auto}: a share of the JVM's maximum heap divided by an
 * entity's measured size, at least {@link #MIN_AUTO_LIMIT}.
 */
public final class LivePopulation {
  /** The least {@code auto} ever chooses: below it the cap would bite before the heap does. */
  public static final int MIN_AUTO_LIMIT = 1_000;

  private LivePopulation() {}

  /**
   * Resolves {@code path}, either a positive count or {@code auto} (a {@code heapShare} of {@code
   * maxHeapBytes} divided by {@code bytesPerEntity}).
   */
  public static int limit(
      Config config, String path, double heapShare, long bytesPerEntity, long maxHeapBytes) {
    String raw = config.getValue(path).unwrapped().toString().trim();
    if (raw.equalsIgnoreCase("auto")) {
      long auto = (long) (maxHeapBytes * heapShare) / bytesPerEntity;
      return (int) Math.max(MIN_AUTO_LIMIT, Math.min(Integer.MAX_VALUE, auto));
    }
    if (raw.matches("[0-9]{1,9}") && Integer.parseInt(raw) > 0) {
      return Integer.parseInt(raw);
    }
    throw new IllegalArgumentException(path + " must be \"auto\" or a positive count, not " + raw);
  }

  /**
   * Sharding settings whose entities passivate after {@code idleTimeout} without a message, and,
   * above {@code maxLive} live entities on this node, by Pekko's {@code default-strategy}. The
   * limit is split evenly among the node's active shards.
   */
  public static ClusterShardingSettings settings(
      ActorSystem<?> system, Duration idleTimeout, int maxLive) {
    Config sharding = system.settings().config().getConfig("pekko.cluster.sharding");
    Config strategy =
        sharding
            .getConfig("passivation.default-strategy")
            .withValue("active-entity-limit", ConfigValueFactory.fromAnyRef(maxLive))
            .withValue(
                "idle-entity.timeout",
                ConfigValueFactory.fromAnyRef(idleTimeout.toMillis() + "ms"));
    Config config =
        ConfigFactory.empty()
            .withValue("passivation.strategy", ConfigValueFactory.fromAnyRef("vigil-limited"))
            .withValue("passivation.vigil-limited", strategy.root())
            .withFallback(sharding);
    return ClusterShardingSettings.fromConfig(config);
  }
}
