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
 * a retried beacon: the lower bound, not an option). One {@code INSERT … SELECT … FROM unnest(…)
 * ON CONFLICT DO NOTHING} of the whole flush, a typed array per column ({@code unnest}: one
 * statement and 19 parameters instead of 500 rows' 9,500). And Vigil's insert once more with the JSON
 * column as Vigil filled it before it held only what the columns do not ({@code insert+json}: an
 * engagement snapshot's every field, the seven with columns and the zeros included, ~330 bytes of
 * JSON on every other row; since then the bench's rows carry {@code {}} there, as the others do).
 *
 * <p>One connection, one commit per flush of {@code rows} rows, the rows of {@link
 * RawInsertCeiling#engagementValues}. The shapes take turns for {@code seconds} each, {@code rounds}
 * times, in a rotated order (the table grows as they run, so no shape always meets the larger
 * table), after a warm-up of each. Prints microseconds per stored row (wall time of the flush and
 * its commit) per shape and round, and the median.
 *
 * <p>Usage: {@code FlushShapes <jdbc-url> <user> [rows] [seconds] [rounds]}: the database must
 * hold Vigil's schema and a site ({@code loadtest/flush-shapes.sh} makes a scratch one).
 */
public final class FlushShapes {
  private static final String COLUMNS = RawInsertCeiling.ENGAGEMENT_COLUMNS;

  /** Sends one flush's rows; the caller commits. */
  private interface Flush {
    void send(List<Object[]> rows) throws Exception;
  }

  private record Shape(String name, Flush flush) {}

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
      PreparedStatement insert = c.prepareStatement(RawInsertCeiling.ENGAGEMENT_INSERT);
      List<Shape> shapes =
          List.of(
              new Shape("insert", batch -> insert(insert, batch)),
              new Shape("unnest", batch -> unnest(c, batch)),
              new Shape("insert+json", batch -> insert(insert, withSnapshotJson(batch))),
              new Shape("copy-staging", batch -> copyThroughStaging(c, batch)),
              new Shape("copy", batch -> copyIn(c, "engagement_events", batch)));
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
        batch.add(RawInsertCeiling.engagementValues(site, tag, tag + "-" + n[0], n[0], now));
      }
      shape.flush().send(batch);
      c.commit();
      stored += rows;
    }
    return (System.nanoTime() - start) / 1e3 / stored;
  }

  /** Vigil's shape: the multi-row insert ({@code reWriteBatchedInserts}). */
  private static void insert(PreparedStatement ps, List<Object[]> rows) throws Exception {
    for (Object[] row : rows) {
      for (int k = 0; k < row.length; k++) {
        ps.setObject(k + 1, row[k]);
      }
      ps.addBatch();
    }
    ps.executeBatch();
  }

  private static final String[] UNNEST_TYPES = {
    "text", "text", "text", "text", "text", "timestamptz", "timestamptz", "text", "text", "text",
    "text", "int4", "int4", "int4", "int4", "text", "text", "text", "text"
  };

  private static final String UNNEST_INSERT =
      "INSERT INTO engagement_events ("
          + COLUMNS
          + ") SELECT event_id, site_id, session_id, visitor_id, type, ts, received_at, url, host,"
          + " path, title, time_on_page_ms, visible_ms, max_scroll_depth, clicks, device_class,"
          + " browser, os, data::jsonb FROM unnest("
          + String.join(
              ", ",
              Arrays.stream(UNNEST_TYPES).map(t -> "?::" + t + "[]").toArray(String[]::new))
          + ") AS r("
          + COLUMNS
          + ") ON CONFLICT DO NOTHING";

  /** One insert of the whole flush: a typed array per column, unnested into rows. */
  private static void unnest(Connection c, List<Object[]> rows) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(UNNEST_INSERT)) {
      for (int k = 0; k < UNNEST_TYPES.length; k++) {
        Object[] column = new Object[rows.size()];
        for (int i = 0; i < column.length; i++) {
          column[i] = rows.get(i)[k];
        }
        ps.setArray(k + 1, c.createArrayOf(UNNEST_TYPES[k], column));
      }
      ps.executeUpdate();
    }
  }

  /** The rows with an engagement row's JSON as Vigil wrote it before (Jackson, every field). */
  private static List<Object[]> withSnapshotJson(List<Object[]> rows) {
    for (Object[] row : rows) {
      if ("engagement".equals(row[4])) {
        row[row.length - 1] =
            "{\"timeOnPageMs\":"
                + row[11]
                + ",\"visibleMs\":"
                + row[12]
                + ",\"hiddenMs\":0,\"focusMs\":0,\"firstInteractionMs\":null,\"firstScrollMs\":null,"
                + "\"maxScrollDepth\":"
                + row[13]
                + ",\"scrollVelocity\":0,\"clicks\":"
                + row[14]
                + ",\"rageClicks\":0,\"deadClicks\":0,\"scrollDirectionChanges\":0,"
                + "\"keyPresses\":0,\"copies\":0,\"tabSwitches\":0,\"blurs\":0,"
                + "\"mouseDistance\":0,\"readingPattern\":\"skimmer\"}";
      }
    }
    return rows;
  }

  /** COPY into the session's staging table, then the insert that skips stored rows. */
  private static void copyThroughStaging(Connection c, List<Object[]> rows) throws Exception {
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
