package dev.vigil.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.slf4j.Logger;

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
 * entity's measured size. Pekko splits it evenly among the node's active shards, so it must leave
 * each of the {@code pekko.cluster.sharding.number-of-shards} at least {@link #MIN_PER_SHARD}
 * (below that every new entity would evict another); {@code auto} never goes below that.
 */
public final class LivePopulation {
  /** The fewest live entities a limit leaves each shard. */
  public static final int MIN_PER_SHARD = 10;

  /**
   * How many times a passivated entity tries to journal what it holds before it stops without: a
   * journal that keeps refusing writes (a full disk, a read-only database) must not keep entities
   * beyond the limit alive, each retrying, for as long as it lasts.
   */
  public static final int STOP_WRITE_ATTEMPTS = 3;

  /**
   * After an entity's recovery: whether what it {@code holds} in memory is to be journaled (again).
   * It is after a restart on a failed write (a rollup clears the entity's dirty flag as it is
   * built, so what it held may not be journaled), unless the write on stopping has failed {@link
   * #STOP_WRITE_ATTEMPTS} times: then what is given up is logged and the entity stops without.
   *
   * @param failedStopWrites the failed writes on stopping so far (0 when not stopping)
   * @param what what is given up, for the log: {@code "Subject user:s1:u1's book"}
   */
  public static boolean journalAgain(
      boolean holds, int failedStopWrites, Logger log, Supplier<String> what) {
    if (failedStopWrites >= STOP_WRITE_ATTEMPTS) {
      log.error(
          "{}: not journaled, after {} failed writes on stopping", what.get(), failedStopWrites);
      return false;
    }
    return holds;
  }

  private static final String SHARDS = "pekko.cluster.sharding.number-of-shards";

  private LivePopulation() {}

  /**
   * Resolves {@code path} of {@code config} (the whole configuration): a count, or {@code auto}, a
   * {@code heapShare} of {@code maxHeapBytes} divided by {@code bytesPerEntity}; at least {@link
   * #minimum} either way.
   */
  public static int limit(
      Config config, String path, double heapShare, long bytesPerEntity, long maxHeapBytes) {
    int minimum = minimum(config);
    String raw = config.getValue(path).unwrapped().toString().trim();
    if (raw.equalsIgnoreCase("auto")) {
      long auto = (long) (maxHeapBytes * heapShare) / bytesPerEntity;
      return (int) Math.max(minimum, Math.min(Integer.MAX_VALUE, auto));
    }
    if (!raw.matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException(
          path + " must be \"auto\" or a count of entities, not " + raw);
    }
    int n = Integer.parseInt(raw);
    if (n < minimum) {
      throw new IllegalArgumentException(
          path
              + " = "
              + n
              + " leaves fewer than "
              + MIN_PER_SHARD
              + " live entities to each of the "
              + (minimum / MIN_PER_SHARD)
              + " shards it is split among ("
              + SHARDS
              + "): set at least "
              + minimum
              + ", or \"auto\"");
    }
    return n;
  }

  /** {@link #MIN_PER_SHARD} for each shard of the configuration's sharding. */
  public static int minimum(Config config) {
    int shards = config.hasPath(SHARDS) ? config.getInt(SHARDS) : 1000;
    return MIN_PER_SHARD * Math.max(1, shards);
  }

  /**
   * Sharding settings for an entity type capped by {@code path} (resolved by {@link #limit} with
   * this JVM's maximum heap), whose entities passivate after Pekko's default idle timeout; logs the
   * limit, naming the {@code entities}.
   */
  public static ClusterShardingSettings settings(
      ActorSystem<?> system, String path, double heapShare, long bytesPerEntity, String entities) {
    Config config = system.settings().config();
    int maxLive = limit(config, path, heapShare, bytesPerEntity, Runtime.getRuntime().maxMemory());
    Duration idle =
        config.getDuration(
            "pekko.cluster.sharding.passivation.default-idle-strategy.idle-entity.timeout");
    system.log().info("{}: at most {} live on this node ({})", entities, maxLive, path);
    return settings(system, idle, maxLive);
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
