package dev.vigil.db;

import dev.vigil.StartupException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL that Vigil runs for itself when no database URL is configured (zonky's linux-amd64
 * binaries). Its data directory survives restarts. A second process on the same directory (the CLI
 * next to a running server) attaches to the running server through the port in {@code
 * postmaster.pid} instead of starting another one.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String SUPERUSER = "postgres";

  private final EmbeddedPostgres server; // null when attached to a server another process owns
  private final ConnectionInfo connection;

  private EmbeddedDatabase(EmbeddedPostgres server, ConnectionInfo connection) {
    this.server = server;
    this.connection = connection;
  }

  /** Attaches to the server already running on {@code dataDir}, or starts one there. */
  public static EmbeddedDatabase startOrAttach(
      Path dataDir, int port, String database, Map<String, String> serverSettings) {
    Optional<Integer> runningPort = runningPort(dataDir);
    if (runningPort.isPresent()) {
      log.info("Attaching to the embedded PostgreSQL already running on {}", dataDir);
      return new EmbeddedDatabase(null, connect(runningPort.get(), database));
    }
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false);
      serverSettings.forEach(builder::setServerConfig);
      // after the configured settings: these are what Vigil's promises rest on
      builder
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("max_connections", "200")
          // zonky turns this off for test speed; a 2xx from Vigil promises the row is on disk
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on");
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres server = builder.start();
      log.info("Embedded PostgreSQL started on port {} with data in {}", server.getPort(), dataDir);
      return new EmbeddedDatabase(server, connect(server.getPort(), database));
    } catch (IOException | RuntimeException e) {
      throw new StartupException(
          "cannot start the embedded PostgreSQL in "
              + dataDir.toAbsolutePath()
              + ": "
              + rootMessage(e),
          e);
    }
  }

  public ConnectionInfo connection() {
    return connection;
  }

  /** Stops the server if this process started it; an attached server is left running. */
  @Override
  public void close() {
    if (server == null) {
      return;
    }
    try {
      server.close();
      log.info("Embedded PostgreSQL stopped");
    } catch (IOException e) {
      log.warn("Embedded PostgreSQL did not stop cleanly", e);
    }
  }

  private static ConnectionInfo connect(int port, String database) {
    String base = "jdbc:postgresql://127.0.0.1:" + port + "/";
    try (Connection c = DriverManager.getConnection(base + "postgres", SUPERUSER, "");
        var check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      check.setString(1, database);
      if (!check.executeQuery().next()) {
        try (var create = c.createStatement()) {
          // A database name cannot be a bind parameter; it comes from our own setting, quoted.
          create.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
        }
      }
    } catch (SQLException e) {
      throw new StartupException("cannot prepare the embedded database: " + e.getMessage(), e);
    }
    return new ConnectionInfo(base + database, SUPERUSER, "");
  }

  /** The port of a live postmaster on dataDir, read from postmaster.pid (line 1 pid, 4 port). */
  static Optional<Integer> runningPort(Path dataDir) {
    Path pidFile = dataDir.resolve("postmaster.pid");
    try {
      if (!Files.isRegularFile(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.size() < 4) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        return Optional.of(Integer.parseInt(lines.get(3).trim()));
      }
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
