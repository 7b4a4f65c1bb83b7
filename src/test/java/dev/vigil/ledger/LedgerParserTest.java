package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.Json;
import dev.vigil.util.Text;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every field of both bodies is validated and every error is named with its row and field. */
class LedgerParserTest {
  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private final LedgerParser parser =
      new LedgerParser(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(7), 3);

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text.replace('\'', '"'));
  }

  private static List<String> fields(LedgerParser.Parsed<?> parsed) {
    return parsed.errors().stream().map(e -> e.index() + ":" + e.field()).toList();
  }

  @Test
  void readsAValidCallAndFillsTheTraceAndSpanFromTheRequestId() throws Exception {
    var parsed =
        parser.aiRequests(
            json(
                "{'requestId':'req-1','provider':'Anthropic','model':'claude-sonnet-4-5',"
                    + "'inputTokens':10,'outputTokens':5,'cacheReadTokens':1,'cacheWrite5mTokens':2,"
                    + "'cacheWrite1hTokens':3,'webSearchRequests':1,'startedAt':'2026-11-22T11:59:58Z',"
                    + "'latencyMs':1500,'timeToFirstTokenMs':300,'agent':'planner','unknown':1,"
                    + "'reportedCostUsd':0.0123455}"));

    assertThat(parsed.errors()).isEmpty();
    AiRequest r = parsed.rows().get(0);
    assertThat(r.traceId()).isEqualTo("req-1");
    assertThat(r.spanId()).isEqualTo("req-1");
    assertThat(r.provider()).isEqualTo("anthropic");
    assertThat(r.status()).isEqualTo("completed");
    assertThat(r.usage()).isEqualTo(new Usage(10, 5, 1, 2, 3, 1));
    assertThat(r.endedAt()).isEqualTo(Instant.parse("2026-11-22T11:59:59.500Z"));
    assertThat(r.reportedCostMicrodollars()).isEqualTo(12_346);
  }

  @Test
  void acceptsAPayloadThatQuotesTheEscapeOfANulAndRefusesOneThatHoldsANul() throws Exception {
    // a prompt about C strings holds the six characters \u0000, not a NUL
    var quoting =
        parser.aiRequests(
            json(
                "{'requestId':'req-1','provider':'anthropic','model':'claude-sonnet-4-5',"
                    + "'startedAt':'2026-11-22T11:59:58Z',"
                    + "'requestBody':{'messages':[{'content':'end it with \\\\u0000'}]}}"));
    var holding =
        parser.aiRequests(
            json(
                "{'requestId':'req-2','provider':'anthropic','model':'claude-sonnet-4-5',"
                    + "'startedAt':'2026-11-22T11:59:58Z',"
                    + "'requestBody':{'messages':[{'content':'a NUL: \\u0000'}]}}"));

    assertThat(quoting.errors()).isEmpty();
    assertThat(quoting.rows()).hasSize(1);
    assertThat(fields(holding)).containsExactly("0:requestBody");
    assertThat(holding.errors().get(0).reason()).isEqualTo(Text.NUL_RULE);
  }

  @Test
  void refusesHalfASurrogatePairInTextLabelsAndPayloads() throws Exception {
    // JSON can escape half of a pair; it has no UTF-8 form, so it could not be stored as sent
    var parsed =
        parser.aiRequests(
            json(
                "{'requestId':'req-1','provider':'anthropic','model':'claude-sonnet-4-5',"
                    + "'startedAt':'2026-11-22T11:59:58Z','prompt':'ok \\ud800',"
                    + "'agent':'\\udc00x','requestBody':{'m':'\\ud83d'},"
                    + "'completion':'a pair is fine: \\ud83d\\ude00'}"));

    assertThat(fields(parsed)).containsExactlyInAnyOrder("0:prompt", "0:agent", "0:requestBody");
    assertThat(parsed.errors().get(0).reason()).contains("unpaired surrogate");
    assertThat(Text.unpairedSurrogate("\uD83D\uDE00")).isFalse();
    assertThat(Text.unpairedSurrogate("x\uD83D")).isTrue();
    assertThat(Text.unpairedSurrogate("\uDE00\uD83D")).isTrue();
  }

  @Test
  void namesEveryInvalidFieldOfACall() throws Exception {
    var parsed =
        parser.aiRequests(
            json(
                "{'requestId':'has space','traceId':7,'spanId':'','provider':'','model':'"
                    + "x".repeat(201)
                    + "','inputTokens':-1,'outputTokens':1.5,'cacheReadTokens':'9',"
                    + "'cacheWrite5mTokens':2000000000,'cacheWrite1hTokens':true,"
                    + "'webSearchRequests':100001,'status':'done','streaming':'yes','synthetic':1,"
                    + "'latencyMs':86400001,'timeToFirstTokenMs':-5,'startedAt':'yesterday',"
                    + "'endedAt':'2026-13-01T00:00:00Z','tier':'','costContext':'"
                    + "c".repeat(65)
                    + "','taskId':'a b','userId':'u\\u0001','errorMessage':'"
                    + "e".repeat(4097)
                    + "','errorType':5,'reportedCostMicrodollars':1,'reportedCostUsd':1,"
                    + "'prompt':'nul\\u0000','requestBody':{'x':'\\u0000'}}"));

    assertThat(parsed.rows()).isEmpty();
    assertThat(fields(parsed))
        .containsExactlyInAnyOrder(
            "0:requestId",
            "0:traceId",
            "0:spanId",
            "0:provider",
            "0:model",
            "0:inputTokens",
            "0:outputTokens",
            "0:cacheReadTokens",
            "0:cacheWrite5mTokens",
            "0:cacheWrite1hTokens",
            "0:webSearchRequests",
            "0:startedAt",
            "0:latencyMs",
            "0:timeToFirstTokenMs",
            "0:endedAt",
            "0:userId",
            "0:taskId",
            "0:tier",
            "0:costContext",
            "0:streaming",
            "0:synthetic",
            "0:status",
            "0:errorType",
            "0:errorMessage",
            "0:reportedCostUsd",
            "0:prompt",
            "0:requestBody");
    assertThat(parsed.errors().get(0).reason()).isNotBlank();
  }

  @Test
  void requiresTheIdentityTheModelAndTheStart() throws Exception {
    var parsed = parser.aiRequests(json("{}"));

    assertThat(fields(parsed))
        .containsExactlyInAnyOrder("0:requestId", "0:provider", "0:model", "0:startedAt");
    assertThat(parsed.errors()).allMatch(e -> e.reason().equals("is required"));
  }

  @Test
  void refusesStartsTooOldOrAheadAndEndsBeforeTheStart() throws Exception {
    String base = "'requestId':'r','provider':'p','model':'m',";
    assertThat(
            parser
                .aiRequests(json("{" + base + "'startedAt':'2026-11-14T12:00:00Z'}"))
                .errors()
                .get(0)
                .reason())
        .contains("168 h old");
    assertThat(
            parser
                .aiRequests(
                    json("{" + base + "'startedAt':" + NOW.plusSeconds(301).toEpochMilli() + "}"))
                .errors()
                .get(0)
                .reason())
        .contains("ahead");
    var ended =
        parser.aiRequests(
            json(
                "{"
                    + base
                    + "'startedAt':'2026-11-22T11:00:00+01:00','endedAt':'2026-11-22T09:59:00Z'}"));
    assertThat(fields(ended)).containsExactly("0:endedAt");
    var ttft =
        parser.aiRequests(
            json(
                "{"
                    + base
                    + "'startedAt':'2026-11-22T11:00:00Z','latencyMs':100,'timeToFirstTokenMs':101}"));
    assertThat(fields(ttft)).containsExactly("0:timeToFirstTokenMs");
  }

  @Test
  void refusesABatchWhole_namingEachBadRow() throws Exception {
    String ok = "{'requestId':'a','provider':'p','model':'m','startedAt':'2026-11-22T11:00:00Z'}";
    var parsed = parser.aiRequests(json("[" + ok + ", 5, {'requestId':'b'}]"));

    assertThat(parsed.rows()).isEmpty();
    assertThat(fields(parsed)).containsExactly("1:body", "2:provider", "2:model", "2:startedAt");
    assertThat(fields(parser.aiRequests(json("[]")))).containsExactly("0:body");
    assertThat(fields(parser.aiRequests(json("[" + ok + "," + ok + "," + ok + "," + ok + "]"))))
        .containsExactly("0:body");
    assertThat(fields(parser.aiRequests(json("'text'")))).containsExactly("0:body");
  }

  @Test
  void namesEveryInvalidFieldOfAToolRun() throws Exception {
    var parsed =
        parser.toolExecutions(
            json(
                "{'executionId':'','toolName':'','status':'ok','startedAt':1.5,'durationMs':-1,"
                    + "'aiRequestId':'x y','serverName':'','agent':'','error':7,'synthetic':'no',"
                    + "'input':'\\u0000'}"));

    assertThat(fields(parsed))
        .containsExactlyInAnyOrder(
            "0:executionId",
            "0:toolName",
            "0:status",
            "0:startedAt",
            "0:durationMs",
            "0:aiRequestId",
            "0:serverName",
            "0:agent",
            "0:error",
            "0:synthetic",
            "0:input");
    var missing = parser.toolExecutions(json("{}"));
    assertThat(fields(missing))
        .containsExactlyInAnyOrder("0:executionId", "0:toolName", "0:status", "0:startedAt");
  }

  @Test
  void readsAToolRunWithItsDefaults() throws Exception {
    var parsed =
        parser.toolExecutions(
            json(
                "{'executionId':'ex-1','toolName':'web_fetch','status':'timeout',"
                    + "'startedAt':'2026-11-22T11:00:00Z','durationMs':30000,'parentSpanId':'req-1',"
                    + "'input':{'url':'https://example.com'}}"));

    assertThat(parsed.errors()).isEmpty();
    ToolExecution t = parsed.rows().get(0);
    assertThat(t.traceId()).isEqualTo("ex-1");
    assertThat(t.spanId()).isEqualTo("ex-1");
    assertThat(t.input().path("url").asText()).isEqualTo("https://example.com");
  }
}
