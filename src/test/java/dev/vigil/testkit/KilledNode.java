package dev.vigil.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * What the kill tests need around a {@link VigilProcess} whose embedded PostgreSQL lives in its
 * working directory ({@code data/pg}): clean up after a SIGKILL, and read what was stored.
 */
public final class KilledNode {
  private KilledNode() {}

  /**
   * SIGKILL leaves the embedded PostgreSQL (a child process) running, as a crash of the JVM would;
   * stop it so the restart starts its own on the same data directory (crash recovery).
   */
  public static void killLeftoverPostgres(Path workDir) throws Exception {
    Path pidFile = workDir.resolve("data/pg/postmaster.pid");
    if (Files.exists(pidFile)) {
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      Await.until(
          Duration.ofSeconds(10),
          () ->
              assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                  .isFalse());
    }
  }

  /** The first column of every row of {@code sql}, run on the node's running embedded database. */
  public static Set<String> ids(Path workDir, String sql) throws Exception {
    int port =
        Integer.parseInt(
            Files.readAllLines(workDir.resolve("data/pg/postmaster.pid")).get(3).trim());
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/vigil", "postgres", "");
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      Set<String> ids = new HashSet<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      return ids;
    }
  }
}
