package dev.vigil.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a decision's time inside Vigil went, from the flight recording run-bench.sh takes with
 * {@code DECIDE_STAGES=1}: Vigil's {@code vigil.DecisionStage} events joined by trace number into
 * the six parts of one decision, for the decisions that started inside one phase:
 *
 * <ol>
 *   <li>{@code prepare}: the decider's own work before it asks (fingerprint, user agent, rules);
 *   <li>{@code to session}: from there until the session entity starts on it: the ask, the shard
 *       region, the shard and the entity's mailbox, and, when the entity is not live or is
 *       persisting, its recovery or the wait behind the journal write (the bench's sessions are
 *       all live before it measures);
 *   <li>{@code session}: the session entity's handling;
 *   <li>{@code to fingerprint}: the same way again to the fingerprint entity;
 *   <li>{@code fingerprint}: the fingerprint entity's handling, until it answers;
 *   <li>{@code answer}: from its answer until the edge's call has it back.
 * </ol>
 *
 * <p>Decisions whose entities answered only after the edge had given up (the decide timeout) are
 * counted apart. Next to the parts, the same percentiles of the {@code vigil.HttpRequest} events
 * of {@code /v1/decide} in the phase: from the routes' first look at a request until its response
 * is made (authentication, parsing, the decision, the answer's JSON). What the client's latency
 * adds to that is the connection's reading and writing and the load generator. For the decisions
 * over a threshold it counts those that overlap a collector's pause, a VM operation at a safepoint
 * or a wait to reach one of 1 ms or more, and, for the rest, which part was the largest.
 *
 * <pre>  DecideStages RUN_DIR [phase, default "decide"] [slow threshold in µs, default 2000]</pre>
 */
public final class DecideStages {
  static final String[] PARTS = {
    "prepare", "to session", "session", "to fingerprint", "fingerprint", "answer"
  };

  /** How far beyond the phase a stage of one of its decisions is looked for: the decide timeout. */
  private static final long MARGIN_NS = 5_000_000_000L;

  public static void main(String[] args) throws IOException {
    Locale.setDefault(Locale.ROOT);
    Path run = Path.of(args[0]);
    String phaseName = args.length > 1 ? args[1] : "decide";
    long slowUs = args.length > 2 ? Long.parseLong(args[2]) : 2000;
    JsonNode clientPhase = JfrTop.phase(run, phaseName);
    if (clientPhase == null) {
      System.out.printf("no phase \"%s\" with a time window in %s%n", phaseName, run);
      return;
    }
    Instant from = Instant.ofEpochMilli(clientPhase.get("startEpochMs").asLong());
    Instant to = Instant.ofEpochMilli(clientPhase.get("endEpochMs").asLong());
    // Only events near the phase are kept (a stage of a decision that started in it may end a
    // decide timeout later), as start and end in epoch nanoseconds: a run records millions.
    long lo = nanos(from) - MARGIN_NS;
    long hi = nanos(to) + MARGIN_NS;
    Map<Long, long[]> traces = new HashMap<>(); // per trace: start and end of the 4 stages
    int collisions = 0;
    List<long[]> pauses = new ArrayList<>();
    List<Long> routes = new ArrayList<>();
    int gcPauses = 0;
    int vmOperations = 0;
    int syncs = 0;
    try (RecordingFile rf = new RecordingFile(run.resolve("vigil.jfr"))) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        long start = nanos(e.getStartTime());
        long end = nanos(e.getEndTime());
        if (end < lo || start > hi) {
          continue;
        }
        boolean inPhase = start >= nanos(from) && start < nanos(to);
        boolean long1ms = end - start >= 1_000_000;
        switch (e.getEventType().getName()) {
          case "vigil.DecisionStage" -> {
            int slot =
                switch (e.getString("stage")) {
                  case "decide" -> 0;
                  case "session" -> 1;
                  case "fingerprint" -> 2;
                  case "prepare" -> 3;
                  default -> -1;
                };
            if (slot >= 0) {
              long[] t = traces.computeIfAbsent(e.getLong("trace"), k -> new long[8]);
              if (t[2 * slot] != 0) {
                collisions++; // a stage seen twice: traces of two nodes met (see DecisionStage)
              }
              t[2 * slot] = start;
              t[2 * slot + 1] = end;
            }
          }
          case "vigil.HttpRequest" -> {
            if ("/v1/decide".equals(e.getString("route")) && inPhase) {
              routes.add(end - start);
            }
          }
          case "jdk.GCPhasePause" -> {
            pauses.add(new long[] {start, end});
            gcPauses += inPhase ? 1 : 0;
          }
          case "jdk.ExecuteVMOperation" -> {
            if (long1ms && e.getBoolean("safepoint")) {
              pauses.add(new long[] {start, end});
              vmOperations += inPhase ? 1 : 0;
            }
          }
          case "jdk.SafepointBegin" -> {
            if (long1ms) { // reaching the safepoint (the operation itself is the event above)
              pauses.add(new long[] {start, end});
              syncs += inPhase ? 1 : 0;
            }
          }
          default -> {}
        }
      }
    }

    List<long[]> decisions = new ArrayList<>(); // the six parts and the total, in nanoseconds
    List<long[]> spans = new ArrayList<>();
    int incomplete = 0;
    int late = 0;
    for (long[] t : traces.values()) {
      long decideStart = t[0];
      long decideEnd = t[1];
      if (decideStart < nanos(from) || decideStart >= nanos(to)) {
        continue;
      }
      if (t[2] == 0 || t[4] == 0 || t[6] == 0) {
        incomplete++; // an entity never got it in time, or it lives on another node
        continue;
      }
      if (t[5] > decideEnd) {
        late++; // answered after the edge gave up (the decide timeout): not a part of an answer
        continue;
      }
      long prepareEnd = t[7];
      long sessionStart = t[2];
      long sessionEnd = t[3];
      long fingerprintStart = t[4];
      long fingerprintEnd = t[5];
      decisions.add(
          new long[] {
            prepareEnd - t[6],
            sessionStart - prepareEnd,
            sessionEnd - sessionStart,
            fingerprintStart - sessionEnd,
            fingerprintEnd - fingerprintStart,
            decideEnd - fingerprintEnd,
            decideEnd - decideStart
          });
      spans.add(new long[] {decideStart, decideEnd});
    }
    int n = decisions.size();
    System.out.printf(
        "decisions traced in phase \"%s\": %d answered with all four stages; %d without them all,"
            + " %d answered by the entities after the edge's timeout%s%n",
        phaseName,
        n,
        incomplete,
        late,
        collisions == 0 ? "" : "; " + collisions + " stages seen twice (traces of two nodes)");
    if (n == 0) {
      return;
    }
    if (clientPhase.has("latency")) {
      JsonNode l = clientPhase.get("latency");
      System.out.printf(
          "the client's latency (with HTTP and the load generator around it): p50 %s  p90 %s  p99"
              + " %s  p99.9 %s  max %s µs; over 2 ms: %s of %s%n",
          l.path("p50").asText("-"),
          l.path("p90").asText("-"),
          l.path("p99").asText("-"),
          l.path("p99.9").asText("-"),
          l.path("max").asText("-"),
          l.path("over2ms").asText("-"),
          clientPhase.path("requests").asText("-"));
    }
    System.out.printf(
        "%n%-15s %8s %8s %8s %8s %9s %9s %8s%n",
        "part (µs)", "p50", "p90", "p99", "p99.9", "max", "mean", "share");
    int totalColumn = PARTS.length;
    double total = mean(decisions, totalColumn);
    for (int i = 0; i <= PARTS.length; i++) {
      row(
          i < PARTS.length ? PARTS[i] : "the decider",
          column(decisions, i),
          String.format("%7.1f%%", 100.0 * mean(decisions, i) / total));
    }
    if (!routes.isEmpty()) {
      row(
          "/v1/decide",
          routes.stream().mapToLong(Long::longValue).sorted().toArray(),
          "  (" + routes.size() + " requests in the routes, the decider included)");
    }

    System.out.printf(
        "%nin the phase: %d collector pauses; %d VM operations at a safepoint and %d waits to reach"
            + " one, of 1 ms or more (collections' included)%n",
        gcPauses, vmOperations, syncs);
    List<Integer> slow = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (decisions.get(i)[totalColumn] > slowUs * 1000) {
        slow.add(i);
      }
    }
    System.out.printf(
        "decisions over %d µs in the decider: %d (%.2f %%)%n",
        slowUs, slow.size(), 100.0 * slow.size() / n);
    if (slow.isEmpty()) {
      return;
    }
    int paused = 0;
    Map<String, Integer> largest = new TreeMap<>();
    double[] sums = new double[PARTS.length];
    int unpaused = 0;
    for (int i : slow) {
      long[] w = spans.get(i);
      if (pauses.stream().anyMatch(p -> p[0] < w[1] && p[1] > w[0])) {
        paused++;
        continue;
      }
      unpaused++;
      long[] d = decisions.get(i);
      int top = 0;
      for (int k = 0; k < PARTS.length; k++) {
        sums[k] += d[k];
        if (d[k] > d[top]) {
          top = k;
        }
      }
      largest.merge(PARTS[top], 1, Integer::sum);
    }
    System.out.printf(
        "  overlapping a pause or safepoint: %d; the other %d, by their largest part:%n",
        paused, unpaused);
    for (int k = 0; k < PARTS.length; k++) {
      System.out.printf(
          "    %-15s %6d  (mean %.0f µs of their time)%n",
          PARTS[k],
          largest.getOrDefault(PARTS[k], 0),
          unpaused == 0 ? 0.0 : sums[k] / unpaused / 1000);
    }
  }

  /** One table row: percentiles and maximum of sorted nanoseconds, in µs, then the mean. */
  static void row(String label, long[] sorted, String tail) {
    System.out.printf(
        "%-15s %8.0f %8.0f %8.0f %8.0f %9.0f %9.1f %s%n",
        label,
        pct(sorted, 0.50) / 1000.0,
        pct(sorted, 0.90) / 1000.0,
        pct(sorted, 0.99) / 1000.0,
        pct(sorted, 0.999) / 1000.0,
        sorted[sorted.length - 1] / 1000.0,
        Arrays.stream(sorted).average().orElse(0) / 1000.0,
        tail);
  }

  static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  static long[] column(List<long[]> rows, int i) {
    long[] v = new long[rows.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = rows.get(k)[i];
    }
    Arrays.sort(v);
    return v;
  }

  static double mean(List<long[]> rows, int i) {
    double s = 0;
    for (long[] r : rows) {
      s += r[i];
    }
    return s / rows.size();
  }

  /** The nearest-rank percentile of sorted values. */
  static long pct(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
