/*
 * Ledger benchmark: ledger rows/s through Vigil's HTTP API against the raw multi-row insert ceiling
 * of the same PostgreSQL, and trace lookup latency on a table of 10 million calls.
 *
 *   mvn -B -q package -DskipTests
 *   java -cp target/vigil.jar loadtest/ledger/LedgerBench.java
 *
 * It starts target/vigil.jar as its own process on 127.0.0.1 (free ports, an embedded PostgreSQL in
 * a temporary directory), talks to it over HTTP only and to its database over JDBC, prints the
 * figures and stops everything. Every loop is bounded in count and time. Sizes can be changed with
 * -Dbench.rows=200000 -Dbench.calls=10000000 -Dbench.lookups=3000 -Dbench.clients=4.
 */
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class LedgerBench {
  static final int ROWS = Integer.getInteger("bench.rows", 200_000);
  static final int BATCH = Integer.getInteger("bench.batch", 100);
  static final int CLIENTS = Integer.getInteger("bench.clients", 4);
  static final long CALLS = Long.getLong("bench.calls", 10_000_000L);
  static final int LOOKUPS = Integer.getInteger("bench.lookups", 3000);
  static final int PARTITION_DAYS = Integer.getInteger("bench.partitionDays", 400);
  static final Duration PHASE_LIMIT = Duration.ofMinutes(5);

  static final String COLUMNS =
      "request_id, site_id, trace_id, span_id, user_id, agent, provider, model, cost_context,"
          + " input_tokens, output_tokens, cache_read_tokens, status, latency_ms, started_at,"
          + " ended_at, cost_microdollars, web_search_microdollars, price_card, price_key, priced,"
          + " received_at, ingest_id";

  public static void main(String[] args) throws Exception {
    Path jar = Path.of("target", "vigil.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("build first: mvn -B -q package -DskipTests");
    }
    Path work = Files.createTempDirectory("vigil-ledger-bench");
    int httpPort = freePort();
    int pgPort = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(
                "java", "-Xmx2g", "-jar", jar.toAbsolutePath().toString(), "serve")
            .directory(work.toFile())
            .redirectErrorStream(true);
    pb.environment().put("VIGIL_HTTP_PORT", String.valueOf(httpPort));
    pb.environment().put("VIGIL_CLUSTER_PORT", String.valueOf(freePort()));
    pb.environment().put("VIGIL_DB_DATA_DIR", work.resolve("pg").toString());
    pb.environment().put("VIGIL_DB_EMBEDDED_PORT", String.valueOf(pgPort));
    pb.environment().remove("VIGIL_DB_URL");
    Process vigil = pb.start();
    try {
      String[] keys = awaitStart(vigil, httpPort);
      String serverKey = keys[0];
      String adminToken = keys[1];
      String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/vigil?reWriteBatchedInserts=true";
      System.out.printf("Vigil on 127.0.0.1:%d, PostgreSQL on 127.0.0.1:%d%n", httpPort, pgPort);
      System.out.printf("machine: %d cores; load generator in this JVM on the same cores%n",
          Runtime.getRuntime().availableProcessors());

      double raw = rawInsert(jdbc, ROWS);
      double api = apiInsert(httpPort, serverKey, ROWS);
      System.out.printf("%nwrite: raw multi-row JDBC insert %,.0f rows/s; POST /v1/ai/requests"
          + " (batches of %d, %d clients) %,.0f rows/s; ratio %.2f%n", raw, BATCH, CLIENTS, api,
          api / raw);

      generate(jdbc, CALLS);
      lookups(httpPort, adminToken, jdbc);
    } finally {
      vigil.destroy(); // SIGTERM: Vigil shuts down cleanly and stops its PostgreSQL
      if (!vigil.waitFor(60, TimeUnit.SECONDS)) {
        vigil.destroyForcibly();
      }
      deleteTree(work);
    }
  }

  /** Waits for the first-start banner and /ready; returns the server key and admin token. */
  static String[] awaitStart(Process vigil, int port) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(vigil.getInputStream(), StandardCharsets.UTF_8));
    Pattern serverKey = Pattern.compile("server key[^:]*:\\s*(vsk_\\S+)");
    Pattern admin = Pattern.compile("Admin token:\\s*(vgt_\\S+)");
    String sk = null;
    String at = null;
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while ((sk == null || at == null) && System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        throw new IllegalStateException("Vigil exited during start");
      }
      Matcher m = serverKey.matcher(line);
      if (m.find()) {
        sk = m.group(1);
      }
      m = admin.matcher(line);
      if (m.find()) {
        at = m.group(1);
      }
    }
    Thread drain =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {
                  // Vigil's log: not needed once it has started
                }
              } catch (IOException e) {
                // the process was stopped
              }
            });
    drain.setDaemon(true);
    drain.start();
    HttpClient http = HttpClient.newHttpClient();
    while (System.nanoTime() < deadline) {
      try {
        var r = http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return new String[] {sk, at};
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("Vigil did not become ready");
  }

  /** The ceiling: the same rows written straight into ai_requests, batches of 1,000, 2 threads. */
  static double rawInsert(String jdbc, int rows) throws Exception {
    String sql =
        "INSERT INTO ai_requests (" + COLUMNS + ") VALUES (" + "?, ".repeat(22) + "?)"
            + " ON CONFLICT DO NOTHING";
    int threads = 2;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    List<Future<?>> jobs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      jobs.add(pool.submit(() -> {
        try (Connection c = connect(jdbc);
            PreparedStatement ps = c.prepareStatement(sql)) {
          c.setAutoCommit(false);
          Instant now = Instant.now();
          for (int i = thread; i < rows; i += threads) {
            bindRaw(ps, "raw-" + i, now);
            ps.addBatch();
            if ((i / threads) % 1000 == 999) {
              ps.executeBatch();
              c.commit();
            }
          }
          ps.executeBatch();
          c.commit();
        }
        return null;
      }));
    }
    for (Future<?> f : jobs) {
      f.get(PHASE_LIMIT.toSeconds(), TimeUnit.SECONDS);
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("raw insert: %,d rows in %.1f s%n", rows, seconds);
    return rows / seconds;
  }

  static void bindRaw(PreparedStatement ps, String id, Instant now) throws Exception {
    int i = 1;
    ps.setString(i++, id);
    ps.setString(i++, "default");
    ps.setString(i++, "trace-" + id);
    ps.setString(i++, id);
    ps.setString(i++, "user-1");
    ps.setString(i++, "bench");
    ps.setString(i++, "anthropic");
    ps.setString(i++, "claude-sonnet-4-5");
    ps.setString(i++, "agent");
    ps.setInt(i++, 1200);
    ps.setInt(i++, 300);
    ps.setInt(i++, 5000);
    ps.setString(i++, "completed");
    ps.setInt(i++, 850);
    ps.setTimestamp(i++, Timestamp.from(now));
    ps.setTimestamp(i++, Timestamp.from(now.plusMillis(850)));
    ps.setLong(i++, 9_600);
    ps.setLong(i++, 0);
    ps.setString(i++, "bench");
    ps.setString(i++, "claude-sonnet-4-5");
    ps.setBoolean(i++, true);
    ps.setTimestamp(i++, Timestamp.from(now));
    ps.setString(i, "bench");
  }

  /** The same number of rows as JSON batches to POST /v1/ai/requests from several clients. */
  static double apiInsert(int port, String serverKey, int rows) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/ai/requests");
    int batches = rows / BATCH;
    AtomicLong next = new AtomicLong();
    AtomicLong stored = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    // warm-up (JIT, pools, partitions): not counted
    post(http, uri, serverKey, body("warm", 0, BATCH));
    long start = System.nanoTime();
    long deadline = start + PHASE_LIMIT.toNanos();
    List<Future<?>> jobs = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      jobs.add(pool.submit(() -> {
        long b;
        while ((b = next.getAndIncrement()) < batches && System.nanoTime() < deadline) {
          int status = post(http, uri, serverKey, body("api", b, BATCH));
          if (status != 201) {
            throw new IllegalStateException("POST answered " + status);
          }
          stored.addAndGet(BATCH);
        }
        return null;
      }));
    }
    for (Future<?> f : jobs) {
      f.get(PHASE_LIMIT.toSeconds() + 30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("API insert: %,d rows in %.1f s%n", stored.get(), seconds);
    return stored.get() / seconds;
  }

  static String body(String prefix, long batch, int size) {
    String started = Instant.now().toString();
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < size; i++) {
      String id = prefix + "-" + batch + "-" + i;
      sb.append(i == 0 ? "" : ",")
          .append("{\"requestId\":\"").append(id)
          .append("\",\"traceId\":\"trace-").append(prefix).append('-').append(batch)
          .append("\",\"provider\":\"anthropic\",\"model\":\"claude-sonnet-4-5\",")
          .append("\"agent\":\"bench\",\"userId\":\"user-1\",\"costContext\":\"agent\",")
          .append("\"inputTokens\":1200,\"outputTokens\":300,\"cacheReadTokens\":5000,")
          .append("\"latencyMs\":850,\"startedAt\":\"").append(started).append("\"}");
    }
    return sb.append(']').toString();
  }

  static int post(HttpClient http, URI uri, String key, String body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /**
   * 10 million calls by SQL: traces of 10 calls, 50 calls per task, spread over the last 30 days,
   * in a table partitioned over the default retention (400 daily partitions, most of them empty,
   * which is what an id lookup without a date must probe).
   */
  static void generate(String jdbc, long calls) throws Exception {
    long start = System.nanoTime();
    try (Connection c = connect(jdbc);
        Statement st = c.createStatement()) {
      st.execute("SELECT vigil_ensure_day_partitions('ai_requests', current_date - "
          + (PARTITION_DAYS - 1) + ", " + PARTITION_DAYS + ")");
      long chunk = 1_000_000;
      for (long from = 1; from <= calls; from += chunk) {
        long to = Math.min(calls, from + chunk - 1);
        st.execute(
            "INSERT INTO ai_requests (" + COLUMNS + ", task_id) SELECT md5('r' || g), 'default',"
                + " md5('t' || (g / 10)), md5('r' || g), 'user-' || (g % 200), 'agent-' || (g % 20),"
                + " 'anthropic', (ARRAY['claude-sonnet-4-5','claude-haiku-4-5','claude-opus-4-6'])"
                + "[1 + g % 3], 'agent', 1000 + g % 500, 200 + g % 100, g % 5000, 'completed',"
                + " 500 + g % 1000, ts, ts + interval '1 second', 5000 + g % 3000, 0, 'bench',"
                + " 'claude-sonnet-4-5', true, ts, 'gen', 'task-' || (g / 50) FROM (SELECT g,"
                + " now() - interval '30 days'"
                + " * (g::float8 / " + calls + ") AS ts FROM generate_series(" + from + ", " + to
                + ") g) s");
        System.out.printf("generated %,d calls (%.0f s)%n", to,
            (System.nanoTime() - start) / 1e9);
      }
      st.execute("ANALYZE ai_requests");
    }
    System.out.printf("generated %,d calls over 30 days in %d partitions in %.0f s%n", calls,
        PARTITION_DAYS, (System.nanoTime() - start) / 1e9);
  }

  /** GET /v1/traces/{id} by trace id, by request id and by an 8-character prefix. */
  static void lookups(int port, String token, String jdbc) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Random random = new Random(42);
    String[] kinds = {"trace id", "request id", "8-char prefix"};
    long[][] nanos = new long[3][LOOKUPS / 3];
    int[] notOk = new int[3];
    long deadline = System.nanoTime() + PHASE_LIMIT.toNanos();
    {
      // warm-up: plans cached per pooled connection, index pages in memory
      for (int i = 0; i < 200; i++) {
        get(http, port, token, hex("t", random.nextLong(CALLS / 10)));
      }
      for (int i = 0; i < LOOKUPS / 3 * 3 && System.nanoTime() < deadline; i++) {
        int kind = i % 3;
        long g = 1 + random.nextLong(CALLS - 1);
        String id =
            switch (kind) {
              case 0 -> hex("t", g / 10);
              case 1 -> hex("r", g);
              default -> hex("t", g / 10).substring(0, 8);
            };
        long t0 = System.nanoTime();
        int status = get(http, port, token, id);
        nanos[kind][i / 3] = System.nanoTime() - t0;
        if (status != 200) {
          notOk[kind]++;
        }
      }
    }
    System.out.printf("%ntrace lookup over %,d calls (%d lookups of each kind, one client):%n",
        CALLS, LOOKUPS / 3);
    long[] all = new long[0];
    for (int k = 0; k < 3; k++) {
      long[] v = Arrays.stream(nanos[k]).filter(x -> x > 0).sorted().toArray();
      all = concat(all, v);
      System.out.printf("  by %-14s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (non-200: %d)%n",
          kinds[k], pct(v, 0.50), pct(v, 0.99), v[v.length - 1] / 1e6, notOk[k]);
    }
    Arrays.sort(all);
    System.out.printf("  all               p50 %6.1f ms  p99 %6.1f ms%n", pct(all, 0.5),
        pct(all, 0.99));
  }

  static String hex(String prefix, long n) throws Exception {
    return md5(prefix + n);
  }

  static String md5(String s) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("MD5")
        .digest(s.getBytes(StandardCharsets.UTF_8));
    StringBuilder sb = new StringBuilder();
    for (byte b : d) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }

  static int get(HttpClient http, int port, String token, String id) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces/" + id))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  static Connection connect(String jdbc) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    return DriverManager.getConnection(jdbc, p);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
