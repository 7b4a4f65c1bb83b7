package dev.vigil.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Heap per live session: Vigil's heap after a full GC ({@code jcmd <pid> GC.run}, read from its
 * own {@code /metrics}) before and after {@code sessions} new sessions each made one {@code POST
 * /v1/decide} (a page request, as an edge sends it), so each is a live session entity holding its
 * signals, over {@code ips} client addresses (one fingerprint each, live too). The live entity
 * counts are read from {@code GET /v1/cluster} and the step waits until every session is live. The
 * heap difference divided by the sessions is the figure (it includes the fingerprints' share); the
 * rate at which new sessions were answered is reported with it.
 *
 * <p>Usage: {@code SessionMemory <base-url> <admin-token> <server-key> <vigil-pid> <out-dir>
 * [sessions] [ips] [concurrency]}; writes {@code memory.json}. With {@code -Dmemory.floodOnly=true}
 * it only sends the sessions and prints the answered line with the live entities at that moment
 * (no GC, histogram or wait: {@code reaper-flood.sh} measures what follows the flood). Bounded: 15 minutes for the
 * sessions, 2 minutes for them to show as live.
 */
public final class SessionMemory {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String admin = args[1];
    String serverKey = args[2];
    String pid = args[3];
    Path out = Path.of(args[4]);
    int sessions = args.length > 5 ? Integer.parseInt(args[5]) : 100_000;
    int ips = args.length > 6 ? Integer.parseInt(args[6]) : 20_000;
    int concurrency = args.length > 7 ? Integer.parseInt(args[7]) : 64;
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    boolean floodOnly = Boolean.getBoolean("memory.floodOnly");
    Map<String, Integer> live0 = liveEntities(client, base, admin);
    long heapBefore = floodOnly ? 0 : SseBench.heapAfterGc(client, base, pid);
    Map<String, long[]> histogramBefore = floodOnly ? Map.of() : histogram(pid);
    System.out.printf(
        Locale.ROOT,
        "bench: memory: heap after GC %.1f MiB with %s live entities; opening %,d sessions over"
            + " %,d fingerprints%n",
        heapBefore / 1048576.0,
        live0,
        sessions,
        ips);

    Traffic traffic =
        new Traffic(sessions, ips, 1000, "m" + Long.toString(System.currentTimeMillis() % 1_000_000, 36));
    Semaphore inFlight = new Semaphore(concurrency);
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    Map<String, LongAdder> actions = new ConcurrentHashMap<>();
    URI decide = URI.create(base + "/v1/decide");
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MINUTES.toNanos(15);
    int sent = 0;
    for (int s = 0; s < sessions && System.nanoTime() < deadline; s++, sent++) {
      inFlight.acquire();
      client
          .sendAsync(
              HttpRequest.newBuilder(decide)
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Bearer " + serverKey)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(traffic.decideBody(s)))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (r, e) -> {
                inFlight.release();
                int status = e != null ? -1 : r.statusCode();
                statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
                if (r != null && status == 200) {
                  String action = field(r.body(), "action");
                  actions.computeIfAbsent(action, k -> new LongAdder()).increment();
                }
              });
      if (s % 10_000 == 9_999) {
        System.out.printf(
            Locale.ROOT,
            "memory: %,d sessions sent (%.0f s)%n",
            s + 1,
            (System.nanoTime() - start) / 1e9);
      }
    }
    inFlight.acquire(concurrency);
    long startMs = System.currentTimeMillis() - (System.nanoTime() - start) / 1_000_000;
    long endMs = System.currentTimeMillis();
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = sent / seconds;
    if (floodOnly) {
      System.out.printf(
          Locale.ROOT,
          "bench: memory: %,d new sessions answered in %.1f s (%.0f new sessions/s; statuses %s);"
              + " live now %s%n",
          sent,
          seconds,
          rate,
          new TreeMap<>(statuses),
          liveEntities(client, base, admin));
      return;
    }

    // wait until the sessions are all live entities (each decision creates its entity first)
    int expected = live0.getOrDefault("Session", 0) + sent;
    Map<String, Integer> live = liveEntities(client, base, admin);
    long liveDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (live.getOrDefault("Session", 0) < expected && System.nanoTime() < liveDeadline) {
      Thread.sleep(1000);
      live = liveEntities(client, base, admin);
    }
    long heapAfter = SseBench.heapAfterGc(client, base, pid);
    // where the new bytes went, by class (the histogram is taken after a full GC, live objects)
    Map<String, long[]> histogramAfter = histogram(pid);
    int newSessions = live.getOrDefault("Session", 0) - live0.getOrDefault("Session", 0);
    int newFingerprints =
        live.getOrDefault("Fingerprint", 0) - live0.getOrDefault("Fingerprint", 0);
    double perSession = (heapAfter - heapBefore) / (double) Math.max(1, newSessions);
    Map<String, Long> statusCounts = new TreeMap<>();
    statuses.forEach((k, v) -> statusCounts.put(String.valueOf(k), v.sum()));
    Map<String, Long> actionCounts = new TreeMap<>();
    actions.forEach((k, v) -> actionCounts.put(k, v.sum()));
    System.out.printf(
        Locale.ROOT,
        "bench: memory: %,d new sessions answered in %.1f s (%.0f new sessions/s; statuses %s,"
            + " actions %s); live now %s%n",
        sent,
        seconds,
        rate,
        statusCounts,
        actionCounts,
        live);
    System.out.printf(
        Locale.ROOT,
        "bench: memory: heap after GC %.1f MiB -> %.1f MiB for %,d new live sessions (+%,d"
            + " fingerprints) = %.0f bytes (%.2f KiB) per live session (goal <= 2 KiB: %s)%n",
        heapBefore / 1048576.0,
        heapAfter / 1048576.0,
        newSessions,
        newFingerprints,
        perSession,
        perSession / 1024,
        perSession <= 2048 && newSessions >= sent ? "MET" : "NOT MET");
    Files.writeString(
        out.resolve("memory-histogram.txt"),
        histogramDiff(histogramBefore, histogramAfter, Math.max(1, newSessions), 40));
    Files.writeString(
        out.resolve("memory.json"),
        JSON.writeValueAsString(
            Map.ofEntries(
                Map.entry("sessionsSent", sent),
                Map.entry("fingerprints", ips),
                Map.entry("seconds", seconds),
                Map.entry("newSessionsPerSecond", rate),
                Map.entry("statuses", statusCounts),
                Map.entry("actions", actionCounts),
                Map.entry("liveBefore", live0),
                Map.entry("liveAfter", live),
                Map.entry("newLiveSessions", newSessions),
                Map.entry("newLiveFingerprints", newFingerprints),
                Map.entry("heapBeforeBytes", heapBefore),
                Map.entry("heapAfterBytes", heapAfter),
                Map.entry("heapPerSessionBytes", perSession),
                // the window the sessions were opened in, for JfrTop (PROFILE=1)
                Map.entry(
                    "phases",
                    java.util.List.of(
                        Map.of("name", "memory", "startEpochMs", startMs, "endEpochMs", endMs))))));
  }

  /** Class → {instances, bytes} of the live heap ({@code jcmd GC.class_histogram}: a full GC). */
  static Map<String, long[]> histogram(String pid) throws Exception {
    Process p = new ProcessBuilder("jcmd", pid, "GC.class_histogram").redirectErrorStream(true).start();
    Map<String, long[]> m = new java.util.HashMap<>();
    for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        try {
          m.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } catch (NumberFormatException e) {
          // the header or the total line
        }
      }
    }
    p.waitFor(2, TimeUnit.MINUTES);
    return m;
  }

  /** The classes whose bytes grew most between two histograms, per new session. */
  static String histogramDiff(
      Map<String, long[]> before, Map<String, long[]> after, int sessions, int rows) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "heap growth by class over %,d new live sessions (live objects after a full GC)%n"
                    + "%12s %12s %10s %10s  %s%n",
                sessions,
                "instances",
                "bytes",
                "inst/sess",
                "B/sess",
                "class"));
    long[] zero = {0, 0};
    long total = 0;
    java.util.List<Map.Entry<String, long[]>> grown = new java.util.ArrayList<>();
    for (var e : after.entrySet()) {
      long[] a = e.getValue();
      long[] z = before.getOrDefault(e.getKey(), zero);
      long[] d = {a[0] - z[0], a[1] - z[1]};
      total += d[1];
      grown.add(Map.entry(e.getKey(), d));
    }
    grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
    for (var e : grown.subList(0, Math.min(rows, grown.size()))) {
      long[] d = e.getValue();
      b.append(
          String.format(
              Locale.ROOT,
              "%12d %12d %10.2f %10.1f  %s%n",
              d[0],
              d[1],
              d[0] / (double) sessions,
              d[1] / (double) sessions,
              e.getKey()));
    }
    b.append(String.format(Locale.ROOT, "total %d bytes = %.1f per session%n", total, total / (double) sessions));
    return b.toString();
  }

  /** Live entities per type on every node, from GET /v1/cluster. */
  static Map<String, Integer> liveEntities(HttpClient client, String base, String admin)
      throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/cluster"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + admin)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /v1/cluster answered " + r.statusCode());
    }
    Map<String, Integer> counts = new TreeMap<>();
    JsonNode entities = JSON.readTree(r.body()).path("entities");
    entities
        .fields()
        .forEachRemaining(
            type -> {
              int n = 0;
              for (JsonNode node : type.getValue()) {
                n += node.path("entities").asInt();
              }
              counts.put(type.getKey(), n);
            });
    return counts;
  }

  /** A top-level string field of a small JSON answer, without a parser per answer. */
  static String field(String body, String name) {
    String key = "\"" + name + "\":\"";
    int i = body.indexOf(key);
    if (i < 0) {
      return "?";
    }
    int from = i + key.length();
    int to = body.indexOf('"', from);
    return to < 0 ? "?" : body.substring(from, to);
  }
}
