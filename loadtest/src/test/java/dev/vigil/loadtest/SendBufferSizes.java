package dev.vigil.loadtest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Locale;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.jdbc.PgConnection;
import org.postgresql.util.internal.PgBufferedOutputStream;

/**
 * What the JDBC driver's send buffer costs a flush of engagement rows. The driver writes to the
 * socket whenever its buffer is full: {@code min(maxSendBufferSize, max(8 KiB, the socket's send
 * buffer when the connection opens))}, {@code maxSendBufferSize} being 8 KiB by default, so Vigil's
 * 1,024-row insert (an estimated 0.5 MB of Bind message: 6 bytes of format and length for each of
 * its 35,840 parameters, then the values) leaves in some 65 writes, in some 9 with 64 KiB. Three
 * shapes: the driver's defaults ({@code default}); {@code maxSendBufferSize=65536} ({@code
 * max64k}); and that with {@code sendBufferSize=65536} ({@code max64k+sndbuf}), which the driver
 * applies to the socket only after sizing its buffer, and which fixes the socket's buffer instead
 * of leaving it to the kernel's autotuning. Each run prints the buffer the driver actually got.
 *
 * <p>Vigil's statement otherwise: the writer's 35-column multi-row {@code INSERT … ON CONFLICT DO
 * NOTHING} ({@code reWriteBatchedInserts}), one commit per flush of {@code rows} rows over 2,000
 * sessions and 500 pages; the rows are a little fuller than the bench's beacons (each has a
 * referrer, a title and engagement numbers).
 *
 * <p>A new connection per shape and round; the shapes take turns for {@code seconds} each, {@code
 * rounds} times, in a rotated order, after a 3 s warm-up each. Prints per shape and round, and as
 * medians, microseconds per row of wall time, of the sending thread's CPU (user and system: this
 * program's building of the rows, the same in every shape, then the driver's encoding and its
 * socket writes) and of the PostgreSQL backend's CPU (from {@code /proc/<pid>/stat}: the server
 * must be on this machine).
 *
 * <p>Usage: {@code SendBufferSizes <jdbc-url> <user> [rows] [seconds] [rounds]}: the database must
 * hold Vigil's schema and a site ({@code loadtest/flush-shapes.sh sendbuffer} makes a scratch one).
 */
public final class SendBufferSizes {
  static final String INSERT =
      "INSERT INTO engagement_events (event_id, site_id, session_id, visitor_id, user_id, type, ts,"
          + " received_at, url, host, path, referrer, referrer_host, title, content_id, utm_source,"
          + " utm_medium, utm_campaign, utm_term, utm_content, time_on_page_ms, visible_ms,"
          + " focus_ms, max_scroll_depth, clicks, rage_clicks, dead_clicks, reading_pattern, goal,"
          + " value, name, device_class, browser, os, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
          + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) ON"
          + " CONFLICT DO NOTHING";

  private static final String[] NAMES = {"default", "max64k", "max64k+sndbuf"};
  private static final String[] PROPERTIES = {
    "?reWriteBatchedInserts=true",
    "?reWriteBatchedInserts=true&maxSendBufferSize=65536",
    "?reWriteBatchedInserts=true&maxSendBufferSize=65536&sendBufferSize=65536"
  };

  private SendBufferSizes() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String user = args[1];
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    String tag = Long.toString(System.nanoTime(), 36);
    long[] n = {0};
    double[][][] perRow = new double[NAMES.length][3][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < NAMES.length; k++) {
        int i = (k + r) % NAMES.length;
        double[] m = run(url + PROPERTIES[i], user, tag, rows, seconds, n);
        for (int j = 0; j < 3; j++) {
          perRow[i][j][r] = m[j];
        }
        System.out.printf(
            Locale.ROOT,
            "send-buffer: round %d %-13s wall %6.2f µs a row, sender CPU %5.2f, PostgreSQL CPU"
                + " %5.2f (the driver's buffer: %d bytes)%n",
            r + 1,
            NAMES[i],
            m[0],
            m[1],
            m[2],
            (long) m[3]);
      }
    }
    for (int i = 0; i < NAMES.length; i++) {
      System.out.printf(
          Locale.ROOT,
          "send-buffer: median %-13s wall %6.2f µs a row, sender CPU %5.2f, PostgreSQL CPU %5.2f"
              + " (%d rows a flush, %d rounds of %d s)%n",
          NAMES[i],
          LedgerColumns.median(perRow[i][0]),
          LedgerColumns.median(perRow[i][1]),
          LedgerColumns.median(perRow[i][2]),
          rows,
          rounds,
          seconds);
    }
  }

  /**
   * Flushes for {@code seconds} on a new connection: wall, sender CPU and backend CPU in µs a row,
   * then the driver's send buffer in bytes.
   */
  private static double[] run(String url, String user, String tag, int rows, int seconds, long[] n)
      throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (Connection c = DriverManager.getConnection(url, user, "")) {
      int buffer = driverBuffer(c);
      String site;
      int backend;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT (SELECT id FROM sites LIMIT 1), pg_backend_pid()")) {
        rs.next();
        site = rs.getString(1);
        backend = rs.getInt(2);
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        long warm = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < warm) {
          flush(ps, site, tag, rows, n);
          c.commit();
        }
        long stored = 0;
        long cpu = threads.getCurrentThreadCpuTime();
        long ticks = LedgerColumns.cpuTicks(backend);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
          flush(ps, site, tag, rows, n);
          c.commit();
          stored += rows;
        }
        double wall = (System.nanoTime() - start) / 1000.0;
        double sender = (threads.getCurrentThreadCpuTime() - cpu) / 1000.0;
        double backendUs =
            (LedgerColumns.cpuTicks(backend) - ticks) * 1_000_000.0 / 100; // USER_HZ is 100
        return new double[] {wall / stored, sender / stored, backendUs / stored, buffer};
      }
    }
  }

  private static void flush(PreparedStatement ps, String site, String tag, int rows, long[] n)
      throws SQLException {
    Timestamp now = new Timestamp(System.currentTimeMillis());
    for (int r = 0; r < rows; r++) {
      long k = n[0]++;
      int i = 1;
      ps.setString(i++, "sb-" + tag + "-" + k);
      ps.setString(i++, site);
      ps.setString(i++, "session-" + tag + "-" + k % 2000);
      ps.setString(i++, "visitor-" + k % 2000);
      ps.setString(i++, null);
      ps.setString(i++, k % 3 == 0 ? "page_view" : "engagement");
      ps.setTimestamp(i++, now);
      ps.setTimestamp(i++, now);
      ps.setString(i++, "https://shop.example/products/item-" + k % 500 + "?ref=home");
      ps.setString(i++, "shop.example");
      ps.setString(i++, "/products/item-" + k % 500);
      ps.setString(i++, "https://www.google.com/");
      ps.setString(i++, "www.google.com");
      ps.setString(i++, "Item " + k % 500 + " | Shop Example");
      for (int u = 0; u < 6; u++) {
        ps.setString(i++, null); // content id, five UTM fields
      }
      for (int u = 0; u < 7; u++) {
        ps.setInt(i++, (int) (k % 1000));
      }
      ps.setString(i++, "reading");
      ps.setString(i++, null);
      ps.setNull(i++, Types.BIGINT);
      ps.setString(i++, null);
      ps.setString(i++, "desktop");
      ps.setString(i++, "Chrome");
      ps.setString(i++, "Linux");
      ps.setString(i, "{}");
      ps.addBatch();
    }
    ps.executeBatch();
  }

  /** The size of the driver's send buffer on this connection, read from its internals. */
  private static int driverBuffer(Connection c) throws Exception {
    Object executor = c.unwrap(PgConnection.class).getQueryExecutor();
    Field stream = QueryExecutorBase.class.getDeclaredField("pgStream");
    stream.setAccessible(true);
    Field output = PGStream.class.getDeclaredField("pgOutput");
    output.setAccessible(true);
    Field buf = PgBufferedOutputStream.class.getDeclaredField("buf");
    buf.setAccessible(true);
    return ((byte[]) buf.get(output.get(stream.get(executor)))).length;
  }
}
