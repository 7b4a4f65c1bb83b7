package dev.vigil.db;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where Vigil's PostgreSQL is: an external server when {@code url} is set, otherwise an embedded
 * one that Vigil starts in {@code embeddedDataDir}. Read from {@code vigil.database}.
 */
public record DatabaseSettings(
    String url,
    String user,
    String password,
    int poolSize,
    Duration connectTimeout,
    Path embeddedDataDir,
    int embeddedPort,
    String embeddedDatabase,
    Map<String, String> embeddedServerSettings) {

  public DatabaseSettings {
    embeddedServerSettings = Map.copyOf(embeddedServerSettings);
  }

  public static DatabaseSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.database");
    return new DatabaseSettings(
        c.getString("url").trim(),
        c.getString("user"),
        c.getString("password"),
        c.getInt("pool-size"),
        c.getDuration("connect-timeout"),
        Path.of(c.getString("embedded.data-dir")),
        c.getInt("embedded.port"),
        c.getString("embedded.database"),
        serverSettings(c.getConfig("embedded.server-settings")));
  }

  /** postgresql.conf keys and their values, as PostgreSQL spells them. */
  private static Map<String, String> serverSettings(Config c) {
    Map<String, String> settings = new TreeMap<>();
    c.root().forEach((key, value) -> settings.put(key, String.valueOf(value.unwrapped())));
    return settings;
  }

  public boolean embedded() {
    return url.isEmpty();
  }

  /** The same settings pointed at an external server (tests, and the CLI attaching to a server). */
  public DatabaseSettings withExternal(String newUrl, String newUser, String newPassword) {
    return new DatabaseSettings(
        newUrl,
        newUser,
        newPassword,
        poolSize,
        connectTimeout,
        embeddedDataDir,
        embeddedPort,
        embeddedDatabase,
        embeddedServerSettings);
  }
}
