package dev.vigil.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.VigilConfig;
import dev.vigil.db.ConnectionInfo;
import java.util.HashMap;
import java.util.Map;

/** Configuration for an in-process Vigil node in a test: free ports, the given database. */
public final class TestServers {
  private TestServers() {}

  /** The shipped configuration, pointed at {@code db}, on free HTTP and cluster ports. */
  public static Config config(ConnectionInfo db, Map<String, Object> overrides) {
    Map<String, Object> values = new HashMap<>();
    values.put("vigil.database.url", db.url());
    values.put("vigil.database.user", db.user());
    values.put("vigil.database.password", db.password());
    values.put("vigil.http.port", 0);
    values.put("vigil.cluster.port", 0);
    values.put("vigil.cluster.seed-nodes", "");
    values.put("vigil.auth.refresh-interval", "200ms");
    values.putAll(overrides);
    return VigilConfig.resolve(ConfigFactory.parseMap(values).withFallback(VigilConfig.shipped()));
  }

  public static Config config(ConnectionInfo db) {
    return config(db, Map.of());
  }
}
