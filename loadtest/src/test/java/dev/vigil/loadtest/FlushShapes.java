package dev.vigil.loadtest;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What one flush of engagement rows costs, in the three shapes a writer could send it: the
 * multi-row {@code INSERT … ON CONFLICT DO NOTHING} Vigil's append writer uses ({@code
 * reWriteBatchedInserts}), {@code COPY} into a temporary staging table followed by {@code INSERT …
 * SELECT … ON CONFLICT DO NOTHING} (a retried beacon must be stored once, and {@code COPY} alone
 * has no conflict clause), and a plain {@code COPY} into the table (which fails the whole flush on
 * a retried beacon: the lower bound, not an option).
 *
 * <p>One connection, one commit per flush of {@code rows} rows, the rows of {@link
 * RawInsertCeiling#engagement}. The shapes take turns for {@code seconds} each, {@code rounds}
 * times, in a rotated order (the table grows as they run, so no shape always meets the larger
 * table), after a warm-up of each. Prints microseconds per stored row (wall time of the flush and
 * its commit) per shape and round, and the median.
 *
 * <p>Usage: {@code FlushShapes <jdbc-url> <user> [rows] [seconds] [rounds]}: the database must
 * hold Vigil's schema and a site ({@code loadtest/flush-shapes.sh} makes a scratch one).
 */
public final class FlushShapes {
  private static final String COLUMNS =
      "event_id, site_id, session_id, visitor_id, type, ts, received_at, url, host, path, title,"
          + " time_on_page_ms, visible_ms, max_scroll_depth, clicks, device_class, browser, os,"
          + " data";

  private interface Shape {
    String name();

    void flush(Connection c, List<Object[]> rows) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    try (Connection c = DriverManager.getConnection(url + "?reWriteBatchedInserts=true", user, "")) {
      String site;
      try (var rs = c.createStatement().executeQuery("SELECT id FROM sites LIMIT 1")) {
        rs.next();
        site = rs.getString(1);
      }
      try (Statement st = c.createStatement()) {
        st.execute(
            "CREATE TEMP TABLE engagement_staging (LIKE engagement_events INCLUDING DEFAULTS)"
                + " ON COMMIT DELETE ROWS");
      }
      c.setAutoCommit(false);
      List<Shape> shapes = List.of(insert(), copyStaging(), copy());
      String tag = Long.toString(System.nanoTime(), 36);
      long[] n = {0};
      double[][] perRow = new double[shapes.size()][rounds];
      for (Shape s : shapes) {
        run(c, s, site, tag, rows, 3, n);
      }
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < shapes.size(); k++) {
          int i = (k + r) % shapes.size();
          perRow[i][r] = run(c, shapes.get(i), site, tag, rows, seconds, n);
          System.out.printf(
              Locale.ROOT,
              "flush-shapes: round %d %-12s %6.1f µs a row%n",
              r + 1,
              shapes.get(i).name(),
              perRow[i][r]);
        }
      }
      for (int i = 0; i < shapes.size(); i++) {
        double[] sorted = perRow[i].clone();
        Arrays.sort(sorted);
        System.out.printf(
            Locale.ROOT,
            "flush-shapes: median %-12s %6.1f µs a row (%d rows a flush, %d rounds of %d s)%n",
            shapes.get(i).name(),
            sorted[sorted.length / 2],
            rows,
            rounds,
            seconds);
      }
      try (var rs = c.createStatement().executeQuery("SELECT count(*) FROM engagement_events")) {
        rs.next();
        System.out.printf(Locale.ROOT, "flush-shapes: %,d rows stored%n", rs.getLong(1));
      }
      c.commit();
    }
  }

  /** Flushes for {@code seconds}; microseconds of wall time per row stored. */
  private static double run(
      Connection c, Shape shape, String site, String tag, int rows, int seconds, long[] n)
      throws Exception {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long stored = 0;
    long start = System.nanoTime();
    while (System.nanoTime() < end) {
      Timestamp now = Timestamp.from(Instant.now());
      List<Object[]> batch = new ArrayList<>(rows);
      for (int i = 0; i < rows; i++, n[0]++) {
        batch.add(row(site, tag, n[0], now));
      }
      shape.flush(c, batch);
      c.commit();
      stored += rows;
    }
    return (System.nanoTime() - start) / 1e3 / stored;
  }

  /** The values of {@link RawInsertCeiling#engagement}'s row {@code n}, in {@link #COLUMNS} order. */
  private static Object[] row(String site, String tag, long n, Timestamp now) {
    return new Object[] {
      tag + "-" + n,
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

  private static Shape insert() {
    return new Shape() {
      PreparedStatement ps;

      public String name() {
        return "insert";
      }

      public void flush(Connection c, List<Object[]> rows) throws Exception {
        if (ps == null) {
          ps =
              c.prepareStatement(
                  "INSERT INTO engagement_events ("
                      + COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
                      + " ON CONFLICT DO NOTHING");
        }
        for (Object[] row : rows) {
          for (int k = 0; k < row.length; k++) {
            ps.setObject(k + 1, row[k]);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    };
  }

  private static Shape copyStaging() {
    return new Shape() {
      public String name() {
        return "copy-staging";
      }

      public void flush(Connection c, List<Object[]> rows) throws Exception {
        copyIn(c, "engagement_staging", rows);
        try (Statement st = c.createStatement()) {
          st.executeUpdate(
              "INSERT INTO engagement_events ("
                  + COLUMNS
                  + ") SELECT "
                  + COLUMNS
                  + " FROM engagement_staging ON CONFLICT DO NOTHING");
        }
      }
    };
  }

  private static Shape copy() {
    return new Shape() {
      public String name() {
        return "copy";
      }

      public void flush(Connection c, List<Object[]> rows) throws Exception {
        copyIn(c, "engagement_events", rows);
      }
    };
  }

  /** COPY in text format (the generated values hold no tab, newline or backslash). */
  private static void copyIn(Connection c, String table, List<Object[]> rows) throws Exception {
    StringBuilder text = new StringBuilder(rows.size() * 256);
    for (Object[] row : rows) {
      for (int k = 0; k < row.length; k++) {
        if (k > 0) {
          text.append('\t');
        }
        Object v = row[k];
        text.append(v instanceof Timestamp t ? t.toInstant().toString() : String.valueOf(v));
      }
      text.append('\n');
    }
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    copy.copyIn(
        "COPY " + table + " (" + COLUMNS + ") FROM STDIN", new StringReader(text.toString()));
  }
}
