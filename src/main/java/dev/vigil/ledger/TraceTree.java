package dev.vigil.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
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
  /**
   * Levels of the timeline at most. A chain of spans can be thousands deep (an agent whose every
   * call is the child of the one before), and Jackson refuses to write JSON nested more than 1,000
   * deep, two per level here. The rows at this level and below follow, in start order, as the
   * children of their ancestor one level up.
   */
  public static final int MAX_DEPTH = 64;

  private static final Comparator<Node> START_ORDER =
      Comparator.comparing(Node::startedAt).thenComparing(Node::kind).thenComparing(Node::id);

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
    flat.sort(START_ORDER);
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
    capDepth(roots);
    return roots;
  }

  /** Lists the rows at {@link #MAX_DEPTH} and below as children of their ancestor one level up. */
  private static void capDepth(List<Node> roots) {
    Deque<Node> level = new ArrayDeque<>(roots);
    for (int depth = 1; depth < MAX_DEPTH - 1 && !level.isEmpty(); depth++) {
      Deque<Node> next = new ArrayDeque<>();
      level.forEach(n -> next.addAll(n.children()));
      level = next;
    }
    for (Node deepest : level) {
      List<Node> below = new ArrayList<>();
      Deque<Node> pending = new ArrayDeque<>(deepest.children());
      while (!pending.isEmpty()) {
        Node n = pending.pop();
        below.add(n);
        if (!n.children().isEmpty()) {
          pending.addAll(n.children());
          n.children().clear();
        }
      }
      if (!below.isEmpty()) {
        below.sort(START_ORDER);
        deepest.children().clear();
        deepest.children().addAll(below);
      }
    }
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
