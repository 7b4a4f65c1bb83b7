package dev.vigil.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Lets Vigil's PostgreSQL settle before a measured step, so each step measures its own path and
 * not the housekeeping an earlier step left behind.
 *
 * <p>First it vacuums the tables named (the bench's own raw inserts: a million rows land in the
 * partition Vigil writes next, and PostgreSQL would otherwise vacuum them in the middle of Vigil's
 * step); then it waits until no autovacuum worker is running, at most {@code max-seconds}. It says
 * what it vacuumed, how long it waited and which tables the workers were on, in {@code
 * RUN/settle.log} and on standard output ({@code bench:} lines).
 *
 * <pre>SettleDatabase jdbc-url user run-dir label max-seconds [table ...]</pre>
 */
public final class SettleDatabase {
  private SettleDatabase() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println(
          "usage: SettleDatabase jdbc-url user run-dir label max-seconds [table ...]");
      System.exit(2);
    }
    String url = args[0];
    String user = args[1];
    Path run = Path.of(args[2]);
    String label = args[3];
    int maxSeconds = Integer.parseInt(args[4]);
    List<String> tables = List.of(args).subList(5, args.length);
    for (String t : tables) {
      if (!t.matches("[a-z_][a-z0-9_]*")) {
        throw new IllegalArgumentException("not a table name: " + t);
      }
    }
    try (Connection c = DriverManager.getConnection(url, user, "")) {
      c.setAutoCommit(true); // VACUUM cannot run inside a transaction
      long t0 = System.nanoTime();
      try (Statement s = c.createStatement()) {
        for (String t : tables) {
          s.execute("VACUUM (ANALYZE) " + t);
        }
      }
      double vacuumed = (System.nanoTime() - t0) / 1e9;

      long w0 = System.nanoTime();
      long deadline = w0 + maxSeconds * 1_000_000_000L;
      TreeSet<String> seen = new TreeSet<>();
      boolean settled = false;
      while (true) {
        List<String> working = autovacuums(c);
        seen.addAll(working);
        if (working.isEmpty()) {
          settled = true;
          break;
        }
        if (System.nanoTime() >= deadline) {
          break;
        }
        Thread.sleep(500);
      }
      double waited = (System.nanoTime() - w0) / 1e9;
      String line =
          String.format(
              Locale.ROOT,
              "bench: settle before %s: vacuumed %s in %.1f s; %s after %.1f s%s",
              label,
              tables.isEmpty() ? "nothing" : String.join(", ", tables),
              vacuumed,
              settled ? "no autovacuum running" : "autovacuum still running",
              waited,
              seen.isEmpty() ? "" : " (autovacuum on: " + String.join(", ", seen) + ")");
      System.out.println(line);
      Files.writeString(
          run.resolve("settle.log"),
          line + System.lineSeparator(),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }

  /** What the autovacuum workers are doing now, e.g. "VACUUM public.event_journal". */
  private static List<String> autovacuums(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT coalesce(nullif(query, ''), 'starting') FROM pg_stat_activity"
                    + " WHERE backend_type = 'autovacuum worker'")) {
      while (rs.next()) {
        out.add(rs.getString(1).replaceFirst("^autovacuum: ", ""));
      }
    }
    return out;
  }
}
