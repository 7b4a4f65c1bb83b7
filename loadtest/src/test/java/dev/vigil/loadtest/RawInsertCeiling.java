package dev.vigil.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling for durable writes on this machine: rows inserted straight into one of Vigil's
 * tables (same table, indexes, partitions and commit durability) with the same driver setting
 * Vigil uses ({@code reWriteBatchedInserts}: multi-row INSERTs), in batches of {@code rows} per
 * transaction on {@code threads} connections, for {@code seconds} after a 5 s warm-up. No HTTP, no
 * JSON, no validation: what the database alone can take.
 *
 * <p>Tables: {@code engagement} ({@code engagement_events}, the ceiling for collect; writes {@code
 * ceiling.json}) and {@code ledger} ({@code ai_requests}, the ceiling for the AI ledger; writes
 * {@code ledger-ceiling.json}).
 *
 * <p>Usage: {@code RawInsertCeiling <jdbc-url> <user> <out-dir> [threads] [rows] [seconds]
 * [engagement|ledger]}; prints a {@code bench:} line.
 */
public final class RawInsertCeiling {
  /** One table's insert: its SQL and how row {@code n} of a worker is bound. */
  interface Rows {
    String sql();

    void bind(PreparedStatement ps, String id, long n, Timestamp now) throws SQLException;
  }

  /** The columns of {@code engagement_events} a raw row fills, in {@link #engagementValues} order. */
  static final String ENGAGEMENT_COLUMNS =
      "event_id, site_id, session_id, visitor_id, type, ts, received_at, url, host, path, title,"
          + " time_on_page_ms, visible_ms, max_scroll_depth, clicks, device_class, browser, os,"
          + " data";

  static final String ENGAGEMENT_INSERT =
      "INSERT INTO engagement_events ("
          + ENGAGEMENT_COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
          + " ON CONFLICT DO NOTHING";

  /** Engagement row {@code n} of a worker: its values in {@link #ENGAGEMENT_COLUMNS} order. */
  static Object[] engagementValues(String site, String tag, String id, long n, Timestamp now) {
    return new Object[] {
      id,
      site,
      "raw-" + tag + "-" + (n % 10_000),
      "v" + (n % 10_000),
      n % 2 == 0 ? "page_view" : "engagement",
      now,
      now,
      "https://shop.example/products/item-" + n % 500,
      "shop.example",
      "/products/item-" + n % 500,
      "Item " + n % 500,
      (int) (1000 + n % 60000),
      (int) (900 + n % 50000),
      (int) (n % 101),
      (int) (n % 7),
      "Desktop",
      "Chrome 126",
      "Linux",
      "{}"
    };
  }

  static Rows engagement(String site, String tag) {
    return new Rows() {
      public String sql() {
        return ENGAGEMENT_INSERT;
      }

      public void bind(PreparedStatement ps, String id, long n, Timestamp now) throws SQLException {
        // the tracker's random ids, as collect's rows have: not the sequential one given
        Object[] values = engagementValues(site, tag, Traffic.trackerId(), n, now);
        for (int k = 0; k < values.length; k++) {
          ps.setObject(k + 1, values[k]);
        }
      }
    };
  }

  /** The columns of {@code ai_requests} a priced call fills (TraceLookupBench adds task_id). */
  static final String AI_REQUEST_COLUMNS =
      "request_id, site_id, trace_id, span_id, user_id, agent, provider, model, cost_context,"
          + " input_tokens, output_tokens, cache_read_tokens, status, latency_ms, started_at,"
          + " ended_at, cost_microdollars, web_search_microdollars, price_card, price_key, priced,"
          + " received_at, ingest_id";

  /** Ledger rows as Vigil stores a priced call (the columns LedgerSimulation's calls fill). */
  static Rows ledger(String site, String tag) {
    return new Rows() {
      public String sql() {
        return "INSERT INTO ai_requests ("
            + AI_REQUEST_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING";
      }

      public void bind(PreparedStatement ps, String id, long n, Timestamp now) throws SQLException {
        int k = 1;
        ps.setString(k++, id);
        ps.setString(k++, site);
        ps.setString(k++, "trace-" + tag + "-" + n / 10);
        ps.setString(k++, id);
        ps.setString(k++, "user-" + n % 200);
        ps.setString(k++, "bench");
        ps.setString(k++, "anthropic");
        ps.setString(k++, "claude-sonnet-4-5");
        ps.setString(k++, "agent");
        ps.setInt(k++, 1200);
        ps.setInt(k++, 300);
        ps.setInt(k++, 5000);
        ps.setString(k++, "completed");
        ps.setInt(k++, 850);
        ps.setTimestamp(k++, now);
        ps.setTimestamp(k++, new Timestamp(now.getTime() + 850));
        ps.setLong(k++, 9_600);
        ps.setLong(k++, 0);
        ps.setString(k++, "bench");
        ps.setString(k++, "claude-sonnet-4-5");
        ps.setBoolean(k++, true);
        ps.setTimestamp(k++, now);
        ps.setString(k, "bench");
      }
    };
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    Path out = Path.of(args[2]);
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int rows = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
    int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 20;
    String table = args.length > 6 ? args[6] : "engagement";
    String site;
    try (Connection c = DriverManager.getConnection(url, user, "");
        var rs = c.createStatement().executeQuery("SELECT id FROM sites LIMIT 1")) {
      rs.next();
      site = rs.getString(1);
    }
    String tag = Long.toString(System.nanoTime(), 36);
    Rows source =
        switch (table) {
          case "engagement" -> engagement(site, tag);
          case "ledger" -> ledger(site, tag);
          default -> throw new IllegalArgumentException("table: engagement or ledger, not " + table);
        };
    AtomicLong inserted = new AtomicLong();
    AtomicLong commits = new AtomicLong();
    long warmupEnd = System.nanoTime() + 5_000_000_000L;
    long end = warmupEnd + seconds * 1_000_000_000L;
    AtomicLong measuredStart = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int worker = t;
      Thread th =
          new Thread(
              () -> {
                try (Connection c =
                    DriverManager.getConnection(url + "?reWriteBatchedInserts=true", user, "")) {
                  c.setAutoCommit(false);
                  long n = 0;
                  try (PreparedStatement ps = c.prepareStatement(source.sql())) {
                    while (System.nanoTime() < end) {
                      Timestamp now = Timestamp.from(Instant.now());
                      for (int i = 0; i < rows; i++, n++) {
                        source.bind(ps, tag + "-" + worker + "-" + n, n, now);
                        ps.addBatch();
                      }
                      ps.executeBatch();
                      c.commit();
                      long at = System.nanoTime();
                      if (at >= warmupEnd && at < end) {
                        measuredStart.compareAndSet(0, at);
                        inserted.addAndGet(rows);
                        commits.incrementAndGet();
                      }
                    }
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              },
              "raw-insert-" + t);
      workers.add(th);
      th.start();
    }
    for (Thread th : workers) {
      th.join();
    }
    long from = Math.max(warmupEnd, measuredStart.get());
    double elapsed = (end - from) / 1e9;
    // the measured window in wall-clock time, for the CPU samples of the run (BenchSummary)
    long nowMs = System.currentTimeMillis();
    long nowNs = System.nanoTime();
    long startEpochMs = nowMs - (nowNs - from) / 1_000_000;
    long endEpochMs = nowMs - (nowNs - end) / 1_000_000;
    double rate = inserted.get() / Math.max(0.001, elapsed);
    Files.writeString(
        out.resolve(table.equals("engagement") ? "ceiling.json" : table + "-ceiling.json"),
        String.format(
            Locale.ROOT,
            "{\"table\":\"%s\",\"rowsPerSecond\":%.1f,\"rows\":%d,\"commits\":%d,\"seconds\":%.2f,\"threads\":%d,"
                + "\"rowsPerCommit\":%d,\"startEpochMs\":%d,\"endEpochMs\":%d}%n",
            table,
            rate,
            inserted.get(),
            commits.get(),
            elapsed,
            threads,
            rows,
            startEpochMs,
            endEpochMs));
    System.out.printf(
        Locale.ROOT,
        "bench: raw insert ceiling (%s) %.0f rows/s (%d threads, %d rows per commit, %.1f s)%n",
        table,
        rate,
        threads,
        rows,
        elapsed);
  }
}
