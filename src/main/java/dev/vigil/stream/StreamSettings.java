package dev.vigil.stream;

import com.typesafe.config.Config;
import java.time.Duration;

/** Live-stream limits and intervals, from {@code vigil.streams}. */
public record StreamSettings(
    Duration heartbeatInterval,
    int ringSize,
    int bufferSize,
    int maxConnectionsPerUser,
    Duration statsInterval) {

  public StreamSettings {
    if (heartbeatInterval.toMillis() < 100 || statsInterval.toMillis() < 100) {
      throw new IllegalArgumentException(
          "vigil.streams: heartbeat-interval and stats-interval must be at least 100ms");
    }
    if (ringSize < 1 || bufferSize < 1 || maxConnectionsPerUser < 1) {
      throw new IllegalArgumentException(
          "vigil.streams: ring-size, buffer-size and max-connections-per-user must be at least 1");
    }
  }

  public static StreamSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.streams");
    return new StreamSettings(
        c.getDuration("heartbeat-interval"),
        c.getInt("ring-size"),
        c.getInt("buffer-size"),
        c.getInt("max-connections-per-user"),
        c.getDuration("stats-interval"));
  }
}
