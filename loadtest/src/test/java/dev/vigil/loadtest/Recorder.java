package dev.vigil.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.gatling.javaapi.core.Session;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Microsecond-resolution latency and outcome counts per phase, next to Gatling's own report (whose
 * response times are whole milliseconds: too coarse for a 2 ms budget). A simulation stamps
 * {@link #START} with {@link System#nanoTime()} just before the request and calls {@link
 * #record} just after the response and its checks, on the same user; the difference is the
 * request's round trip as the client saw it, plus the few microseconds of Gatling's own check
 * processing.
 *
 * <p>Counts: HTTP status, and for a decision the {@code action} and every {@code reasons} entry of
 * the answer (so throttled answers and fail-open reasons such as {@code vigil_timeout:fail_open}
 * show up). Latencies go into a log-linear histogram: exact to the microsecond below 2,048 µs,
 * within 0.1 % above. Phase windows are first request sent → last response received, in epoch ms,
 * so the runner can line them up with its CPU samples.
 */
public final class Recorder {
  public static final String START = "bench.t0";
  public static final String STATUS = "bench.status";
  public static final String BODY = "bench.body";

  private static final long EPOCH_MS_AT_START = System.currentTimeMillis();
  private static final long NANO_AT_START = System.nanoTime();

  private final String simulation;
  private final Map<String, Phase> phases = new ConcurrentHashMap<>();
  private final List<String> order = new ArrayList<>();
  private final Map<String, Object> settings = new LinkedHashMap<>();

  public Recorder(String simulation) {
    this.simulation = simulation;
  }

  /** Declares a phase (reported in declaration order). */
  public synchronized Phase phase(String name) {
    order.add(name);
    return phases.computeIfAbsent(name, Phase::new);
  }

  /** Settings reported with the results (target rate, users, durations, …). */
  public synchronized Recorder setting(String key, Object value) {
    settings.put(key, value);
    return this;
  }

  static long epochMs(long nanos) {
    return EPOCH_MS_AT_START + (nanos - NANO_AT_START) / 1_000_000L;
  }

  /** Stamps the start of a request. */
  public static Session start(Session s) {
    return s.set(START, System.nanoTime());
  }

  /** One phase's figures. */
  public static final class Phase {
    final String name;
    final Histogram latency = new Histogram();
    final AtomicLong firstStartNanos = new AtomicLong(Long.MAX_VALUE);
    final LongAccumulator lastEndNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> actions = new ConcurrentHashMap<>();
    final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
    final LongAdder failures = new LongAdder();
    /** Responses per second since the JVM started (index = second), for the rate's steadiness. */
    final AtomicLongArray perSecond = new AtomicLongArray(3_600);

    Phase(String name) {
      this.name = name;
    }

    /** Records the request stamped on {@code s}; {@code decision} parses action and reasons. */
    public Session record(Session s, boolean decision) {
      long end = System.nanoTime();
      long start = s.getLong(START);
      firstStartNanos.accumulateAndGet(start, Math::min);
      lastEndNanos.accumulate(end);
      latency.add((end - start) / 1_000L);
      int second = (int) ((end - NANO_AT_START) / 1_000_000_000L);
      if (second >= 0 && second < perSecond.length()) {
        perSecond.incrementAndGet(second);
      }
      Session out = s.remove(START);
      if (s.contains(STATUS)) {
        count(statuses, String.valueOf(s.getInt(STATUS)));
        out = out.remove(STATUS);
      } else {
        // no status: the request failed before an answer (connection refused, reset, timeout)
        count(statuses, "none");
        failures.increment();
      }
      if (s.contains(BODY)) {
        if (decision) {
          outcome(s.getString(BODY));
        }
        out = out.remove(BODY);
      }
      return out;
    }

    private void outcome(String body) {
      if (body == null) {
        count(actions, "no_body");
        return;
      }
      String action = stringField(body, "\"action\":\"");
      count(actions, action == null ? "unparsed" : action);
      int r = body.indexOf("\"reasons\":[");
      if (r >= 0) {
        int from = r + "\"reasons\":[".length();
        int to = body.indexOf(']', from);
        if (to > from) {
          for (String reason : body.substring(from, to).split(",")) {
            String v = reason.trim();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
              count(reasons, v.substring(1, v.length() - 1));
            }
          }
        }
      }
    }

    private static String stringField(String body, String key) {
      int i = body.indexOf(key);
      if (i < 0) {
        return null;
      }
      int from = i + key.length();
      int to = body.indexOf('"', from);
      return to < 0 ? null : body.substring(from, to);
    }

    private static void count(Map<String, LongAdder> m, String key) {
      m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    Map<String, Object> toJson() {
      Map<String, Object> j = new LinkedHashMap<>();
      long n = latency.count();
      j.put("name", name);
      j.put("requests", n);
      if (n == 0) {
        return j;
      }
      long startMs = epochMs(firstStartNanos.get());
      long endMs = epochMs(lastEndNanos.get());
      double seconds = (lastEndNanos.get() - firstStartNanos.get()) / 1e9;
      j.put("startEpochMs", startMs);
      j.put("endEpochMs", endMs);
      j.put("seconds", round(seconds, 3));
      j.put("ratePerSecond", round(n / seconds, 1));
      Map<String, Object> lat = new LinkedHashMap<>();
      lat.put("unit", "microseconds");
      lat.put("min", latency.min());
      lat.put("mean", round(latency.mean(), 1));
      lat.put("p50", latency.percentile(50));
      lat.put("p90", latency.percentile(90));
      lat.put("p95", latency.percentile(95));
      lat.put("p99", latency.percentile(99));
      lat.put("p99.9", latency.percentile(99.9));
      lat.put("max", latency.max());
      lat.put("over1ms", latency.countAbove(1_000));
      lat.put("over2ms", latency.countAbove(2_000));
      lat.put("over10ms", latency.countAbove(10_000));
      j.put("latency", lat);
      j.put("failures", failures.sum());
      j.put("statuses", sums(statuses));
      if (!actions.isEmpty()) {
        j.put("actions", sums(actions));
        j.put("reasons", sums(reasons));
      }
      // whole seconds strictly inside the window, to show how steady the rate was
      int first = (int) ((firstStartNanos.get() - NANO_AT_START) / 1_000_000_000L) + 1;
      int last = (int) ((lastEndNanos.get() - NANO_AT_START) / 1_000_000_000L) - 1;
      List<Long> secs = new ArrayList<>();
      for (int i = Math.max(0, first); i <= last && i < perSecond.length(); i++) {
        secs.add(perSecond.get(i));
      }
      j.put("perSecond", secs);
      return j;
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
      Map<String, Long> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Writes {@code <outDir>/<simulation>.json}. */
  public synchronized void write() {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("simulation", simulation);
    j.put("settings", settings);
    List<Object> list = new ArrayList<>();
    for (String name : order) {
      list.add(phases.get(name).toJson());
    }
    j.put("phases", list);
    Path out = BenchConfig.outDir().resolve(simulation + ".json");
    try {
      Files.createDirectories(out.getParent());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), j);
      System.out.println("bench: wrote " + out.toAbsolutePath());
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + out, e);
    }
  }

  /**
   * A lock-free log-linear histogram of non-negative longs: values below 2,048 each have a bucket;
   * above, every power of two is split into 1,024 buckets (≤ 0.1 % error; a bucket reports its
   * upper bound, so percentiles never flatter).
   */
  static final class Histogram {
    private static final int SUB = 1_024;
    private static final int LINEAR = 2 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(LINEAR + 53 * SUB);
    private final LongAdder n = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator min = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    void add(long v) {
      long x = Math.max(0, v);
      counts.incrementAndGet(index(x));
      n.increment();
      sum.add(x);
      min.accumulate(x);
      max.accumulate(x);
    }

    static int index(long v) {
      if (v < LINEAR) {
        return (int) v;
      }
      int e = 63 - Long.numberOfLeadingZeros(v); // ≥ 11
      int shift = e - 10;
      int sub = (int) (v >>> shift); // in [1024, 2048)
      return LINEAR + (e - 11) * SUB + (sub - SUB);
    }

    /** The largest value that falls into bucket {@code i}. */
    static long upper(int i) {
      if (i < LINEAR) {
        return i;
      }
      int e = (i - LINEAR) / SUB + 11;
      int sub = (i - LINEAR) % SUB + SUB;
      int shift = e - 10;
      return (((long) sub + 1) << shift) - 1;
    }

    long count() {
      return n.sum();
    }

    double mean() {
      long c = n.sum();
      return c == 0 ? 0 : (double) sum.sum() / c;
    }

    long min() {
      return n.sum() == 0 ? 0 : min.get();
    }

    long max() {
      return max.get();
    }

    long percentile(double p) {
      long total = n.sum();
      if (total == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(p / 100.0 * total);
      long seen = 0;
      for (int i = 0; i < counts.length(); i++) {
        seen += counts.get(i);
        if (seen >= rank) {
          return Math.min(upper(i), max.get());
        }
      }
      return max.get();
    }

    long countAbove(long v) {
      long c = 0;
      for (int i = index(v) + 1; i < counts.length(); i++) {
        c += counts.get(i);
      }
      return c;
    }
  }
}
