package dev.vigil.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a flush of ledger calls costs PostgreSQL when its insert names all 43 columns of {@code
 * ai_requests}, binding the 16 a typical call leaves empty as nulls (Vigil's writer before
 * c8e46e7), against one that names only the 27 columns the calls fill (since). Both are Vigil's
 * statement otherwise: multi-row {@code INSERT … ON CONFLICT DO NOTHING RETURNING request_id,
 * started_at, ingest_id} of 256 rows, one commit per flush of {@code rows} rows.
 *
 * <p>One connection; the shapes take turns for {@code seconds} each, {@code rounds} times, in a
 * rotated order, after a warm-up of each. Prints, per shape and round and as medians, microseconds
 * of wall time per row and of the PostgreSQL backend's CPU per row (from {@code
 * /proc/<pid>/stat}: the server must be on this machine).
 *
 * <p>Usage: {@code LedgerColumns <jdbc-url> <user> [rows] [seconds] [rounds]}: the database must
 * hold Vigil's schema and a site ({@code loadtest/flush-shapes.sh ledger} makes a scratch one).
 */
public final class LedgerColumns {
  static final List<String> ALL =
      List.of(
          "request_id", "site_id", "trace_id", "span_id", "parent_span_id", "user_id",
          "session_id", "task_id", "context_id", "client_id", "agent", "process_run_id",
          "provider", "model", "requested_model", "tier", "cost_context", "streaming",
          "synthetic", "input_tokens", "output_tokens", "cache_read_tokens",
          "cache_write_5m_tokens", "cache_write_1h_tokens", "web_search_requests", "status",
          "error_type", "error_message", "latency_ms", "time_to_first_token_ms", "started_at",
          "ended_at", "cost_microdollars", "web_search_microdollars", "price_card", "price_key",
          "priced", "unpriced_reason", "reported_cost_microdollars", "prompt_excerpt",
          "response_excerpt", "received_at", "ingest_id");

  /** What LedgerSimulation's calls fill once Vigil has priced them. */
  static final Set<String> FILLED =
      Set.of(
          "request_id", "site_id", "trace_id", "span_id", "user_id", "agent", "provider", "model",
          "cost_context", "streaming", "synthetic", "input_tokens", "output_tokens",
          "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
          "web_search_requests", "status", "latency_ms", "started_at", "cost_microdollars",
          "web_search_microdollars", "price_card", "price_key", "priced", "received_at",
          "ingest_id");

  private static final int CHUNK = 256;

  private record Shape(String name, List<String> columns) {
    String sql(int rows) {
      String tuple = "(" + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
      return "INSERT INTO ai_requests ("
          + String.join(", ", columns)
          + ") VALUES "
          + String.join(", ", Collections.nCopies(rows, tuple))
          + " ON CONFLICT DO NOTHING RETURNING request_id, started_at, ingest_id";
    }
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    List<Shape> shapes =
        List.of(
            new Shape("all-43", ALL),
            new Shape("filled-27", ALL.stream().filter(FILLED::contains).toList()));
    try (Connection c = DriverManager.getConnection(url, user, "")) {
      String site;
      int backend;
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT (SELECT id FROM sites LIMIT 1), pg_backend_pid()")) {
        rs.next();
        site = rs.getString(1);
        backend = rs.getInt(2);
      }
      c.setAutoCommit(false);
      String tag = Long.toString(System.nanoTime(), 36);
      long[] n = {0};
      double[][] wall = new double[shapes.size()][rounds];
      double[][] cpu = new double[shapes.size()][rounds];
      for (Shape s : shapes) {
        run(c, s, site, tag, rows, 3, n, backend);
      }
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < shapes.size(); k++) {
          int i = (k + r) % shapes.size();
          double[] m = run(c, shapes.get(i), site, tag, rows, seconds, n, backend);
          wall[i][r] = m[0];
          cpu[i][r] = m[1];
          System.out.printf(
              Locale.ROOT,
              "ledger-columns: round %d %-10s %6.1f µs a row, PostgreSQL's backend %6.1f µs%n",
              r + 1,
              shapes.get(i).name(),
              m[0],
              m[1]);
        }
      }
      for (int i = 0; i < shapes.size(); i++) {
        System.out.printf(
            Locale.ROOT,
            "ledger-columns: median %-10s %6.1f µs a row, PostgreSQL's backend %6.1f µs"
                + " (%d rows a flush, %d rounds of %d s)%n",
            shapes.get(i).name(),
            median(wall[i]),
            median(cpu[i]),
            rows,
            rounds,
            seconds);
      }
    }
  }

  /** The median; of an even count, the mean of the two middle values. */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** Flushes for {@code seconds}; microseconds of wall time and of backend CPU per row. */
  private static double[] run(
      Connection c,
      Shape shape,
      String site,
      String tag,
      int rows,
      int seconds,
      long[] n,
      int backend)
      throws Exception {
    long stored = 0;
    long cpuBefore = cpuTicks(backend);
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      Timestamp now = Timestamp.from(Instant.now());
      for (int from = 0; from < rows; from += CHUNK) {
        int chunk = Math.min(CHUNK, rows - from);
        try (PreparedStatement ps = c.prepareStatement(shape.sql(chunk))) {
          int p = 1;
          for (int k = 0; k < chunk; k++, n[0]++) {
            for (String column : shape.columns()) {
              Object v = value(column, site, tag, n[0], now);
              if (v == null) {
                ps.setNull(p++, nullType(column));
              } else {
                ps.setObject(p++, v);
              }
            }
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              stored++;
            }
          }
        }
      }
      c.commit();
    }
    double wall = (System.nanoTime() - start) / 1e3 / stored;
    // clock ticks are 10 ms on Linux (USER_HZ 100)
    double cpu = (cpuTicks(backend) - cpuBefore) * 10_000.0 / stored;
    return new double[] {wall, cpu};
  }

  /** The JDBC type Vigil's writer binds a column's null as. */
  private static int nullType(String column) {
    if (column.endsWith("_ms") || column.endsWith("_tokens")) {
      return Types.INTEGER;
    }
    if (column.endsWith("microdollars")) {
      return Types.BIGINT;
    }
    return column.endsWith("_at") ? Types.TIMESTAMP : Types.VARCHAR;
  }

  /** User and system CPU of a process, in clock ticks. */
  static long cpuTicks(int pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** A typical priced call's value of a column; null for those it leaves empty. */
  private static Object value(String column, String site, String tag, long n, Timestamp now) {
    return switch (column) {
      case "request_id" -> "lc-" + tag + "-" + n;
      case "site_id" -> site;
      case "trace_id" -> "lt-" + tag + "-" + n / 10;
      case "span_id" -> Long.toHexString(n * 7919);
      case "user_id" -> "user-" + n % 200;
      case "agent" -> "bench-agent-" + n % 20;
      case "provider" -> "anthropic";
      case "model" -> "claude-sonnet-4-5";
      case "cost_context" -> "agent";
      case "streaming", "synthetic" -> false;
      case "priced" -> true;
      case "input_tokens" -> (int) (1000 + n % 500);
      case "output_tokens" -> (int) (200 + n % 100);
      case "cache_read_tokens" -> (int) (n % 5000);
      case "cache_write_5m_tokens", "cache_write_1h_tokens", "web_search_requests" -> 0;
      case "status" -> "completed";
      case "latency_ms" -> (int) (500 + n % 1000);
      case "started_at", "received_at" -> now;
      case "cost_microdollars" -> 12_345L + n % 1000;
      case "web_search_microdollars" -> 0L;
      case "price_card" -> "bench";
      case "price_key" -> "claude-sonnet-4-5";
      case "ingest_id" -> "ingest-" + tag + "-" + n / 100;
      default -> null;
    };
  }
}
