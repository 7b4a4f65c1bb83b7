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
 * <p>It vacuums (and analyzes) the tables named (the bench's own raw inserts: a million rows land
 * in the partition Vigil writes next) and every table that autovacuum would take up next: dead
 * rows, rows inserted since its last vacuum or rows changed since its last analyze beyond the
 * server's autovacuum thresholds (the global settings; no table here sets its own). Autovacuum's
 * launcher looks only once a {@code autovacuum_naptime}, so waiting for its workers alone would
 * miss a table that has just crossed its threshold. Then it waits until no autovacuum worker is
 * running, at most {@code max-seconds}. It says what it vacuumed, how long that took, how long it
 * waited and which tables the workers were on, in {@code RUN/settle.log} and on standard output
 * ({@code bench:} lines).
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
      // the named tables first: vacuuming a partitioned parent takes its partitions with it, and
      // they are no longer due after it
      List<String> vacuum = new ArrayList<>(tables);
      try (Statement s = c.createStatement()) {
        for (String t : tables) {
          s.execute("VACUUM (ANALYZE) " + t);
        }
        for (String t : due(c)) {
          s.execute("VACUUM (ANALYZE) " + t);
          vacuum.add(t);
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
        if (System.nanoTime() - deadline >= 0) {
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
              vacuum.isEmpty() ? "nothing" : String.join(", ", vacuum),
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

  /**
   * The tables autovacuum would vacuum or analyze next, as quoted {@code schema.table} names: past
   * one of the vacuum, insert-vacuum or analyze thresholds of the server's settings. Partitioned
   * parents have no rows of their own; their partitions are listed.
   */
  private static List<String> due(Connection c) throws SQLException {
    return column(
        c,
        "SELECT quote_ident(t.schemaname) || '.' || quote_ident(t.relname)"
            + " FROM pg_stat_user_tables t JOIN pg_class k ON k.oid = t.relid,"
            + " LATERAL (SELECT greatest(k.reltuples, 0)::float8 AS n) r"
            + " WHERE t.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8"
            + "     + current_setting('autovacuum_vacuum_scale_factor')::float8 * r.n"
            + " OR current_setting('autovacuum_vacuum_insert_threshold')::float8 >= 0"
            + "   AND t.n_ins_since_vacuum"
            + "     > current_setting('autovacuum_vacuum_insert_threshold')::float8"
            + "     + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * r.n"
            + " OR t.n_mod_since_analyze"
            + "     > current_setting('autovacuum_analyze_threshold')::float8"
            + "     + current_setting('autovacuum_analyze_scale_factor')::float8 * r.n"
            + " ORDER BY 1");
  }

  /** What the autovacuum workers are doing now, e.g. "VACUUM public.event_journal". */
  private static List<String> autovacuums(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    for (String q :
        column(
            c,
            "SELECT coalesce(nullif(query, ''), 'starting') FROM pg_stat_activity"
                + " WHERE backend_type = 'autovacuum worker'")) {
      out.add(q.replaceFirst("^autovacuum: ", ""));
    }
    return out;
  }

  /** The first column of every row a query returns. */
  private static List<String> column(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
