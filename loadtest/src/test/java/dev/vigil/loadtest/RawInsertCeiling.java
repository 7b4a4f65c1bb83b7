package dev.vigil.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling for durable event writes on this machine: engagement rows inserted straight into
 * Vigil's {@code engagement_events} (same table, indexes, partitions and commit durability) with
 * the same driver setting Vigil uses ({@code reWriteBatchedInserts}: multi-row INSERTs), in
 * batches of {@code rows} per transaction on {@code threads} connections, for {@code seconds}. No
 * HTTP, no JSON, no validation: what the database alone can take.
 *
 * <p>Usage: {@code RawInsertCeiling <jdbc-url> <user> <out-dir> [threads] [rows] [seconds]}; writes
 * {@code ceiling.json} to the out dir and prints a {@code bench:} line.
 */
public final class RawInsertCeiling {
  private static final String INSERT =
      "INSERT INTO engagement_events (event_id, site_id, session_id, visitor_id, type, ts,"
          + " received_at, url, host, path, title, time_on_page_ms, visible_ms, max_scroll_depth,"
          + " clicks, device_class, browser, os, data)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
          + " ON CONFLICT DO NOTHING";

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    Path out = Path.of(args[2]);
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    int rows = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
    int seconds = args.length > 5 ? Integer.parseInt(args[5]) : 20;
    String site;
    try (Connection c = DriverManager.getConnection(url, user, "");
        var rs = c.createStatement().executeQuery("SELECT id FROM sites LIMIT 1")) {
      rs.next();
      site = rs.getString(1);
    }
    String tag = Long.toString(System.nanoTime(), 36);
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
                  try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                    while (System.nanoTime() < end) {
                      Timestamp now = Timestamp.from(Instant.now());
                      for (int i = 0; i < rows; i++, n++) {
                        int k = 1;
                        ps.setString(k++, tag + "-" + worker + "-" + n);
                        ps.setString(k++, site);
                        ps.setString(k++, "raw-" + tag + "-" + (n % 10_000));
                        ps.setString(k++, "v" + (n % 10_000));
                        ps.setString(k++, n % 2 == 0 ? "page_view" : "engagement");
                        ps.setTimestamp(k++, now);
                        ps.setTimestamp(k++, now);
                        ps.setString(k++, "https://shop.example/products/item-" + n % 500);
                        ps.setString(k++, "shop.example");
                        ps.setString(k++, "/products/item-" + n % 500);
                        ps.setString(k++, "Item " + n % 500);
                        ps.setInt(k++, (int) (1000 + n % 60000));
                        ps.setInt(k++, (int) (900 + n % 50000));
                        ps.setInt(k++, (int) (n % 101));
                        ps.setInt(k++, (int) (n % 7));
                        ps.setString(k++, "Desktop");
                        ps.setString(k++, "Chrome 126");
                        ps.setString(k++, "Linux");
                        ps.setString(k++, "{}");
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
    double elapsed = (end - Math.max(warmupEnd, measuredStart.get())) / 1e9;
    double rate = inserted.get() / Math.max(0.001, elapsed);
    Files.writeString(
        out.resolve("ceiling.json"),
        String.format(
            Locale.ROOT,
            "{\"rowsPerSecond\":%.1f,\"rows\":%d,\"commits\":%d,\"seconds\":%.2f,\"threads\":%d,"
                + "\"rowsPerCommit\":%d}%n",
            rate,
            inserted.get(),
            commits.get(),
            elapsed,
            threads,
            rows));
    System.out.printf(
        Locale.ROOT,
        "bench: raw insert ceiling %.0f rows/s (%d threads, %d rows per commit, %.1f s)%n",
        rate,
        threads,
        rows,
        elapsed);
  }
}
