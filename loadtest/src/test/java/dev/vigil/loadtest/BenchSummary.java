package dev.vigil.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one bench run's files into its summary, or several runs' summaries into a comparison.
 *
 * <pre>
 *   BenchSummary RUN_DIR                 → RUN_DIR/summary.txt and summary.json, printed
 *   BenchSummary --compare DIR DIR …     → one line per run and the median, printed
 * </pre>
 *
 * A run directory holds {@code meta.env} (machine, command, load averages; written by
 * run-bench.sh), the recorders' {@code health.json} and {@code decide.json}, and {@code cpu.tsv}:
 * one sample per second of cumulative CPU ticks of Vigil's JVM, its embedded PostgreSQL (postmaster
 * and backends), the Gatling JVM, and the whole machine ({@code /proc/stat}). CPU per phase is the
 * difference of those counters over the phase's window, in cores (1.00 = one core busy all along);
 * "others" is what the machine spent beyond the three, i.e. other processes on the shared box.
 * {@code vigil-gc.log} (Vigil's {@code -Xlog:gc}) gives each phase its collection pauses and the
 * heap Vigil allocated per request.
 */
public final class BenchSummary {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Decision phases' figures must keep at least this much of the trivial endpoint's rate. */
  static final double SATURATION_GOAL = 0.35;
  static final int COLLECT_EVENTS_GOAL = 40_000;
  static final double COLLECT_CEILING_GOAL = 0.4;
  static final double COLLECT_SINGLE_GOAL = 0.25;
  static final double LEDGER_CEILING_GOAL = 0.4;
  static final double TRACE_P99_GOAL_MS = 50;
  static final double SESSION_HEAP_GOAL_BYTES = 2048;
  static final double SSE_P99_GOAL_MS = 250;
  static final long SSE_HEAP_GOAL_BYTES = 1L << 30;

  /** The budget: p99 below this many microseconds at the target rate. */
  static final long P99_GOAL_MICROS = 2_000;

  public static void main(String[] args) throws IOException {
    Locale.setDefault(Locale.ROOT);
    if (args.length >= 2 && args[0].equals("--compare")) {
      System.out.print(compare(Arrays.stream(args).skip(1).map(Path::of).toList()));
      return;
    }
    if (args.length != 1) {
      System.err.println("usage: BenchSummary RUN_DIR | --compare RUN_DIR RUN_DIR …");
      System.exit(2);
    }
    Path run = Path.of(args[0]);
    ObjectNode summary = summarize(run);
    JSON.writeValue(run.resolve("summary.json").toFile(), summary);
    String text = render(summary);
    Files.writeString(run.resolve("summary.txt"), text);
    System.out.print(text);
  }

  // ---- one run ----

  static ObjectNode summarize(Path run) throws IOException {
    Map<String, String> meta = readMeta(run.resolve("meta.env"));
    List<long[]> cpu = readCpu(run.resolve("cpu.tsv"));
    List<GcPause> gc = readGc(run.resolve("vigil-gc.log"));
    // the load generator's: one JVM, and one log, per simulation; runs before their logs had none
    List<GcPause> loadGc = new ArrayList<>();
    try (var logs = Files.newDirectoryStream(run, "gatling-gc-*.log")) {
      for (Path f : logs) {
        loadGc.addAll(readGc(f));
      }
    }
    double hz = Double.parseDouble(meta.getOrDefault("clk_tck", "100"));
    int ncpu = Integer.parseInt(meta.getOrDefault("nproc", "1"));

    ObjectNode out = JSON.createObjectNode();
    ObjectNode m = out.putObject("meta");
    meta.forEach(m::put);
    ArrayNode phases = out.putArray("phases");
    for (String sim : List.of("health", "collect", "decide", "mix", "ledger")) {
      Path f = run.resolve(sim + ".json");
      if (!Files.exists(f)) {
        continue;
      }
      JsonNode j = JSON.readTree(f.toFile());
      out.set(sim + "Settings", j.get("settings"));
      for (JsonNode p : j.get("phases")) {
        ObjectNode ph = ((ObjectNode) p).deepCopy();
        ph.remove("perSecond");
        JsonNode secs = p.get("perSecond");
        if (secs != null && secs.size() > 0) {
          long min = Long.MAX_VALUE;
          long max = 0;
          for (JsonNode s : secs) {
            min = Math.min(min, s.asLong());
            max = Math.max(max, s.asLong());
          }
          ph.put("perSecondMin", min);
          ph.put("perSecondMax", max);
        }
        if (p.has("startEpochMs") && !cpu.isEmpty()) {
          ph.set("cpuCores", cpuOver(cpu, p.get("startEpochMs").asLong(), p.get("endEpochMs").asLong(), hz, ncpu));
        }
        if (p.has("startEpochMs") && gc.size() > 1) {
          ph.set(
              "gc",
              gcOver(gc, p.get("startEpochMs").asLong(), p.get("endEpochMs").asLong(), p.get("requests").asLong()));
        }
        if (p.has("startEpochMs") && !loadGc.isEmpty()) {
          ObjectNode lg =
              gcOver(loadGc, p.get("startEpochMs").asLong(), p.get("endEpochMs").asLong(), p.get("requests").asLong());
          lg.remove(List.of("allocatedMb", "allocatedKibPerRequest")); // several JVMs: not one heap
          ph.set("loadGeneratorGc", lg);
        }
        if (p.has("actions")) {
          long n = p.get("requests").asLong();
          long allow = p.get("actions").path("allow").asLong(0);
          ph.put("nonAllow", n - allow);
          ph.put("nonAllowShare", n == 0 ? 0 : (double) (n - allow) / n);
          long failOpen = 0;
          for (Iterator<Map.Entry<String, JsonNode>> it = p.path("reasons").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith("vigil_")) {
              failOpen += e.getValue().asLong();
            }
          }
          ph.put("vigilFailOpenOrClosed", failOpen);
        }
        phases.add(ph);
      }
    }

    Map<String, Double> before = readMetrics(run.resolve("metrics-before-decide.txt"));
    Map<String, Double> after = readMetrics(run.resolve("metrics-after-decide.txt"));
    if (!after.isEmpty()) {
      ObjectNode srv = out.putObject("serverSide");
      double n = delta(before, after, "http_server_requests_seconds_count", "route=\"/v1/decide\"");
      double sum = delta(before, after, "http_server_requests_seconds_sum", "route=\"/v1/decide\"");
      srv.put("decideRequests", (long) n);
      srv.put("decideMeanMicros", n == 0 ? 0 : Math.round(sum / n * 1e6));
      srv.put("observationRowsFlushed", (long) delta(before, after, "vigil_writer_flush_rows_sum", "table=\"observations\""));
      srv.put("observationFlushes", (long) delta(before, after, "vigil_writer_flush_rows_count", "table=\"observations\""));
      srv.put("observationRefused", (long) delta(before, after, "vigil_writer_refused_total", "table=\"observations\""));
      srv.put("observationFlushFailures", (long) delta(before, after, "vigil_writer_flush_failures_total", "table=\"observations\""));
    }

    ObjectNode fig = out.putObject("figures");
    JsonNode health = phase(out, "health");
    JsonNode decide = phase(out, "decide");
    JsonNode sat = phase(out, "decide saturation");
    if (health != null) {
      fig.put("trivialRate", health.get("ratePerSecond").asDouble());
    }
    if (decide != null) {
      fig.put("decideTargetRate", out.path("decideSettings").path("targetRate").asInt());
      fig.put("decideAchievedRate", decide.get("ratePerSecond").asDouble());
      fig.put("decideP50Micros", decide.get("latency").get("p50").asLong());
      fig.put("decideP95Micros", decide.get("latency").get("p95").asLong());
      fig.put("decideP99Micros", decide.get("latency").get("p99").asLong());
      fig.put("decideMaxMicros", decide.get("latency").get("max").asLong());
      fig.put("decideNonAllowShare", decide.get("nonAllowShare").asDouble());
      fig.put("decideFailOpen", decide.get("vigilFailOpenOrClosed").asLong());
      fig.put("p99Goal", decide.get("latency").get("p99").asLong() < P99_GOAL_MICROS);
    }
    if (sat != null) {
      fig.put("decideSaturationRate", sat.get("ratePerSecond").asDouble());
      perUnit(fig, "decideSaturation", sat.path("cpuCores"), sat.get("ratePerSecond").asDouble());
      if (health != null) {
        double ratio = sat.get("ratePerSecond").asDouble() / health.get("ratePerSecond").asDouble();
        fig.put("saturationToTrivial", ratio);
        fig.put("saturationGoal", ratio >= SATURATION_GOAL);
      }
    }
    if (decide != null && health != null) {
      fig.put("decideToTrivial", decide.get("ratePerSecond").asDouble() / health.get("ratePerSecond").asDouble());
    }
    Path ceilingFile = run.resolve("ceiling.json");
    double ceiling = 0;
    if (Files.exists(ceilingFile)) {
      JsonNode c = JSON.readTree(ceilingFile.toFile());
      out.set("ceiling", c);
      ceiling = c.get("rowsPerSecond").asDouble();
      fig.put("ceilingRowsPerSecond", ceiling);
      perUnit(fig, "ceiling", windowCpu(c, cpu, hz, ncpu), ceiling);
    }
    JsonNode batch = phase(out, "collect batch");
    JsonNode single = phase(out, "collect single");
    int batchEvents = out.path("collectSettings").path("batchEvents").asInt(10);
    if (batch != null) {
      double events = accepted(batch) * batchEvents;
      fig.put("collectBatchEvents", batchEvents);
      fig.put("collectBatchEventsPerSecond", events);
      fig.put("collectBatchP99Micros", batch.get("latency").get("p99").asLong());
      fig.put("collectBatchNon202", batch.get("requests").asLong() - batch.path("statuses").path("202").asLong(0));
      fig.put("collectBatchGoal", events >= COLLECT_EVENTS_GOAL);
      perUnit(fig, "collectBatch", batch.path("cpuCores"), events);
      if (ceiling > 0) {
        fig.put("collectBatchToCeiling", events / ceiling);
        fig.put("collectBatchCeilingGoal", events / ceiling >= COLLECT_CEILING_GOAL);
      }
    }
    if (single != null) {
      double rate = accepted(single);
      fig.put("collectSingleRate", rate);
      fig.put("collectSingleP99Micros", single.get("latency").get("p99").asLong());
      fig.put("collectSingleNon202", single.get("requests").asLong() - single.path("statuses").path("202").asLong(0));
      perUnit(fig, "collectSingle", single.path("cpuCores"), rate);
      if (health != null) {
        double ratio = rate / health.get("ratePerSecond").asDouble();
        fig.put("collectSingleToTrivial", ratio);
        fig.put("collectSingleGoal", ratio >= COLLECT_SINGLE_GOAL);
      }
    }
    JsonNode sse = readIfExists(run.resolve("sse.json"));
    if (sse != null) {
      out.set("sse", sse);
      fig.put("sseConnections", sse.path("connections").asInt());
      fig.put("sseHeapAfterBytes", sse.path("heapAfterBytes").asLong());
      fig.put("sseHeapPerConnectionBytes", sse.path("heapPerConnectionBytes").asDouble());
      fig.put("sseHeapGoal", sse.path("allReady").asBoolean() && sse.path("connections").asInt() >= 10_000
          && sse.path("heapAfterBytes").asLong() <= SSE_HEAP_GOAL_BYTES);
      fig.put("sseRate", sse.path("rate").asInt());
      fig.put("sseDeliveries", sse.path("deliveries").asLong());
      fig.put("sseExpectedDeliveries", sse.path("expectedDeliveries").asLong());
      fig.put("sseP50Ms", sse.path("p50Ms").asDouble());
      fig.put("sseP99Ms", sse.path("p99Ms").asDouble());
      if (sse.has("ackP50Ms")) {
        fig.put("sseAckP50Ms", sse.path("ackP50Ms").asDouble());
        fig.put("sseAckP99Ms", sse.path("ackP99Ms").asDouble());
        fig.put("ssePublishedP50Ms", sse.path("publishedP50Ms").asDouble());
        fig.put("ssePublishedP99Ms", sse.path("publishedP99Ms").asDouble());
      }
      fig.put("sseLatencyGoal", sse.path("p99Ms").asDouble() <= SSE_P99_GOAL_MS
          && sse.path("deliveries").asLong() >= sse.path("expectedDeliveries").asLong());
    }
    JsonNode memory = readIfExists(run.resolve("memory.json"));
    if (memory != null) {
      out.set("memory", memory);
      fig.put("memorySessions", memory.path("newLiveSessions").asInt());
      fig.put("memoryFingerprints", memory.path("newLiveFingerprints").asInt());
      fig.put("memoryBytesPerSession", memory.path("heapPerSessionBytes").asDouble());
      fig.put("memoryNewSessionsPerSecond", memory.path("newSessionsPerSecond").asDouble());
      fig.put("memoryGoal", memory.path("heapPerSessionBytes").asDouble() <= SESSION_HEAP_GOAL_BYTES
          && memory.path("newLiveSessions").asInt() >= memory.path("sessionsSent").asInt());
    }
    JsonNode ledgerCeiling = readIfExists(run.resolve("ledger-ceiling.json"));
    if (ledgerCeiling != null) {
      out.set("ledgerCeiling", ledgerCeiling);
      fig.put("ledgerCeilingRowsPerSecond", ledgerCeiling.path("rowsPerSecond").asDouble());
      perUnit(fig, "ledgerCeiling", windowCpu(ledgerCeiling, cpu, hz, ncpu), ledgerCeiling.path("rowsPerSecond").asDouble());
    }
    int rowsPer = out.path("ledgerSettings").path("batchRows").asInt(100);
    // the default answer is the goal's figure; the minimal one (Prefer: return=minimal) beside it
    ledgerFigures(fig, "ledger", ledgerPhase(out, "ledger"), rowsPer, ledgerCeiling);
    ledgerFigures(
        fig, "ledgerMinimal", ledgerPhase(out, "ledger minimal"), rowsPer, ledgerCeiling);
    if (fig.has("ledgerToCeiling")) {
      fig.put("ledgerGoal", fig.get("ledgerToCeiling").asDouble() >= LEDGER_CEILING_GOAL);
    }
    JsonNode trace = readIfExists(run.resolve("trace.json"));
    if (trace != null) {
      out.set("trace", trace);
      fig.put("traceCalls", trace.path("calls").asLong());
      fig.put("traceLookups", trace.path("lookups").asInt());
      fig.put("traceP50Ms", trace.path("p50Ms").asDouble());
      fig.put("traceP99Ms", trace.path("p99Ms").asDouble());
      fig.put("traceNon200", trace.path("non200").asInt());
      fig.put("traceGoal", trace.path("p99Ms").asDouble() <= TRACE_P99_GOAL_MS
          && trace.path("calls").asLong() >= 10_000_000L && trace.path("non200").asInt() == 0);
    }
    return out;
  }

  /** The cores used in a ceiling's measured window, or a missing node when it has no window. */
  static JsonNode windowCpu(JsonNode ceiling, List<long[]> cpu, double hz, int ncpu) {
    if (!ceiling.has("startEpochMs") || cpu.isEmpty()) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    return cpuOver(cpu, ceiling.get("startEpochMs").asLong(), ceiling.get("endEpochMs").asLong(), hz, ncpu);
  }

  /**
   * Microseconds of one core that PostgreSQL and Vigil spent per unit (stored row, event or
   * answer) at {@code rate} units a second: where a path's cost goes next to its ceiling's.
   */
  static void perUnit(ObjectNode fig, String key, JsonNode cores, double rate) {
    if (!cores.has("postgres") || rate <= 0) {
      return;
    }
    fig.put(key + "PgMicrosPerUnit", cores.get("postgres").asDouble() * 1e6 / rate);
    fig.put(key + "VigilMicrosPerUnit", cores.get("vigil").asDouble() * 1e6 / rate);
  }

  static JsonNode readIfExists(Path f) throws IOException {
    return Files.exists(f) ? JSON.readTree(f.toFile()) : null;
  }

  /** Requests per second answered 202 (stored) in a collect phase. */
  static double accepted(JsonNode phase) {
    long n = phase.get("requests").asLong();
    long ok = phase.path("statuses").path("202").asLong(0);
    return n == 0 ? 0 : phase.get("ratePerSecond").asDouble() * ok / n;
  }

  /** Prometheus text → series (name{labels}) → value; comments skipped. */
  static Map<String, Double> readMetrics(Path f) throws IOException {
    Map<String, Double> m = new LinkedHashMap<>();
    if (!Files.exists(f)) {
      return m;
    }
    for (String line : Files.readAllLines(f)) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      try {
        m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
      } catch (RuntimeException e) {
        // not a sample line
      }
    }
    return m;
  }

  /** The sum over series of {@code name} whose labels contain {@code label}, after − before. */
  static double delta(Map<String, Double> before, Map<String, Double> after, String name, String label) {
    return sum(after, name, label) - sum(before, name, label);
  }

  static double sum(Map<String, Double> m, String name, String label) {
    double t = 0;
    for (var e : m.entrySet()) {
      String k = e.getKey();
      if ((k.startsWith(name + "{") || k.equals(name)) && k.contains(label)) {
        t += e.getValue();
      }
    }
    return t;
  }

  static JsonNode phase(JsonNode summary, String name) {
    for (JsonNode p : summary.get("phases")) {
      if (p.get("name").asText().equals(name) && p.get("requests").asLong() > 0) {
        return p;
      }
    }
    return null;
  }

  /** Cores used by each process group between two instants (linear between samples). */
  static ObjectNode cpuOver(List<long[]> cpu, long fromMs, long toMs, double hz, int ncpu) {
    ObjectNode n = JSON.createObjectNode();
    double seconds = (toMs - fromMs) / 1000.0;
    if (seconds <= 0) {
      return n;
    }
    double[] a = at(cpu, fromMs);
    double[] b = at(cpu, toMs);
    double vigil = (b[1] - a[1]) / hz / seconds;
    double pg = (b[2] - a[2]) / hz / seconds;
    double gatling = (b[3] - a[3]) / hz / seconds;
    double total = b[5] - a[5];
    double machine = total <= 0 ? 0 : (b[4] - a[4]) / total * ncpu;
    n.put("vigil", round2(vigil));
    n.put("postgres", round2(pg));
    n.put("gatling", round2(gatling));
    n.put("machine", round2(machine));
    n.put("others", round2(Math.max(0, machine - vigil - pg - gatling)));
    // How long runnable tasks waited for a CPU: the share of the phase in which at least one did
    // (the kernel's CPU pressure), and what Vigil's threads waited for one per second they ran.
    if (a.length > 7 && a[6] > 0 && b[6] >= a[6]) {
      n.put("cpuPressure", round2((b[6] - a[6]) / 1e6 / seconds));
    }
    double vigilRanNs = (b[1] - a[1]) / hz * 1e9;
    if (a.length > 7 && a[7] > 0 && b[7] >= a[7] && vigilRanNs > 0) {
      n.put("vigilWaitPerRun", round2((b[7] - a[7]) / vigilRanNs));
    }
    return n;
  }

  /**
   * One pause of Vigil's collector and when it ended. G1's log gives the heap before and after with
   * each pause; ZGC's does not (-1). A stall is ZGC's allocation stall: one thread waiting for the
   * concurrent collection to free memory, where a pause stops every thread.
   */
  record GcPause(long endMs, long beforeMb, long afterMb, double ms, boolean stall) {}

  /** A unified-logging line of -Xlog:gc with the time decoration, e.g. G1's "Pause Young". */
  private static final Pattern GC_PAUSE =
      Pattern.compile("^\\[([^\\]]+)\\].* GC\\(\\d+\\) Pause .*?(\\d+)M->(\\d+)M\\(\\d+M\\) ([0-9.]+)ms$");

  /** ZGC's pauses (-Xlog:gc+phases), e.g. "GC(7) y: Pause Mark Start 0.031ms". */
  private static final Pattern ZGC_PAUSE =
      Pattern.compile("^\\[([^\\]]+)\\].* GC\\(\\d+\\) [yYO]: Pause [^(]*?(?:\\([^)]*\\) )?([0-9.]+)ms$");

  /** ZGC's allocation stalls (-Xlog:gc), e.g. "Allocation Stall (worker-3) 12.345ms". */
  private static final Pattern ZGC_STALL =
      Pattern.compile("^\\[([^\\]]+)\\].* Allocation Stall \\(.*\\) ([0-9.]+)ms$");

  private static final DateTimeFormatter GC_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

  /** The pauses in {@code vigil-gc.log}; none when there is no log or another collector's format. */
  static List<GcPause> readGc(Path f) throws IOException {
    List<GcPause> pauses = new ArrayList<>();
    if (!Files.exists(f)) {
      return pauses;
    }
    for (String line : Files.readAllLines(f)) {
      Matcher m = GC_PAUSE.matcher(line);
      if (m.find()) {
        pauses.add(
            new GcPause(
                gcTime(m.group(1)),
                Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)),
                Double.parseDouble(m.group(4)),
                false));
        continue;
      }
      m = ZGC_PAUSE.matcher(line);
      if (m.find()) {
        pauses.add(new GcPause(gcTime(m.group(1)), -1, -1, Double.parseDouble(m.group(2)), false));
        continue;
      }
      m = ZGC_STALL.matcher(line);
      if (m.find()) {
        pauses.add(new GcPause(gcTime(m.group(1)), -1, -1, Double.parseDouble(m.group(2)), true));
      }
    }
    return pauses;
  }

  private static long gcTime(String decoration) {
    return OffsetDateTime.parse(decoration, GC_TIME).toInstant().toEpochMilli();
  }

  /**
   * Pauses that ended within a phase, their share of its time, and what Vigil allocated in it:
   * between two pauses Vigil allocated the heap before the second minus the heap after the first,
   * and a phase is charged the part of each such interval it overlaps, as if allocation were even
   * within the interval (charging whole intervals to the phase their pause ends in was off by up to
   * one interval, a third of a phase with three pauses). Only G1's pauses give the heap: with ZGC
   * the allocation is unknown (-1), and its allocation stalls are counted apart from its pauses.
   */
  static ObjectNode gcOver(List<GcPause> all, long fromMs, long toMs, long requests) {
    int n = 0;
    double paused = 0;
    double max = 0;
    int stalls = 0;
    double stalled = 0;
    double stallMax = 0;
    for (GcPause p : all) {
      if (p.endMs() < fromMs || p.endMs() > toMs) {
        continue;
      }
      if (p.stall()) {
        stalls++;
        stalled += p.ms();
        stallMax = Math.max(stallMax, p.ms());
      } else {
        n++;
        paused += p.ms();
        max = Math.max(max, p.ms());
      }
    }
    List<GcPause> gc = all.stream().filter(p -> p.beforeMb() >= 0).toList();
    double allocatedMb = gc.isEmpty() ? -1 : 0;
    for (int i = 1; i < gc.size(); i++) {
      GcPause prev = gc.get(i - 1);
      GcPause p = gc.get(i);
      double from = prev.endMs();
      double to = p.endMs() - p.ms();
      double overlap = Math.min(to, toMs) - Math.max(from, fromMs);
      if (to > from && overlap > 0) {
        allocatedMb += Math.max(0, p.beforeMb() - prev.afterMb()) * overlap / (to - from);
      }
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("pauses", n);
    o.put("pausedShare", toMs > fromMs ? paused / (toMs - fromMs) : 0);
    o.put("meanPauseMs", n == 0 ? 0 : round2(paused / n));
    o.put("maxPauseMs", round2(max));
    o.put("allocatedMb", Math.round(allocatedMb));
    // one decimal, rounded once: the table prints one
    o.put(
        "allocatedKibPerRequest",
        allocatedMb < 0 ? -1 : requests == 0 ? 0 : Math.round(allocatedMb * 10240.0 / requests) / 10.0);
    o.put("stalls", stalls);
    o.put("stalledMs", round2(stalled));
    o.put("maxStallMs", round2(stallMax));
    return o;
  }

  /** The counters at {@code ms}, interpolated; columns as in cpu.tsv. */
  static double[] at(List<long[]> cpu, long ms) {
    long[] prev = cpu.get(0);
    if (ms <= prev[0]) {
      return toDouble(prev);
    }
    for (long[] s : cpu) {
      if (s[0] >= ms) {
        double f = s[0] == prev[0] ? 1 : (double) (ms - prev[0]) / (s[0] - prev[0]);
        double[] r = new double[s.length];
        for (int i = 0; i < s.length; i++) {
          // a process that was not running yet reads 0: do not interpolate from nothing
          r[i] = prev[i] == 0 && i > 0 && i < 4 ? s[i] : prev[i] + f * (s[i] - prev[i]);
        }
        return r;
      }
      prev = s;
    }
    return toDouble(prev);
  }

  static double[] toDouble(long[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = v[i];
    }
    return r;
  }

  static List<long[]> readCpu(Path f) throws IOException {
    List<long[]> rows = new ArrayList<>();
    if (!Files.exists(f)) {
      return rows;
    }
    for (String line : Files.readAllLines(f)) {
      String[] c = line.trim().split("\t");
      // 6 columns; 8 since the sampler reads how long tasks waited for a CPU (-1: not sampled)
      if ((c.length != 6 && c.length != 8) || !Character.isDigit(c[0].charAt(0))) {
        continue;
      }
      long[] v = new long[8];
      Arrays.fill(v, -1);
      for (int i = 0; i < c.length; i++) {
        v[i] = Long.parseLong(c[i]);
      }
      // A process that has just exited reads 0: keep its last counter, so a phase ending right
      // after its load generator's exit is not charged negative CPU.
      if (!rows.isEmpty()) {
        long[] last = rows.get(rows.size() - 1);
        for (int i = 1; i < 4; i++) {
          if (v[i] == 0 && last[i] > 0) {
            v[i] = last[i];
          }
        }
      }
      rows.add(v);
    }
    return rows;
  }

  static Map<String, String> readMeta(Path f) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    if (!Files.exists(f)) {
      return m;
    }
    for (String line : Files.readAllLines(f)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return m;
  }

  static String render(JsonNode s) {
    StringBuilder b = new StringBuilder();
    JsonNode m = s.get("meta");
    b.append("==== Vigil bench: ").append(m.path("run").asText()).append(" ====\n");
    b.append("machine: ")
        .append(m.path("nproc").asText())
        .append(" cores, ")
        .append(m.path("mem").asText())
        .append(", ")
        .append(m.path("java").asText())
        .append('\n');
    b.append("vigil:   ").append(m.path("jar").asText()).append(" (").append(m.path("jar_commit").asText()).append(")");
    // Vigil's own JVM when the run gave it another (VIGIL_JAVA); older runs have no vigil_java
    String vigilJava = m.path("vigil_java").asText("");
    if (!vigilJava.isEmpty() && !vigilJava.equals(m.path("java").asText())) {
      b.append(" on ").append(vigilJava);
    }
    b.append('\n');
    if (m.has("pinned")) {
      b.append("pinned:  ").append(m.path("pinned").asText()).append('\n');
    }
    b.append("load average before: ")
        .append(m.path("loadavg_before").asText())
        .append("   after: ")
        .append(m.path("loadavg_after").asText())
        .append('\n');
    JsonNode ds = s.path("decideSettings");
    if (!ds.isMissingNode()) {
      b.append(
          String.format(
              "decide population: %d sessions over %d fingerprints, %d pages; target %d/s = %d users × 1 per %d ms"
                  + " → %.2f/s per fingerprint (throttle allows 2/s), %.2f/s per session%n",
              ds.path("sessions").asInt(),
              ds.path("fingerprints").asInt(),
              ds.path("pages").asInt(),
              ds.path("targetRate").asInt(),
              ds.path("users").asInt(),
              ds.path("paceMs").asInt(),
              ds.path("perFingerprintRate").asDouble(),
              ds.path("perSessionRate").asDouble()));
    }
    b.append('\n');
    b.append(
        String.format(
            "%-18s %8s %6s %8s %7s %7s %7s %8s %8s %6s | %5s %5s %5s %5s %5s | %5s %5s%n",
            "phase", "requests", "sec", "rate/s", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "!allow",
            "vigil", "pg", "gatl.", "other", "box", "psi", "wait"));
    for (JsonNode p : s.get("phases")) {
      if (p.get("requests").asLong() == 0) {
        b.append(String.format("%-18s %8d%n", p.get("name").asText(), 0));
        continue;
      }
      JsonNode l = p.get("latency");
      JsonNode c = p.path("cpuCores");
      b.append(
          String.format(
              "%-18s %8d %6.1f %8.0f %7.3f %7.3f %7.3f %8.3f %8.1f %6s | %5s %5s %5s %5s %5s | %5s %5s%n",
              p.get("name").asText(),
              p.get("requests").asLong(),
              p.get("seconds").asDouble(),
              p.get("ratePerSecond").asDouble(),
              l.get("p50").asLong() / 1000.0,
              l.get("p95").asLong() / 1000.0,
              l.get("p99").asLong() / 1000.0,
              l.get("p99.9").asLong() / 1000.0,
              l.get("max").asLong() / 1000.0,
              p.has("nonAllow") ? String.valueOf(p.get("nonAllow").asLong()) : "-",
              cores(c, "vigil"),
              cores(c, "postgres"),
              cores(c, "gatling"),
              cores(c, "others"),
              cores(c, "machine"),
              cores(c, "cpuPressure"),
              cores(c, "vigilWaitPerRun")));
    }
    b.append("(latency: client-side round trip on loopback, µs resolution; CPU in cores, 1.00 = one core busy;\n")
        .append(" box = whole machine from /proc/stat, other = box minus Vigil, its PostgreSQL and Gatling;\n")
        .append(" psi = share of the phase in which a runnable task waited for a CPU (/proc/pressure/cpu);\n")
        .append(" wait = time Vigil's threads waited for a CPU per unit of time they ran (schedstat))\n\n");

    gcTable(
        b,
        s.get("phases"),
        "gc",
        "Vigil's GC",
        true,
        "(vigil-gc.log: stop-the-world pauses that ended in the phase and their share of its time; allocated:\n"
            + " the heap's growth between pauses, the part of each interval within the phase, per request of the phase;\n"
            + " phases that run at once, as the mix's, each show the whole JVM's allocation; ZGC's log gives no heap\n"
            + " per pause (-), and each of its collections pauses three times; stalls: ZGC's allocation stalls, a thread\n"
            + " waiting for memory, never G1's)\n\n");
    gcTable(
        b,
        s.get("phases"),
        "loadGeneratorGc",
        "load generator's GC",
        false,
        "(gatling-gc-<simulation>.log: the Gatling JVM's pauses in the phase; every request it has in flight\n"
            + " during one is timed that much longer, as during one of Vigil's)\n\n");

    for (JsonNode p : s.get("phases")) {
      if (p.has("actions") || (p.has("statuses") && p.get("statuses").size() > 1)) {
        b.append(p.get("name").asText()).append(": statuses ").append(p.path("statuses"));
        if (p.has("actions")) {
          b.append(", actions ").append(p.get("actions")).append(", reasons ").append(p.path("reasons"));
        }
        if (p.has("perSecondMin")) {
          b.append(", per-second rate ").append(p.get("perSecondMin")).append("–").append(p.get("perSecondMax"));
        }
        b.append('\n');
      }
    }
    JsonNode srv = s.path("serverSide");
    if (!srv.isMissingNode()) {
      b.append(
          String.format(
              "%nserver side, whole decide simulation (Vigil's /metrics before/after): %d decisions, mean %.3f ms"
                  + " inside Vigil; observation rows flushed %d in %d flushes, refused %d, failed flushes %d%n",
              srv.path("decideRequests").asLong(),
              srv.path("decideMeanMicros").asLong() / 1000.0,
              srv.path("observationRowsFlushed").asLong(),
              srv.path("observationFlushes").asLong(),
              srv.path("observationRefused").asLong(),
              srv.path("observationFlushFailures").asLong()));
    }
    JsonNode f = s.get("figures");
    b.append("\n---- figures ----\n");
    if (f.has("trivialRate")) {
      b.append(String.format("trivial endpoint GET /health at saturation:  %.0f req/s%n", f.get("trivialRate").asDouble()));
    }
    if (f.has("decideAchievedRate")) {
      b.append(
          String.format(
              "decide at target %d/s: achieved %.0f/s, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.1f ms"
                  + " — p99 goal (< 2 ms) %s; non-allow answers %.2f %%, fail-open (vigil_*) %d%n",
              f.get("decideTargetRate").asInt(),
              f.get("decideAchievedRate").asDouble(),
              f.get("decideP50Micros").asLong() / 1000.0,
              f.get("decideP95Micros").asLong() / 1000.0,
              f.get("decideP99Micros").asLong() / 1000.0,
              f.get("decideMaxMicros").asLong() / 1000.0,
              f.get("p99Goal").asBoolean() ? "MET" : "NOT MET",
              f.get("decideNonAllowShare").asDouble() * 100,
              f.path("decideFailOpen").asLong()));
    }
    if (f.has("ceilingRowsPerSecond")) {
      b.append(String.format("raw-insert ceiling (engagement_events):   %.0f rows/s%n", f.get("ceilingRowsPerSecond").asDouble()));
    }
    if (f.has("collectBatchEventsPerSecond")) {
      b.append(
          String.format(
              "collect, %d-event batches: %.0f events/s durable (goal ≥ %d: %s)",
              f.get("collectBatchEvents").asInt(),
              f.get("collectBatchEventsPerSecond").asDouble(),
              COLLECT_EVENTS_GOAL,
              f.path("collectBatchGoal").asBoolean() ? "MET" : "NOT MET"));
      if (f.has("collectBatchToCeiling")) {
        b.append(
            String.format(
                " = %.2f × the raw-insert ceiling (goal ≥ %.2f: %s)",
                f.path("collectBatchToCeiling").asDouble(),
                COLLECT_CEILING_GOAL,
                f.path("collectBatchCeilingGoal").asBoolean() ? "MET" : "NOT MET"));
      } else {
        b.append(" (no ceiling measured in this run)");
      }
      b.append(
          String.format(
              "; p99 %.1f ms; non-202 answers %d%n",
              f.get("collectBatchP99Micros").asLong() / 1000.0,
              f.path("collectBatchNon202").asLong()));
    }
    if (f.has("collectSingleRate")) {
      b.append(
          String.format(
              "collect, single events: %.0f req/s = %.2f × the trivial endpoint (goal ≥ %.2f: %s); p99 %.1f ms;"
                  + " non-202 answers %d%n",
              f.get("collectSingleRate").asDouble(),
              f.path("collectSingleToTrivial").asDouble(),
              COLLECT_SINGLE_GOAL,
              f.path("collectSingleGoal").asBoolean() ? "MET" : "NOT MET",
              f.get("collectSingleP99Micros").asLong() / 1000.0,
              f.path("collectSingleNon202").asLong()));
    }
    if (f.has("decideSaturationRate")) {
      b.append(
          String.format(
              "decide at saturation: %.0f/s = %.2f × the trivial endpoint (goal ≥ %.2f: %s)%n",
              f.get("decideSaturationRate").asDouble(),
              f.path("saturationToTrivial").asDouble(),
              SATURATION_GOAL,
              f.path("saturationGoal").asBoolean() ? "MET" : "NOT MET"));
    }
    if (f.has("sseConnections")) {
      b.append(
          String.format(
              "live streams: %d open streams, heap after GC %.0f MiB (%.1f KiB per stream; goal ≤ 1 GiB"
                  + " with 10,000: %s); beacon → client at %d beacons/s: %d of %d deliveries, p50 %.1f ms,"
                  + " p99 %.1f ms (goal ≤ %.0f ms: %s)%n",
              f.get("sseConnections").asInt(),
              f.get("sseHeapAfterBytes").asLong() / 1048576.0,
              f.get("sseHeapPerConnectionBytes").asDouble() / 1024,
              f.path("sseHeapGoal").asBoolean() ? "MET" : "NOT MET",
              f.get("sseRate").asInt(),
              f.get("sseDeliveries").asLong(),
              f.get("sseExpectedDeliveries").asLong(),
              f.get("sseP50Ms").asDouble(),
              f.get("sseP99Ms").asDouble(),
              SSE_P99_GOAL_MS,
              f.path("sseLatencyGoal").asBoolean() ? "MET" : "NOT MET"));
      if (f.has("sseAckP50Ms")) {
        b.append(
            String.format(
                "  … the beacon acknowledged (202, its row committed): p50 %.1f ms, p99 %.1f ms; the"
                    + " event published by the session: p50 %.1f ms, p99 %.1f"
                    + " ms%n",
                f.get("sseAckP50Ms").asDouble(),
                f.get("sseAckP99Ms").asDouble(),
                f.path("ssePublishedP50Ms").asDouble(),
                f.path("ssePublishedP99Ms").asDouble()));
      }
    }
    if (f.has("memorySessions")) {
      b.append(
          String.format(
              "memory: %d new live sessions (+%d fingerprints): %.0f bytes of heap per live session"
                  + " (goal ≤ %.0f: %s); new sessions answered at %.0f/s%n",
              f.get("memorySessions").asInt(),
              f.get("memoryFingerprints").asInt(),
              f.get("memoryBytesPerSession").asDouble(),
              SESSION_HEAP_GOAL_BYTES,
              f.path("memoryGoal").asBoolean() ? "MET" : "NOT MET",
              f.get("memoryNewSessionsPerSecond").asDouble()));
    }
    if (f.has("ledgerCeilingRowsPerSecond")) {
      b.append(String.format("raw-insert ceiling (ai_requests):         %.0f rows/s%n", f.get("ledgerCeilingRowsPerSecond").asDouble()));
    }
    if (f.has("ledgerRowsPerSecond")) {
      b.append(
          String.format(
              "ledger, %d calls per request: %.0f rows/s durable = %.2f × the raw-insert ceiling (goal ≥ %.2f:"
                  + " %s); p99 %.1f ms; non-201 answers %d%n",
              f.get("ledgerBatchRows").asInt(),
              f.get("ledgerRowsPerSecond").asDouble(),
              f.path("ledgerToCeiling").asDouble(),
              LEDGER_CEILING_GOAL,
              f.path("ledgerGoal").asBoolean() ? "MET" : "NOT MET",
              f.get("ledgerP99Micros").asLong() / 1000.0,
              f.path("ledgerNon201").asLong()));
    }
    if (f.has("ledgerMinimalRowsPerSecond")) {
      b.append(
          String.format(
              "  … the same writes asking for the minimal answer (Prefer: return=minimal): %.0f rows/s"
                  + " = %.2f × the ceiling; p99 %.1f ms; non-201 answers %d%n",
              f.get("ledgerMinimalRowsPerSecond").asDouble(),
              f.path("ledgerMinimalToCeiling").asDouble(),
              f.get("ledgerMinimalP99Micros").asLong() / 1000.0,
              f.path("ledgerMinimalNon201").asLong()));
    }
    if (f.has("traceCalls")) {
      b.append(
          String.format(
              "trace lookup on %,d calls: %d lookups, p50 %.1f ms, p99 %.1f ms (goal ≤ %.0f ms: %s); non-200 %d%n",
              f.get("traceCalls").asLong(),
              f.get("traceLookups").asInt(),
              f.get("traceP50Ms").asDouble(),
              f.get("traceP99Ms").asDouble(),
              TRACE_P99_GOAL_MS,
              f.get("traceCalls").asLong() < 10_000_000L
                  ? "judged on 10,000,000 calls only"
                  : f.path("traceGoal").asBoolean() ? "MET" : "NOT MET",
              f.path("traceNon200").asInt()));
    }
    String[][] perUnit = {
      {"ceiling", "raw insert into engagement_events, per row"},
      {"collectBatch", "collect, 10-event batches, per event"},
      {"collectSingle", "collect, single events, per event"},
      {"decideSaturation", "decide at saturation, per answer"},
      {"ledgerCeiling", "raw insert into ai_requests, per row"},
      {"ledger", "ledger, per row"},
      {"ledgerMinimal", "ledger, minimal answer, per row"},
    };
    StringBuilder units = new StringBuilder();
    for (String[] u : perUnit) {
      if (f.has(u[0] + "PgMicrosPerUnit")) {
        units.append(
            String.format(
                "  %-42s %8.1f %8.1f%n",
                u[1],
                f.get(u[0] + "PgMicrosPerUnit").asDouble(),
                f.get(u[0] + "VigilMicrosPerUnit").asDouble()));
      }
    }
    if (units.length() > 0) {
      b.append(String.format("CPU per unit, µs of one core: %20s %8s %8s%n", "", "postgres", "vigil"))
          .append(units);
    }
    return b.toString();
  }

  /**
   * A ledger answer's phase: the phase of that name, or its windows {@code name 1} and {@code name
   * 2} added up (requests, statuses, seconds; CPU weighted by each window's length; the p99 the
   * worse of the two, as percentiles do not add).
   */
  static JsonNode ledgerPhase(JsonNode summary, String name) {
    JsonNode whole = phase(summary, name);
    if (whole != null) {
      return whole;
    }
    List<JsonNode> parts = new ArrayList<>();
    for (String n : List.of(name + " 1", name + " 2")) {
      JsonNode p = phase(summary, n);
      if (p != null) {
        parts.add(p);
      }
    }
    if (parts.isEmpty()) {
      return null;
    }
    long requests = 0;
    long created = 0;
    long p99 = 0;
    double seconds = 0;
    Map<String, Double> coreSeconds = new TreeMap<>();
    for (JsonNode p : parts) {
      double s = p.get("seconds").asDouble();
      requests += p.get("requests").asLong();
      created += p.path("statuses").path("201").asLong(0);
      p99 = Math.max(p99, p.get("latency").get("p99").asLong());
      seconds += s;
      p.path("cpuCores")
          .fields()
          .forEachRemaining(e -> coreSeconds.merge(e.getKey(), e.getValue().asDouble() * s, Double::sum));
    }
    ObjectNode sum = JSON.createObjectNode();
    sum.put("name", name);
    sum.put("requests", requests);
    sum.put("seconds", seconds);
    sum.put("ratePerSecond", requests / seconds);
    sum.putObject("statuses").put("201", created);
    sum.putObject("latency").put("p99", p99);
    ObjectNode cores = sum.putObject("cpuCores");
    double total = seconds;
    coreSeconds.forEach((k, v) -> cores.put(k, v / total));
    return sum;
  }

  /** A ledger phase's durable row rate (201s × rows per request), its tail and its ratio. */
  static void ledgerFigures(
      ObjectNode fig, String prefix, JsonNode ledger, int rowsPer, JsonNode ceiling) {
    if (ledger == null) {
      return;
    }
    long n = ledger.get("requests").asLong();
    long ok = ledger.path("statuses").path("201").asLong(0);
    double rows = n == 0 ? 0 : ledger.get("ratePerSecond").asDouble() * ok / n * rowsPer;
    fig.put(prefix + "RowsPerSecond", rows);
    fig.put("ledgerBatchRows", rowsPer);
    fig.put(prefix + "P99Micros", ledger.get("latency").get("p99").asLong());
    fig.put(prefix + "Non201", n - ok);
    perUnit(fig, prefix, ledger.path("cpuCores"), rows);
    if (ceiling != null) {
      fig.put(prefix + "ToCeiling", rows / ceiling.path("rowsPerSecond").asDouble());
    }
  }

  /**
   * One collector's table: per phase that has {@code key} (a {@link #gcOver} result), its pauses,
   * their share and length, the heap it allocated ({@code allocation}: one JVM's heap only) and
   * ZGC's allocation stalls; then the legend. Nothing when no phase has one.
   */
  static void gcTable(
      StringBuilder b, JsonNode phases, String key, String title, boolean allocation, String legend) {
    if (phases.findParent(key) == null) {
      return;
    }
    b.append(String.format("%-18s %6s %8s %8s %8s", title, "pauses", "paused", "mean ms", "max ms"));
    if (allocation) {
      b.append(String.format(" %9s %11s", "alloc MB", "KiB/request"));
    }
    b.append(String.format(" %6s %8s%n", "stalls", "max ms"));
    for (JsonNode p : phases) {
      JsonNode g = p.path(key);
      if (g.isMissingNode()) {
        continue;
      }
      b.append(
          String.format(
              "%-18s %6d %7.2f%% %8.1f %8.1f",
              p.get("name").asText(),
              g.get("pauses").asInt(),
              g.get("pausedShare").asDouble() * 100,
              g.get("meanPauseMs").asDouble(),
              g.get("maxPauseMs").asDouble()));
      if (allocation) {
        boolean known = g.get("allocatedMb").asLong() >= 0;
        b.append(
            String.format(
                " %9s %11s",
                known ? String.valueOf(g.get("allocatedMb").asLong()) : "-",
                known ? String.format("%.1f", g.get("allocatedKibPerRequest").asDouble()) : "-"));
      }
      b.append(String.format(" %6d %8.1f%n", g.path("stalls").asInt(), g.path("maxStallMs").asDouble()));
    }
    b.append(legend);
  }

  static String cores(JsonNode c, String key) {
    return c.has(key) ? String.format("%.2f", c.get(key).asDouble()) : "-";
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  // ---- several runs ----

  /** The figures a comparison shows: label, key in "figures", scale. */
  static final String[][] COMPARED = {
    {"trivial/s", "trivialRate", "1"},
    {"collect ev/s", "collectBatchEventsPerSecond", "1"},
    {"coll/ceil", "collectBatchToCeiling", "1"},
    {"single/triv", "collectSingleToTrivial", "1"},
    {"decide/s", "decideAchievedRate", "1"},
    {"dec p99 ms", "decideP99Micros", "0.001"},
    {"sat/triv", "saturationToTrivial", "1"},
    {"sse p99 ms", "sseP99Ms", "1"},
    {"B/session", "memoryBytesPerSession", "1"},
    {"ledger/ceil", "ledgerToCeiling", "1"},
    {"min/ceil", "ledgerMinimalToCeiling", "1"},
    {"trace p99", "traceP99Ms", "1"},
  };

  static String compare(List<Path> runs) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("\n==== ").append(runs.size()).append(" runs ====\n");
    b.append(String.format("%-18s", "run"));
    for (String[] c : COMPARED) {
      b.append(String.format(" %12s", c[0]));
    }
    b.append(String.format(" %11s%n", "load b/a"));
    List<double[]> rows = new ArrayList<>();
    for (Path run : runs) {
      JsonNode s = JSON.readTree(run.resolve("summary.json").toFile());
      JsonNode f = s.get("figures");
      double[] r = new double[COMPARED.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = f.has(COMPARED[i][1]) ? f.get(COMPARED[i][1]).asDouble() * Double.parseDouble(COMPARED[i][2]) : Double.NaN;
      }
      rows.add(r);
      JsonNode m = s.get("meta");
      b.append(line(run.getFileName().toString(), r))
          .append(String.format(" %s/%s%n", first(m.path("loadavg_before").asText()), first(m.path("loadavg_after").asText())));
    }
    double[] med = new double[COMPARED.length];
    for (int i = 0; i < med.length; i++) {
      final int k = i;
      double[] col = rows.stream().mapToDouble(r -> r[k]).filter(v -> !Double.isNaN(v)).sorted().toArray();
      med[i] = col.length == 0 ? Double.NaN
          : col.length % 2 == 1 ? col[col.length / 2] : (col[col.length / 2 - 1] + col[col.length / 2]) / 2;
    }
    b.append(line("median", med)).append('\n');
    b.append("(ratios are to the ceiling or trivial endpoint measured in the same run)\n");
    return b.toString();
  }

  static String first(String loadavg) {
    String[] p = loadavg.split("\\s+");
    return p.length > 0 ? p[0] : "";
  }

  static String line(String name, double[] r) {
    StringBuilder b = new StringBuilder(String.format("%-18s", name));
    for (double v : r) {
      b.append(Double.isNaN(v) ? String.format(" %12s", "-")
          : Math.abs(v) >= 100 ? String.format(" %12.0f", v) : String.format(" %12.2f", v));
    }
    return b.toString();
  }
}
