package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.http.Json;
import dev.vigil.stream.LiveEvents;
import dev.vigil.stream.SiteEvent;
import dev.vigil.testkit.Await;
import dev.vigil.testkit.BusyBlockingDispatcher;
import dev.vigil.testkit.HttpTestClient;
import dev.vigil.testkit.HttpTestClient.Reply;
import dev.vigil.testkit.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ledger on a running node over HTTP: calls and tool runs stored before the answer and priced
 * from the card, repeats counted once, a parent agent with a subagent returned as one nested trace
 * from any of its ids, privacy tiers, synthetic rows left out of every figure, and a budget
 * crossing that opens the anomaly, is published and flips the budget check to deny.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LedgerIT {
  private ConnectionInfo db;
  private TestNode node;
  private HttpTestClient http;
  private String serverKey;
  private String admin;
  private String tier2Key;
  private String tier3Key;
  private final HttpClient raw = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    // calls wait up to 100 ms for a shared flush, so writes sent at once share one (as under load)
    node = TestNode.start(Map.of("vigil.writer.tables.ai_requests.max-batch-delay", "100ms"));
    db = node.db();
    http = node.http();
    serverKey = node.serverKey();
    admin = node.adminToken();
    tier2Key = newSite("tier2", 2);
    tier3Key = newSite("tier3", 3);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void storesACallPricedFromTheCardAndCountsARepeatOnce() throws Exception {
    String agent = "agent-" + unique();
    ObjectNode call = call(unique(), agent);
    // sonnet 4.5: 1,000 in × 3 + 500 out × 15 + 20,000 read × 0.30 + 4,000 5m × 3.75
    // + 2,000 1h × 6 = 43,500 µ$, and 3 searches × 10,000 µ$
    call.put("model", "claude-sonnet-4-5-20250929")
        .put("inputTokens", 1000)
        .put("outputTokens", 500)
        .put("cacheReadTokens", 20_000)
        .put("cacheWrite5mTokens", 4000)
        .put("cacheWrite1hTokens", 2000)
        .put("webSearchRequests", 3);

    Reply first = post("/v1/ai/requests", serverKey, call);

    assertThat(first.status()).isEqualTo(201);
    JsonNode row = first.json().path("row");
    assertThat(first.json().path("duplicate").asBoolean()).isFalse();
    assertThat(row.path("costMicrodollars").asLong()).isEqualTo(73_500);
    assertThat(row.path("webSearchMicrodollars").asLong()).isEqualTo(30_000);
    assertThat(row.path("priced").asBoolean()).isTrue();
    assertThat(row.path("priceCard").asText()).isEqualTo("2026-11-22");
    assertThat(row.path("priceKey").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(count("ai_requests", "agent", agent)).isEqualTo(1); // committed before the 201

    // a retry with other numbers is answered with the stored row and stores nothing
    call.put("inputTokens", 999_999);
    Reply repeat = post("/v1/ai/requests", serverKey, call);
    assertThat(repeat.status()).isEqualTo(200);
    assertThat(repeat.json().path("duplicate").asBoolean()).isTrue();
    assertThat(repeat.json().path("row").path("inputTokens").asLong()).isEqualTo(1000);
    assertThat(repeat.json().path("row").path("costMicrodollars").asLong()).isEqualTo(73_500);

    // a batch: the stored call again, a new one, and the new one twice
    ObjectNode other = call(unique(), agent).put("model", "gpt-4o-mini").put("inputTokens", 1000);
    ArrayNode batch = Json.MAPPER.createArrayNode().add(call).add(other).add(other);
    Reply batchReply = post("/v1/ai/requests", serverKey, batch);
    assertThat(batchReply.status()).isEqualTo(201);
    assertThat(batchReply.json().path("created").asInt()).isEqualTo(1);
    assertThat(batchReply.json().path("duplicates").asInt()).isEqualTo(2);
    assertThat(batchReply.json().path("rows").findValuesAsText("duplicate"))
        .containsExactly("true", "false", "true");

    assertThat(count("ai_requests", "agent", agent)).isEqualTo(2);
    JsonNode costs = http.get("/v1/analytics/costs?agent=" + agent, admin).json();
    assertThat(costs.path("totals").path("requests").path("current").asLong()).isEqualTo(2);
    assertThat(costs.path("totals").path("costMicrodollars").path("current").asLong())
        .isEqualTo(73_500 + 150);
  }

  @Test
  void aFirstWriteIsAnsweredWithExactlyTheRowARepeatReadsBack() {
    // a first write is answered from memory, a repeat from the table: the two must agree on every
    // field, at every tier (excerpts), for times finer than PostgreSQL keeps, and for long texts
    String longPrompt = "p".repeat(1999) + "\uD83D\uDE00" + "tail"; // a pair across the cut
    Instant started = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.SECONDS);
    ZoneOffset plus2 = ZoneOffset.ofHours(2);
    for (var site :
        List.of(Map.entry(serverKey, 1), Map.entry(tier2Key, 2), Map.entry(tier3Key, 3))) {
      String id = "echo-" + site.getValue() + "-" + unique();
      ObjectNode call =
          call(id, "echo")
              .put("traceId", "trace-" + id)
              .put("parentSpanId", "parent-span")
              .put("sessionId", "session-1")
              .put("taskId", "task-1")
              .put("contextId", "context-1")
              .put("clientId", "client-1")
              .put("processRunId", "run-1")
              .put("requestedModel", "claude-sonnet-4-5")
              .put("costContext", "batch")
              .put("streaming", true)
              .put("outputTokens", 77)
              .put("cacheReadTokens", 5)
              .put("webSearchRequests", 2)
              .put("status", "failed")
              .put("errorType", "overloaded")
              .put("errorMessage", "try again")
              .put("timeToFirstTokenMs", 120)
              .put("startedAt", started.plusNanos(123_456_789).atOffset(plus2).toString())
              .put("endedAt", started.plusNanos(1_987_654_321).atOffset(plus2).toString())
              .put("reportedCostUsd", 0.25)
              .put("prompt", longPrompt)
              .put("completion", "an answer");
      ObjectNode unpriced = call(id + "-u", "echo").put("model", "no-such-model-1");
      ObjectNode run =
          tool(id + "-t", "read_file")
              .put("traceId", "trace-" + id)
              .put("aiRequestId", id)
              .put("userId", "user-1")
              .put("agent", "echo")
              .put("error", "none")
              .put("startedAt", started.plusNanos(999).toString());
      run.putObject("input").put("path", "/etc/hosts");
      run.put("output", longPrompt);
      ArrayNode calls = Json.MAPPER.createArrayNode().add(call).add(unpriced);

      Reply firstCalls = post("/v1/ai/requests", site.getKey(), calls);
      Reply firstRun = post("/v1/tools/executions", site.getKey(), run);
      Reply repeatCalls = post("/v1/ai/requests", site.getKey(), calls);
      Reply repeatRun = post("/v1/tools/executions", site.getKey(), run);

      assertThat(firstCalls.json().path("created").asInt()).isEqualTo(2);
      assertThat(repeatCalls.json().path("duplicates").asInt()).isEqualTo(2);
      assertThat(firstRun.json().path("duplicate").asBoolean()).isFalse();
      assertThat(repeatRun.json().path("duplicate").asBoolean()).isTrue();
      for (int i = 0; i < 2; i++) {
        assertThat(firstCalls.json().path("rows").path(i).path("row"))
            .as("call %d at tier %d", i, site.getValue())
            .isEqualTo(repeatCalls.json().path("rows").path(i).path("row"));
      }
      assertThat(firstRun.json().path("row")).isEqualTo(repeatRun.json().path("row"));
      assertThat(firstCalls.json().path("rows").path(0).path("row").path("startedAt").asText())
          .isEqualTo(started.plusNanos(123_456_000).toString());
    }
  }

  @Test
  void aMinimalAnswerNamesEachRowItsRepeatsAndItsCostAndStoresTheSame() throws Exception {
    String agent = "minimal-" + unique();
    ObjectNode stored = call(unique(), agent).put("inputTokens", 1000); // 3,000 µ$ (sonnet 4.5)
    post("/v1/ai/requests", serverKey, stored);
    stored.put("inputTokens", 999_999); // a retry's numbers are not the stored ones
    ObjectNode unpriced = call(unique(), agent).put("model", "no-such-model-2");
    ArrayNode batch = Json.MAPPER.createArrayNode().add(stored).add(unpriced);

    HttpResponse<String> minimal =
        postPreferring("/v1/ai/requests", serverKey, batch, "return=minimal");

    assertThat(minimal.statusCode()).isEqualTo(201);
    assertThat(minimal.headers().firstValue("Preference-Applied")).contains("return=minimal");
    JsonNode answer = Json.MAPPER.readTree(minimal.body());
    assertThat(answer.path("created").asInt()).isEqualTo(1);
    assertThat(answer.path("duplicates").asInt()).isEqualTo(1);
    assertThat(answer.path("rows")).hasSize(2);
    JsonNode repeat = answer.path("rows").path(0);
    assertThat(repeat.path("duplicate").asBoolean()).isTrue();
    assertThat(repeat.path("requestId").asText()).isEqualTo(stored.path("requestId").asText());
    assertThat(repeat.path("costMicrodollars").asLong()).isEqualTo(3_000); // the stored cost
    assertThat(repeat.path("priced").asBoolean()).isTrue();
    assertThat(repeat.has("row")).isFalse();
    JsonNode created = answer.path("rows").path(1);
    assertThat(created.path("duplicate").asBoolean()).isFalse();
    assertThat(created.path("requestId").asText()).isEqualTo(unpriced.path("requestId").asText());
    assertThat(created.path("costMicrodollars").asLong()).isZero();
    assertThat(created.path("priced").asBoolean()).isFalse();
    assertThat(count("ai_requests", "agent", agent)).isEqualTo(2); // committed before the 201

    // the same write again, minimal: every row a repeat, 200
    HttpResponse<String> again =
        postPreferring("/v1/ai/requests", serverKey, batch, "respond-async, RETURN=\"minimal\"");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(again.body()).path("duplicates").asInt()).isEqualTo(2);

    // one tool run, minimal: its id and whether it was new, no excerpts echoed
    ObjectNode run = tool("minimal-run-" + unique(), "grep").put("agent", agent);
    HttpResponse<String> single =
        postPreferring("/v1/tools/executions", serverKey, run, "return=minimal");
    assertThat(single.statusCode()).isEqualTo(201);
    assertThat(single.headers().firstValue("Preference-Applied")).contains("return=minimal");
    assertThat(Json.MAPPER.readTree(single.body()))
        .isEqualTo(
            Json.MAPPER
                .createObjectNode()
                .put("duplicate", false)
                .put("executionId", run.path("executionId").asText()));
    assertThat(count("tool_executions", "agent", agent)).isEqualTo(1);

    // a preference Vigil does not know is ignored: the full answer, and no Preference-Applied
    HttpResponse<String> full =
        postPreferring("/v1/tools/executions", serverKey, run, "return=brief");
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(full.headers().firstValue("Preference-Applied")).isEmpty();
    assertThat(Json.MAPPER.readTree(full.body()).path("row").path("toolName").asText())
        .isEqualTo("grep");
  }

  @Test
  void theSameCallsSentByManyWritersAtOnceAreStoredAndCountedOnce() throws Exception {
    // given 8 writers sending the same 20 calls at once (several share a flush of the writer)
    String agent = "racing-" + unique();
    ArrayNode batch = Json.MAPPER.createArrayNode();
    for (int i = 0; i < 20; i++) {
      batch.add(call(agent + "-" + i, agent).put("inputTokens", 1000)); // 3,000 µ$ each
    }
    double flushesBefore = aiRequestFlushes();
    var writers = java.util.concurrent.Executors.newFixedThreadPool(8);
    int created = 0;
    int[] firstWrites = new int[20];
    try {
      List<java.util.concurrent.Future<HttpResponse<String>>> sent = new java.util.ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int w = 0; w < 8; w++) {
        sent.add(
            writers.submit(
                () -> {
                  go.await();
                  return postPreferring("/v1/ai/requests", serverKey, batch, "return=minimal");
                }));
      }
      go.countDown();

      // then every row is created by exactly one of them, and repeats everywhere else
      for (var f : sent) {
        HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        JsonNode answer = Json.MAPPER.readTree(r.body());
        created += answer.path("created").asInt();
        for (int i = 0; i < 20; i++) {
          JsonNode row = answer.path("rows").path(i);
          assertThat(row.path("requestId").asText()).isEqualTo(agent + "-" + i);
          assertThat(row.path("costMicrodollars").asLong()).isEqualTo(3_000);
          if (!row.path("duplicate").asBoolean()) {
            firstWrites[i]++;
          }
        }
      }
    } finally {
      writers.shutdownNow();
    }
    assertThat(aiRequestFlushes() - flushesBefore)
        .as("writes that shared a flush (the case this test is for)")
        .isLessThan(8);
    assertThat(created).isEqualTo(20);
    assertThat(firstWrites).containsOnly(1);
    assertThat(count("ai_requests", "agent", agent)).isEqualTo(20);
    JsonNode costs = http.get("/v1/analytics/costs?agent=" + agent, admin).json();
    assertThat(costs.path("totals").path("requests").path("current").asLong()).isEqualTo(20);
  }

  @Test
  void aFirstWriteIsAnsweredWhileEveryThreadOfPekkosBlockingDispatcherIsBusy() throws Exception {
    // given slow work (reports, say) holding every thread of the shared blocking dispatcher
    try (var busy = BusyBlockingDispatcher.hold(node.server().system())) {
      // when a new call is written, then it is stored and answered all the same
      String agent = "agent-" + unique();
      Reply reply = http.postJson("/v1/ai/requests", serverKey, call(unique(), agent).toString());
      assertThat(reply.status()).as(reply.body()).isEqualTo(201);
      assertThat(count("ai_requests", "agent", agent)).isEqualTo(1);
    }
  }

  @Test
  void refusesABadBodyNamingEveryField() {
    Reply bad =
        http.postJson(
            "/v1/ai/requests",
            serverKey,
            "[{\"requestId\":\"ok-1\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"startedAt\":\""
                + Instant.now()
                + "\"},{\"requestId\":\"x\",\"inputTokens\":-3,\"status\":\"done\"}]");

    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.errorCode()).isEqualTo("invalid_field");
    JsonNode errors = bad.json().path("error").path("details").path("errors");
    assertThat(errors.findValuesAsText("field"))
        .containsExactlyInAnyOrder("provider", "model", "inputTokens", "status", "startedAt");
    assertThat(errors.findValuesAsText("index")).containsOnly("1");
    assertThat(http.postJson("/v1/ai/requests", null, "{}").status()).isEqualTo(401);
    assertThat(http.postJson("/v1/ai/requests", admin, "{}").status()).isEqualTo(401);
    assertThat(http.post("/v1/tools/executions", serverKey, "text/plain", "{}").status())
        .isEqualTo(415);
    assertThat(http.postJson("/v1/tools/executions", serverKey, "{nope").errorCode())
        .isEqualTo("invalid_field");
    // 1.2 MB declared against the 1 MiB limit, refused by the declared length alone
    String tooLarge =
        http.postDeclaringOnly("/v1/tools/executions", serverKey, "application/json", 1_200_000);
    assertThat(tooLarge).startsWith("HTTP/1.1 413");
    assertThat(tooLarge).contains("\"payload_too_large\"");
  }

  @Test
  void returnsAParentAndItsSubagentAsOneNestedTraceFromAnyOfItsIds() {
    String trace = UUID.randomUUID().toString().replace("-", "");
    String task = "task-" + unique();
    String p = unique();
    // parent call A asks for a subagent through tool run T; the subagent's calls S1 and S2 run
    // under T and S1 runs a search; the parent then answers (A2)
    post("/v1/ai/requests", serverKey, span(call(p + "-A", "parent"), trace, task, null, 0));
    post("/v1/tools/executions", serverKey, span(tool(p + "-T", "Task"), trace, task, p + "-A", 1));
    post(
        "/v1/ai/requests",
        serverKey,
        Json.MAPPER
            .createArrayNode()
            .add(span(call(p + "-S1", "subagent"), trace, task, p + "-T", 2))
            .add(span(call(p + "-S2", "subagent"), trace, task, p + "-T", 4)));
    post(
        "/v1/tools/executions",
        serverKey,
        span(tool(p + "-T2", "web_search"), trace, task, p + "-S1", 3).put("status", "failed"));
    post("/v1/ai/requests", serverKey, span(call(p + "-A2", "parent"), trace, task, null, 6));

    for (String id : List.of(trace, p + "-S2", p + "-T2", task, trace.substring(0, 8))) {
      Reply reply = http.get("/v1/traces/" + id, admin);
      assertThat(reply.status()).as(id).isEqualTo(200);
      JsonNode t = reply.json();
      assertThat(t.path("traceId").asText()).isEqualTo(trace);
      JsonNode timeline = t.path("timeline");
      assertThat(timeline.findValuesAsText("id")).contains(p + "-A", p + "-A2");
      assertThat(timeline.get(0).path("id").asText()).isEqualTo(p + "-A");
      assertThat(timeline.get(1).path("id").asText()).isEqualTo(p + "-A2");
      JsonNode toolRun = timeline.get(0).path("children").get(0);
      assertThat(toolRun.path("id").asText()).isEqualTo(p + "-T");
      assertThat(toolRun.path("kind").asText()).isEqualTo("tool_execution");
      JsonNode sub = toolRun.path("children");
      assertThat(sub.get(0).path("id").asText()).isEqualTo(p + "-S1");
      assertThat(sub.get(1).path("id").asText()).isEqualTo(p + "-S2");
      assertThat(sub.get(0).path("children").get(0).path("id").asText()).isEqualTo(p + "-T2");
      JsonNode summary = t.path("summary");
      assertThat(summary.path("requests").asInt()).isEqualTo(4);
      assertThat(summary.path("toolRuns").asInt()).isEqualTo(2);
      assertThat(summary.path("failures").asInt()).isEqualTo(1);
      assertThat(summary.path("costMicrodollars").asLong()).isEqualTo(4 * 4_500);
      assertThat(summary.path("tokens").path("total").asLong()).isEqualTo(4 * 1_100);
      assertThat(summary.path("status").asText()).isEqualTo("running");
    }
    assertThat(http.get("/v1/traces/" + trace, admin).json().path("matchedAs").asText())
        .isEqualTo("trace");
    assertThat(
            http.get("/v1/traces/" + trace.substring(0, 8), admin)
                .json()
                .path("matchedAs")
                .asText())
        .isEqualTo("prefix");
    assertThat(http.get("/v1/traces/" + trace.substring(0, 7), admin).status()).isEqualTo(404);
    assertThat(http.get("/v1/traces/" + trace, serverKey).status()).isEqualTo(401);
  }

  private static JsonNode data(SiteEvent e) {
    try {
      return Json.MAPPER.readTree(e.data());
    } catch (java.io.IOException ex) {
      throw new AssertionError(ex);
    }
  }

  /** The next live event of the type whose agent is this one, skipping everything else. */
  private static SiteEvent nextOf(TestProbe<SiteEvent> probe, String type, String agent) {
    return probe
        .fishForMessage(
            Duration.ofSeconds(10),
            e ->
                e.type().equals(type) && agent.equals(data(e).path("agent").asText())
                    ? FishingOutcomes.complete()
                    : FishingOutcomes.continueAndIgnore())
        .get(0);
  }

  @Test
  void aWritesNewRowsAreLiveEventsInTheirOrderAndItsRepeatsAreNot() {
    String agent = "live-" + unique();
    TestProbe<SiteEvent> probe = TestProbe.create(node.server().system());
    LiveEvents.get(node.server().system()).topic("default").tell(Topic.subscribe(probe.ref()));
    String a = unique();
    String b = unique();
    String c = unique();
    ArrayNode calls =
        Json.MAPPER.createArrayNode().add(call(a, agent)).add(call(b, agent)).add(call(c, agent));
    assertThat(post("/v1/ai/requests", serverKey, calls).json().path("created").asInt())
        .isEqualTo(3);

    List<SiteEvent> got =
        List.of(
            nextOf(probe, "ledger.request", agent),
            nextOf(probe, "ledger.request", agent),
            nextOf(probe, "ledger.request", agent));
    assertThat(got).extracting(e -> data(e).path("requestId").asText()).containsExactly(a, b, c);
    // one write's rows are numbered together: nothing of the site comes between them
    assertThat(got)
        .extracting(SiteEvent::seq)
        .containsExactly(got.get(0).seq(), got.get(0).seq() + 1, got.get(0).seq() + 2);

    ArrayNode runs =
        Json.MAPPER
            .createArrayNode()
            .add(tool(unique(), "first_tool").put("agent", agent))
            .add(tool(unique(), "second_tool").put("agent", agent));
    assertThat(post("/v1/tools/executions", serverKey, runs).status()).isEqualTo(201);
    assertThat(List.of(nextOf(probe, "ledger.tool", agent), nextOf(probe, "ledger.tool", agent)))
        .extracting(e -> data(e).path("toolName").asText())
        .containsExactly("first_tool", "second_tool");

    // the same calls again are repeats: published nothing; the next event is the new call
    String d = unique();
    assertThat(post("/v1/ai/requests", serverKey, calls).json().path("duplicates").asInt())
        .isEqualTo(3);
    post("/v1/ai/requests", serverKey, call(d, agent));
    assertThat(data(nextOf(probe, "ledger.request", agent)).path("requestId").asText())
        .isEqualTo(d);
  }

  @Test
  void aBudgetCrossingOpensAnAnomalyIsPublishedAndDenies() throws Exception {
    String agent = "budget-" + unique();
    TestProbe<SiteEvent> probe = TestProbe.create(node.server().system());
    LiveEvents.get(node.server().system()).topic("default").tell(Topic.subscribe(probe.ref()));
    // a month limit, so the test does not depend on the hour it runs at
    Reply set =
        put(
            "/v1/budgets",
            admin,
            "{\"site\":\"default\",\"subjectKind\":\"agent\",\"subjectId\":\""
                + agent
                + "\",\"monthlyLimitMicrodollars\":100000}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(budgetCheck(agent).path("decision").asText()).isEqualTo("allow");

    // 50,000 input tokens × 3 = 150,000 µ$: 1.5 times the limit
    post("/v1/ai/requests", serverKey, call(unique(), agent).put("inputTokens", 50_000));

    probe.fishForMessage(
        Duration.ofSeconds(10),
        e ->
            e.type().equals("ledger.request") && agent.equals(data(e).path("agent").asText())
                ? FishingOutcomes.complete()
                : FishingOutcomes.continueAndIgnore());
    JsonNode crossed =
        data(
            probe
                .fishForMessage(
                    Duration.ofSeconds(10),
                    e ->
                        e.type().equals("ledger.budget")
                                && data(e).path("subjectId").asText().equals("default/" + agent)
                            ? FishingOutcomes.complete()
                            : FishingOutcomes.continueAndIgnore())
                .get(0));
    assertThat(crossed.path("level").asText()).isEqualTo("critical");
    assertThat(crossed.path("monthSpentMicrodollars").asLong()).isEqualTo(150_000);
    JsonNode denied = budgetCheck(agent);
    assertThat(denied.path("decision").asText()).isEqualTo("deny");
    assertThat(denied.path("reason").asText()).contains(agent).contains("month");
    assertThat(budgetCheck("someone-else").path("decision").asText()).isEqualTo("allow");
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(
                    query(
                        "SELECT subject_kind || '|' || level || '|' || value || '|' || threshold"
                            + " FROM anomalies WHERE metric = 'cost' AND closed_at IS NULL"
                            + " AND subject_id = 'default/"
                            + agent
                            + "'"))
                .isEqualTo("agent|critical|1.5|1"));
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          JsonNode mine = null;
          for (JsonNode b : http.get("/v1/budgets?site=default", admin).json().path("budgets")) {
            mine = b.path("subjectId").asText().equals(agent) ? b : mine;
          }
          assertThat(mine).isNotNull();
          assertThat(mine.path("monthSpentMicrodollars").asLong()).isEqualTo(150_000);
          assertThat(mine.path("exceeded").asBoolean()).isTrue();
        });
  }

  @Test
  void aCallRefusedBecauseItsPayloadWasNotStoredCountsItsSpendWhenRetried() throws Exception {
    String agent = "payload-" + unique();
    String id = unique();
    Reply set =
        put(
            "/v1/budgets",
            admin,
            "{\"site\":\"tier3\",\"subjectKind\":\"agent\",\"subjectId\":\""
                + agent
                + "\",\"monthlyLimitMicrodollars\":100000}");
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    // 50,000 input tokens × 3 = 150,000 µ$, and a prompt that tier 3 keeps as a payload
    ObjectNode call = call(id, agent).put("inputTokens", 50_000).put("prompt", "kept");

    // the payloads' table fails every insert (the rows' table does not): the call's row commits,
    // its payload does not, and the call is refused
    execute(
        "CREATE FUNCTION refuse_payloads() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'payload storage is down' USING ERRCODE = 'XX000'; END $$");
    execute(
        "CREATE TRIGGER refuse_payloads BEFORE INSERT ON ledger_payloads"
            + " FOR EACH STATEMENT EXECUTE FUNCTION refuse_payloads()");
    Reply refused;
    try {
      refused = http.postJson("/v1/ai/requests", tier3Key, call.toString());
    } finally {
      execute("DROP TRIGGER refuse_payloads ON ledger_payloads");
      execute("DROP FUNCTION refuse_payloads()");
    }
    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
    assertThat(refused.json().path("error").path("code").asText()).isEqualTo("storage_unavailable");
    assertThat(count("ai_requests", "request_id", id)).isEqualTo(1);
    assertThat(count("ledger_payloads", "id", id)).isZero();

    // the client's retry finds the row stored (a repeat) and stores the payload
    Reply retried = post("/v1/ai/requests", tier3Key, call);
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.json().path("duplicate").asBoolean()).isTrue();
    assertThat(count("ledger_payloads", "id", id)).isEqualTo(1);

    // the call's spend reached its budget once, though no answer ever called it new
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          JsonNode check =
              http.get("/v1/ai/budget?agent=" + agent + "&user=user-1", tier3Key).json();
          assertThat(check.path("decision").asText()).isEqualTo("deny");
        });
    Await.until(
        Duration.ofSeconds(15),
        () -> {
          JsonNode mine = null;
          for (JsonNode b : http.get("/v1/budgets?site=tier3", admin).json().path("budgets")) {
            mine = b.path("subjectId").asText().equals(agent) ? b : mine;
          }
          assertThat(mine).isNotNull();
          assertThat(mine.path("monthSpentMicrodollars").asLong()).isEqualTo(150_000);
        });
  }

  @Test
  void unpricedCallsOfEverMoreProvidersDoNotGrowTheMetrics() {
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (int i = 0; i < LedgerIngest.MAX_PROVIDER_TAGS + 8; i++) {
      calls.add(
          call(unique(), "providers")
              .put("provider", "made-up-" + i + "-" + unique())
              .put("model", "no-such-model-p"));
    }
    assertThat(post("/v1/ai/requests", serverKey, calls).status()).isEqualTo(201);

    List<String> meters =
        http.get("/metrics")
            .body()
            .lines()
            .filter(l -> l.startsWith("vigil_ledger_unpriced_requests_total{"))
            .toList();
    assertThat(meters).hasSizeLessThanOrEqualTo(LedgerIngest.MAX_PROVIDER_TAGS + 1);
    assertThat(meters).anyMatch(l -> l.contains("provider=\"other\""));
  }

  @Test
  void syntheticCallsCountInNoFigure() throws Exception {
    String agent = "synth-" + unique();
    String trace = "synthetic-trace-" + unique();
    put(
        "/v1/budgets",
        admin,
        "{\"site\":\"default\",\"subjectKind\":\"agent\",\"subjectId\":\""
            + agent
            + "\",\"monthlyLimitMicrodollars\":1000}");
    ObjectNode synthetic = call(unique(), agent).put("inputTokens", 50_000).put("synthetic", true);
    ObjectNode real = call(unique(), agent).put("inputTokens", 100);
    post("/v1/ai/requests", serverKey, synthetic.put("traceId", trace));
    post("/v1/ai/requests", serverKey, real.put("traceId", trace));
    post(
        "/v1/tools/executions",
        serverKey,
        tool(unique(), "probe").put("agent", agent).put("synthetic", true));

    JsonNode costs = http.get("/v1/analytics/costs?agent=" + agent, admin).json();
    assertThat(costs.path("totals").path("requests").path("current").asLong()).isEqualTo(1);
    assertThat(costs.path("totals").path("costMicrodollars").path("current").asLong())
        .isEqualTo(300);
    assertThat(costs.path("rollingCostMicrodollars").path("24h").asLong()).isEqualTo(300);
    JsonNode requests = http.get("/v1/analytics/requests?agent=" + agent, admin).json();
    assertThat(requests.path("total").path("requests").asLong()).isEqualTo(1);
    JsonNode tools = http.get("/v1/analytics/tools?agent=" + agent, admin).json();
    assertThat(tools.path("tools")).isEmpty();
    JsonNode summary = http.get("/v1/traces/" + trace, admin).json().path("summary");
    assertThat(summary.path("requests").asInt()).isEqualTo(1);
    assertThat(summary.path("syntheticRequests").asInt()).isEqualTo(1);
    assertThat(summary.path("costMicrodollars").asLong()).isEqualTo(300);
    assertThat(budgetCheck(agent).path("decision").asText()).isEqualTo("allow");
    // the budgets table is the budget journal's projection: a moment behind the PUT
    Await.until(
        Duration.ofSeconds(15),
        () ->
            assertThat(http.get("/v1/budgets", admin).json().path("budgets").toString())
                .contains("\"subjectId\":\"" + agent + "\"")
                .contains("\"monthSpentMicrodollars\":300"));
  }

  @Test
  void keepsOnlyWhatEachPrivacyTierAllows() throws Exception {
    for (var site :
        List.of(Map.entry(serverKey, 1), Map.entry(tier2Key, 2), Map.entry(tier3Key, 3))) {
      String id = "privacy-" + site.getValue() + "-" + unique();
      ObjectNode call =
          call(id, "private").put("prompt", "secret prompt").put("completion", "answer");
      call.putObject("requestBody").put("messages", "all of them");
      ObjectNode run = tool(id + "-t", "read_file");
      run.putObject("input").put("path", "/etc/hosts");
      run.put("output", "127.0.0.1 localhost");
      assertThat(post("/v1/ai/requests", site.getKey(), call).status()).isEqualTo(201);
      assertThat(post("/v1/tools/executions", site.getKey(), run).status()).isEqualTo(201);

      int tier = site.getValue();
      assertThat(query("SELECT prompt_excerpt FROM ai_requests WHERE request_id = '" + id + "'"))
          .isEqualTo(tier >= 2 ? "secret prompt" : null);
      assertThat(query("SELECT response_excerpt FROM ai_requests WHERE request_id = '" + id + "'"))
          .isEqualTo(tier >= 3 ? "answer" : null);
      assertThat(
              query(
                  "SELECT input_excerpt FROM tool_executions WHERE execution_id = '" + id + "-t'"))
          .isEqualTo(tier >= 2 ? "{\"path\":\"/etc/hosts\"}" : null);
      assertThat(
              query(
                  "SELECT output_excerpt FROM tool_executions WHERE execution_id = '" + id + "-t'"))
          .isEqualTo(tier >= 3 ? "127.0.0.1 localhost" : null);
      assertThat(
              query(
                  "SELECT count(*) FROM ledger_payloads WHERE id IN ('"
                      + id
                      + "', '"
                      + id
                      + "-t')"))
          .isEqualTo(tier >= 3 ? "2" : "0");
    }
    assertThat(query("SELECT input->>'messages' FROM ledger_payloads WHERE kind = 'ai_request'"))
        .isEqualTo("all of them");
  }

  // --- helpers ---

  private static String unique() {
    return UUID.randomUUID().toString().substring(0, 12);
  }

  /** A completed claude-sonnet-4-5 call started a second ago: 1,000 in, 100 out = 4,500 µ$. */
  private static ObjectNode call(String id, String agent) {
    return Json.MAPPER
        .createObjectNode()
        .put("requestId", id)
        .put("provider", "anthropic")
        .put("model", "claude-sonnet-4-5")
        .put("agent", agent)
        .put("userId", "user-1")
        .put("inputTokens", 100)
        .put("outputTokens", 0)
        .put("latencyMs", 900)
        .put("startedAt", Instant.now().minusSeconds(1).toString());
  }

  private static ObjectNode tool(String id, String name) {
    return Json.MAPPER
        .createObjectNode()
        .put("executionId", id)
        .put("toolName", name)
        .put("serverName", "mcp-test")
        .put("status", "success")
        .put("durationMs", 120)
        .put("startedAt", Instant.now().minusSeconds(1).toString());
  }

  /** Places a row in a trace, {@code second} seconds into it. */
  private static ObjectNode span(
      ObjectNode row, String trace, String task, String parentSpan, int second) {
    row.put("traceId", trace).put("taskId", task);
    if (row.has("requestId")) {
      row.put("inputTokens", 1000).put("outputTokens", 100); // 3,000 + 1,500 = 4,500 µ$
    }
    if (parentSpan != null) {
      row.put("parentSpanId", parentSpan);
    }
    row.put("startedAt", Instant.now().minusSeconds(60 - second).toString());
    return row;
  }

  private Reply post(String path, String key, JsonNode body) {
    Reply r = http.postJson(path, key, body.toString());
    assertThat(r.status()).as(r.body()).isIn(200, 201);
    return r;
  }

  private HttpResponse<String> postPreferring(String path, String key, JsonNode body, String prefer)
      throws Exception {
    return raw.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .header("Prefer", prefer)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Flushes of the ai_requests writer so far, from {@code /metrics}. */
  private double aiRequestFlushes() {
    return http.get("/metrics")
        .body()
        .lines()
        .filter(
            l ->
                l.startsWith("vigil_writer_flush_rows_count{")
                    && l.contains("table=\"ai_requests\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private JsonNode budgetCheck(String agent) {
    return http.get("/v1/ai/budget?agent=" + agent + "&user=user-1", serverKey).json();
  }

  private Reply put(String path, String token, String body) throws Exception {
    HttpResponse<String> r =
        raw.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  private String newSite(String id, int tier) {
    Reply created =
        http.postJson(
            "/v1/sites",
            admin,
            "{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"privacyTier\":" + tier + "}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String key = created.json().path("serverKey").asText();
    Await.until(
        Duration.ofSeconds(5), () -> assertThat(http.get("/v1/site", key).status()).isEqualTo(200));
    return key;
  }

  private long count(String table, String column, String value) throws Exception {
    return Long.parseLong(
        query("SELECT count(*) FROM " + table + " WHERE " + column + " = '" + value + "'"));
  }

  private void execute(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      c.createStatement().execute(sql);
    }
  }

  private String query(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
