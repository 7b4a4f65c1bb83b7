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
    Duration queryTimeout,
    Duration socketTimeout,
    Path embeddedDataDir,
    int embeddedPort,
    String embeddedDatabase,
    Map<String, String> embeddedServerSettings) {

  public DatabaseSettings {
    embeddedServerSettings = Map.copyOf(embeddedServerSettings);
    if (queryTimeout.isNegative() || socketTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "vigil.database.query-timeout and socket-timeout must not be negative");
    }
    if (!socketTimeout.isZero() && socketTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "vigil.database.socket-timeout is counted in whole seconds: 0 (none) or at least 1s");
    }
    long socketMillis = socketTimeout.toSeconds() * 1000; // what the driver is given
    if (socketMillis > 0 && (queryTimeout.isZero() || socketMillis <= queryTimeout.toMillis())) {
      // The socket timeout drops the connection under a query PostgreSQL is still running; the
      // query timeout lets PostgreSQL cancel it cleanly first.
      throw new IllegalArgumentException(
          "vigil.database.socket-timeout ("
              + socketTimeout.toSeconds()
              + " s) must be longer than query-timeout ("
              + (queryTimeout.isZero() ? "none" : queryTimeout.toMillis() + " ms")
              + "), or a query's connection breaks before PostgreSQL cancels the query;"
              + " with no query timeout, set socket-timeout to 0 as well");
    }
  }

  public static DatabaseSettings fromConfig(Config config) {
    Config c = config.getConfig("vigil.database");
    DatabaseSettings settings =
        new DatabaseSettings(
            c.getString("url").trim(),
            c.getString("user"),
            c.getString("password"),
            c.getInt("pool-size"),
            c.getDuration("connect-timeout"),
            c.getDuration("query-timeout"),
            c.getDuration("socket-timeout"),
            Path.of(c.getString("embedded.data-dir")),
            c.getInt("embedded.port"),
            c.getString("embedded.database"),
            serverSettings(c.getConfig("embedded.server-settings")));
    settings.checkAgainstRequestTimeout(config);
    return settings;
  }

  /**
   * A query that outlives its HTTP request is answered by Pekko's plain timeout, not by {@code
   * query_timeout}, and holds its connection on for nothing: the query timeout must end first.
   */
  private void checkAgainstRequestTimeout(Config config) {
    String key = "pekko.http.server.request-timeout";
    if (queryTimeout.isZero()
        || !config.hasPath(key)
        || config.getString(key).equalsIgnoreCase("infinite")) {
      return;
    }
    Duration request = config.getDuration(key);
    if (!request.isZero() && queryTimeout.compareTo(request) >= 0) {
      throw new IllegalArgumentException(
          "vigil.database.query-timeout ("
              + queryTimeout.toMillis()
              + " ms) must be shorter than "
              + key
              + " ("
              + request.toMillis()
              + " ms), so that a query is cancelled before its request times out");
    }
  }

  /** postgresql.conf keys and their values, as PostgreSQL spells them. */
  private static Map<String, String> serverSettings(Config c) {
    Map<String, String> settings = new TreeMap<>();
    c.root().forEach((key, value) -> settings.put(key, String.valueOf(value.unwrapped())));
    return settings;
  }

  /**
   * The JDBC driver's {@code socketTimeout}, in whole seconds (0 = none): a read from PostgreSQL
   * that waits longer fails and the connection is dropped, so a half-open connection cannot hold a
   * pool's thread for good.
   */
  public int socketTimeoutSeconds() {
    return (int) socketTimeout.toSeconds();
  }

  /**
   * The statement limit of the pools without a query timeout (writers, journal, projections): three
   * quarters of the socket timeout, so that PostgreSQL cancels a statement that runs that long (its
   * outcome known: rolled back) before the driver drops the connection under it (its outcome
   * unknown); zero (none) without a socket timeout.
   */
  public Duration backgroundStatementTimeout() {
    return Duration.ofMillis(socketTimeoutSeconds() * 750L);
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
        queryTimeout,
        socketTimeout,
        embeddedDataDir,
        embeddedPort,
        embeddedDatabase,
        embeddedServerSettings);
  }
}
