package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A trace's rows become a nested, ordered timeline and one summary row. */
class TraceTreeTest {
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  static AiRequestView call(
      String id, String parentSpan, int startSec, String status, long cost, boolean synthetic) {
    return new AiRequestView(
        id,
        "tr-1",
        id,
        parentSpan,
        "default",
        "u-1",
        null,
        "task-1",
        null,
        null,
        "planner",
        null,
        "anthropic",
        "claude-sonnet-4-5",
        null,
        null,
        "agent",
        false,
        synthetic,
        100,
        50,
        10,
        5,
        1,
        0,
        status,
        null,
        null,
        1000,
        200,
        T0.plusSeconds(startSec),
        T0.plusSeconds(startSec + 1),
        cost,
        0,
        "v1",
        "claude-sonnet-4-5",
        true,
        null,
        null,
        null,
        null,
        T0);
  }

  static ToolExecutionView run(String id, String parentSpan, int startSec, String status) {
    return new ToolExecutionView(
        id,
        "tr-1",
        id,
        parentSpan,
        null,
        "default",
        "search",
        "mcp-web",
        "u-1",
        null,
        "task-1",
        "planner",
        status,
        null,
        T0.plusSeconds(startSec),
        2000,
        T0.plusSeconds(startSec + 2),
        false,
        null,
        null,
        T0);
  }

  @Test
  void nestsASubagentsCallsAndToolRunsUnderItsParentsSpan() {
    // parent call A spawns a subagent through tool run T; the subagent's calls S1, S2 run under T,
    // S1 runs a tool; the parent then answers with A2
    List<AiRequestView> calls =
        List.of(
            call("A", null, 0, "completed", 100, false),
            call("S2", "T", 5, "completed", 10, false),
            call("S1", "T", 2, "completed", 10, false),
            call("A2", null, 9, "completed", 50, false));
    List<ToolExecutionView> runs =
        List.of(run("T", "A", 1, "success"), run("T2", "S1", 3, "failed"));

    List<TraceTree.Node> roots = TraceTree.timeline(calls, runs, List.of());

    assertThat(roots).extracting(TraceTree.Node::id).containsExactly("A", "A2");
    TraceTree.Node t = roots.get(0).children().get(0);
    assertThat(t.id()).isEqualTo("T");
    assertThat(t.children()).extracting(TraceTree.Node::id).containsExactly("S1", "S2");
    assertThat(t.children().get(0).children()).extracting(TraceTree.Node::id).containsExactly("T2");
  }

  @Test
  void keepsRowsWithAnUnknownParentOrACycleAtTheTop() {
    List<AiRequestView> calls =
        List.of(
            call("X", "elsewhere", 0, "completed", 1, false),
            call("P", "Q", 1, "completed", 1, false),
            call("Q", "P", 2, "completed", 1, false));

    List<TraceTree.Node> roots = TraceTree.timeline(calls, List.of(), new ArrayList<>());

    assertThat(roots).extracting(TraceTree.Node::id).contains("X").hasSize(2);
    assertThat(count(roots)).isEqualTo(3);
  }

  @Test
  void aChainDeeperThanTheLimitIsListedUnderItsDeepestShownCallAndCanBeWritten() throws Exception {
    // an agent whose every call is the child of the one before: 600 levels
    List<AiRequestView> calls = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      calls.add(call("c" + i, i == 0 ? null : "c" + (i - 1), i, "completed", 1, false));
    }

    List<TraceTree.Node> roots = TraceTree.timeline(calls, List.of(), List.of());

    // every call is there, nested no deeper than the limit
    assertThat(count(roots)).isEqualTo(600);
    assertThat(depth(roots)).isEqualTo(TraceTree.MAX_DEPTH);
    TraceTree.Node lastParent = roots.get(0);
    for (int level = 1; level < TraceTree.MAX_DEPTH - 1; level++) {
      lastParent = lastParent.children().get(0);
    }
    // the calls from the deepest level on follow as the children of the one above, in start order
    assertThat(lastParent.id()).isEqualTo("c" + (TraceTree.MAX_DEPTH - 2));
    assertThat(lastParent.children())
        .extracting(TraceTree.Node::id)
        .startsWith("c" + (TraceTree.MAX_DEPTH - 1), "c" + TraceTree.MAX_DEPTH)
        .endsWith("c599")
        .hasSize(600 - (TraceTree.MAX_DEPTH - 1));
    // and the answer can be written: Jackson refuses JSON nested more than 1,000 deep
    assertThat(dev.vigil.http.Json.MAPPER.writeValueAsString(roots)).contains("\"c599\"");
  }

  private static int depth(List<TraceTree.Node> nodes) {
    return nodes.stream().mapToInt(n -> 1 + depth(n.children())).max().orElse(0);
  }

  private static int count(List<TraceTree.Node> nodes) {
    return nodes.stream().mapToInt(n -> 1 + count(n.children())).sum();
  }

  @Test
  void summarisesTokensCostLatencyAndStatusWithoutSyntheticRows() {
    List<AiRequestView> calls =
        List.of(
            call("A", null, 0, "completed", 100, false),
            call("B", "A", 2, "failed", 30, false),
            call("C", "A", 4, "completed", 999, true));
    List<ToolExecutionView> runs = List.of(run("T", "A", 1, "timeout"));

    TraceTree.Summary s =
        TraceTree.summary(calls, runs, T0.plusSeconds(3600), Duration.ofMinutes(2));

    assertThat(s.requests()).isEqualTo(2);
    assertThat(s.syntheticRequests()).isEqualTo(1);
    assertThat(s.costMicrodollars()).isEqualTo(130);
    assertThat(s.tokens()).isEqualTo(new TraceTree.Tokens(200, 100, 20, 10, 2, 332));
    assertThat(s.latencyMsSum()).isEqualTo(2000);
    assertThat(s.toolRuns()).isEqualTo(1);
    assertThat(s.toolDurationMsSum()).isEqualTo(2000);
    assertThat(s.failures()).isEqualTo(2);
    assertThat(s.wallClockMs()).isEqualTo(5000); // 10:00:00 to C's end at 10:00:05
    assertThat(s.status()).isEqualTo("failed");
    assertThat(TraceTree.summary(calls, runs, T0.plusSeconds(30), Duration.ofMinutes(2)).status())
        .isEqualTo("running");
    assertThat(
            TraceTree.summary(
                    List.of(call("A", null, 0, "completed", 1, false)),
                    List.of(),
                    T0.plusSeconds(3600),
                    Duration.ofMinutes(2))
                .status())
        .isEqualTo("completed");
  }
}
