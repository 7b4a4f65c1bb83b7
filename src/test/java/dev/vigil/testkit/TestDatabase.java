package dev.vigil.testkit;

import dev.vigil.db.ConnectionInfo;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.UUID;

/**
 * A real PostgreSQL for tests: the server named by {@code VIGIL_TEST_DB_URL} when set (CI), else
 * one embedded server per test JVM. Each call to {@link #fresh()} creates a new, empty database on
 * it, so test classes never see each other's rows.
 */
public final class TestDatabase {
  private static ConnectionInfo admin;

  private TestDatabase() {}

  /** A new empty database on the test server. */
  public static synchronized ConnectionInfo fresh() {
    ConnectionInfo server = server();
    String name = "vigil_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c =
            DriverManager.getConnection(server.url(), server.user(), server.password());
        var st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name.toLowerCase(Locale.ROOT));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database on " + server.safeUrl(), e);
    }
    return new ConnectionInfo(withDatabase(server.url(), name), server.user(), server.password());
  }

  /**
   * A database outage, or its end: with {@code reachable} false, {@code db} refuses every new
   * connection (superusers' too) and the connections it has are dropped, as when its server goes
   * away; with true it takes connections again. Run from the server's maintenance database.
   */
  public static synchronized void setReachable(ConnectionInfo db, boolean reachable) {
    ConnectionInfo server = server();
    String name = databaseOf(db.url());
    if (!name.matches("vigil_it_[0-9a-f]{12}")) {
      throw new IllegalArgumentException("not a test database: " + name);
    }
    try (Connection c =
            DriverManager.getConnection(server.url(), server.user(), server.password());
        var st = c.createStatement()) {
      st.execute("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS " + reachable);
      if (!reachable) {
        st.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                + name
                + "' AND pid <> pg_backend_pid()");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot change whether " + name + " takes connections", e);
    }
  }

  /** True when the tests run against an external server rather than an embedded one. */
  public static boolean external() {
    return System.getenv("VIGIL_TEST_DB_URL") != null
        && !System.getenv("VIGIL_TEST_DB_URL").isBlank();
  }

  private static ConnectionInfo server() {
    if (admin != null) {
      return admin;
    }
    if (external()) {
      String url = System.getenv("VIGIL_TEST_DB_URL");
      String user = envOr("VIGIL_TEST_DB_USER", "postgres");
      String password = envOr("VIGIL_TEST_DB_PASSWORD", "");
      admin = new ConnectionInfo(url, user, password);
      return admin;
    }
    try {
      Path dir = Files.createTempDirectory("vigil-test-pg");
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dir)
              .setCleanDataDirectory(true)
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException ignored) {
                      // the JVM is exiting
                    }
                  }));
      admin = new ConnectionInfo(pg.getJdbcUrl("postgres", "postgres"), "postgres", "");
      return admin;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start an embedded PostgreSQL for the tests", e);
    }
  }

  /** The database name of a JDBC URL. */
  static String databaseOf(String url) {
    String base = withoutQuery(url);
    return base.substring(base.lastIndexOf('/') + 1);
  }

  private static String withoutQuery(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  /** Replaces the database name in a JDBC URL, keeping host, port and query parameters. */
  static String withDatabase(String url, String database) {
    String base = withoutQuery(url);
    String params = url.substring(base.length());
    int slash = base.lastIndexOf('/');
    return base.substring(0, slash + 1) + database + params;
  }

  private static String envOr(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
