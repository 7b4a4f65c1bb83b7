package dev.vigil.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds a trace's answer from its rows: the timeline as a tree (a row whose parent span is another
 * row's span is nested under it, so a subagent's calls sit under the parent's span; every level in
 * start order) and the summary. Synthetic rows are shown, flagged, but count in no figure.
 */
public final class TraceTree {
  private TraceTree() {}

  /** One node of the timeline: a model call, a tool run or an anomaly, with its children. */
  public record Node(
      String kind,
      String id,
      String spanId,
      String parentSpanId,
      Instant startedAt,
      Instant endedAt,
      Object row,
      List<Node> children) {}

  /** Tokens of the trace's calls by kind. */
  public record Tokens(
      long input, long output, long cacheRead, long cacheWrite5m, long cacheWrite1h, long total) {
    public static Tokens of(long input, long output, long read, long write5m, long write1h) {
      return new Tokens(
          input, output, read, write5m, write1h, input + output + read + write5m + write1h);
    }
  }

  /** The trace's summary row. */
  public record Summary(
      int requests,
      int syntheticRequests,
      int toolRuns,
      int failures,
      int rejected,
      int unpricedRequests,
      Tokens tokens,
      long webSearchRequests,
      long costMicrodollars,
      long webSearchMicrodollars,
      long reportedCostMicrodollars,
      long latencyMsSum,
      long toolDurationMsSum,
      Instant startedAt,
      Instant endedAt,
      Long wallClockMs,
      String status,
      List<String> agents,
      List<String> models) {}

  public static List<Node> timeline(
      List<AiRequestView> calls, List<ToolExecutionView> runs, List<Node> others) {
    List<Node> flat = new ArrayList<>();
    for (AiRequestView r : calls) {
      flat.add(
          new Node(
              "ai_request",
              r.requestId(),
              r.spanId(),
              r.parentSpanId(),
              r.startedAt(),
              r.endedAt(),
              r,
              new ArrayList<>()));
    }
    for (ToolExecutionView t : runs) {
      flat.add(
          new Node(
              "tool_execution",
              t.executionId(),
              t.spanId(),
              t.parentSpanId(),
              t.startedAt(),
              t.endedAt(),
              t,
              new ArrayList<>()));
    }
    flat.addAll(others);
    flat.sort(
        Comparator.comparing(Node::startedAt).thenComparing(Node::kind).thenComparing(Node::id));
    Map<String, Node> bySpan = new HashMap<>();
    Map<Node, Node> parentOf = new IdentityHashMap<>(); // nodes change as children are added
    for (Node n : flat) {
      if (n.spanId() != null) {
        bySpan.putIfAbsent(n.spanId(), n);
      }
    }
    List<Node> roots = new ArrayList<>();
    for (Node n : flat) {
      Node parent = n.parentSpanId() == null ? null : bySpan.get(n.parentSpanId());
      if (parent != null && parent != n && !isAncestor(n, parent, parentOf)) {
        parentOf.put(n, parent);
        parent.children().add(n);
      } else {
        roots.add(n);
      }
    }
    return roots;
  }

  /** Whether {@code candidate} is {@code node} or above it (a cycle of parent spans). */
  private static boolean isAncestor(Node candidate, Node node, Map<Node, Node> parentOf) {
    for (Node n = node; n != null; n = parentOf.get(n)) {
      if (n == candidate) {
        return true;
      }
    }
    return false;
  }

  public static Summary summary(
      List<AiRequestView> calls,
      List<ToolExecutionView> runs,
      Instant now,
      Duration runningWindow) {
    int requests = 0;
    int synthetic = 0;
    int failures = 0;
    int rejected = 0;
    int unpriced = 0;
    long in = 0, out = 0, read = 0, w5 = 0, w1 = 0, web = 0, cost = 0, webCost = 0, reported = 0;
    long latency = 0;
    Instant start = null;
    Instant end = null;
    TreeSet<String> agents = new TreeSet<>();
    TreeSet<String> models = new TreeSet<>();
    for (AiRequestView r : calls) {
      start = min(start, r.startedAt());
      end = max(end, r.endedAt() != null ? r.endedAt() : r.startedAt());
      if (r.synthetic()) {
        synthetic++;
        continue;
      }
      requests++;
      failures += r.status().equals("failed") ? 1 : 0;
      rejected += r.status().equals("rejected") ? 1 : 0;
      unpriced += r.priced() ? 0 : 1;
      in += r.inputTokens();
      out += r.outputTokens();
      read += r.cacheReadTokens();
      w5 += r.cacheWrite5mTokens();
      w1 += r.cacheWrite1hTokens();
      web += r.webSearchRequests();
      cost += r.costMicrodollars();
      webCost += r.webSearchMicrodollars();
      reported += r.reportedCostMicrodollars() == null ? 0 : r.reportedCostMicrodollars();
      latency += r.latencyMs() == null ? 0 : r.latencyMs();
      if (r.agent() != null) {
        agents.add(r.agent());
      }
      models.add(r.model());
    }
    int toolRuns = 0;
    long toolDuration = 0;
    for (ToolExecutionView t : runs) {
      start = min(start, t.startedAt());
      end = max(end, t.endedAt() != null ? t.endedAt() : t.startedAt());
      if (t.synthetic()) {
        continue;
      }
      toolRuns++;
      failures += t.status().equals("failed") || t.status().equals("timeout") ? 1 : 0;
      rejected += t.status().equals("denied") ? 1 : 0;
      toolDuration += t.durationMs() == null ? 0 : t.durationMs();
      if (t.agent() != null) {
        agents.add(t.agent());
      }
    }
    String status;
    if (end != null && end.plus(runningWindow).isAfter(now)) {
      status = "running"; // calls may still be coming: the agent was active a moment ago
    } else {
      status = failures > 0 ? "failed" : "completed";
    }
    return new Summary(
        requests,
        synthetic,
        toolRuns,
        failures,
        rejected,
        unpriced,
        Tokens.of(in, out, read, w5, w1),
        web,
        cost,
        webCost,
        reported,
        latency,
        toolDuration,
        start,
        end,
        start == null ? null : Duration.between(start, end).toMillis(),
        status,
        List.copyOf(agents),
        List.copyOf(models));
  }

  private static Instant min(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  private static Instant max(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }
}
