package dev.vigil.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.vigil.writer.AppendWriter;
import java.sql.Types;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each ledger table's values land in their own column, with the column's type: every text field of
 * the row below holds its column's name, every other field a value of its own.
 */
class LedgerTableValuesTest {
  private static final Instant STARTED = Instant.parse("2026-12-06T10:00:00Z");
  private static final Instant ENDED = Instant.parse("2026-12-06T10:00:01Z");
  private static final Instant RECEIVED = Instant.parse("2026-12-06T10:00:02Z");

  private static final Map<Integer, Class<?>> TYPES =
      Map.of(
          Types.VARCHAR, String.class,
          Types.INTEGER, Integer.class,
          Types.BIGINT, Long.class,
          Types.BOOLEAN, Boolean.class,
          Types.TIMESTAMP, Instant.class);

  @Test
  void aCallsValuesAreInTheirColumns() {
    AiRequest call =
        new AiRequest(
            "request_id",
            "trace_id",
            "span_id",
            "parent_span_id",
            "user_id",
            "session_id",
            "task_id",
            "context_id",
            "client_id",
            "agent",
            "process_run_id",
            "provider",
            "model",
            "requested_model",
            "tier",
            "cost_context",
            true,
            false,
            new Usage(1, 2, 3, 4, 5, 6),
            "status",
            "error_type",
            "error_message",
            7,
            8,
            STARTED,
            ENDED,
            11L,
            "prompt_excerpt",
            "response_excerpt",
            null,
            null);
    Cost cost = new Cost(true, 9, 10, "price_card", "price_key", "unpriced_reason");
    AiRequestTable.Row row =
        new AiRequestTable.Row("site_id", 3, call, cost, RECEIVED, "ingest_id");
    Map<String, Object> others = new HashMap<>();
    others.put("streaming", true);
    others.put("synthetic", false);
    others.put("input_tokens", 1);
    others.put("output_tokens", 2);
    others.put("cache_read_tokens", 3);
    others.put("cache_write_5m_tokens", 4);
    others.put("cache_write_1h_tokens", 5);
    others.put("web_search_requests", 6);
    others.put("latency_ms", 7);
    others.put("time_to_first_token_ms", 8);
    others.put("started_at", STARTED);
    others.put("ended_at", ENDED);
    others.put("cost_microdollars", 9L);
    others.put("web_search_microdollars", 10L);
    others.put("priced", true);
    others.put("reported_cost_microdollars", 11L);
    others.put("received_at", RECEIVED);

    Object[] out = new Object[AiRequestTable.COLUMNS.size()];
    assertThat(AiRequestTable.values(row, out)).isEqualTo(out.length);
    assertInTheirColumns(AiRequestTable.COLUMNS, out, others);
  }

  @Test
  void aToolRunsValuesAreInTheirColumns() {
    ToolExecution run =
        new ToolExecution(
            "execution_id",
            "trace_id",
            "span_id",
            "parent_span_id",
            "ai_request_id",
            "tool_name",
            "server_name",
            "user_id",
            "session_id",
            "task_id",
            "agent",
            "status",
            "error",
            STARTED,
            7,
            true,
            new TextNode("input_excerpt"),
            new TextNode("output_excerpt"));
    ToolExecutionTable.Row row =
        new ToolExecutionTable.Row("site_id", 3, run, RECEIVED, "ingest_id");
    Map<String, Object> others =
        Map.of("started_at", STARTED, "duration_ms", 7, "synthetic", true, "received_at", RECEIVED);

    Object[] out = new Object[ToolExecutionTable.COLUMNS.size()];
    assertThat(ToolExecutionTable.values(row, out)).isEqualTo(out.length);
    assertInTheirColumns(ToolExecutionTable.COLUMNS, out, others);
  }

  private static void assertInTheirColumns(
      List<AppendWriter.Column> columns, Object[] out, Map<String, Object> others) {
    for (int j = 0; j < columns.size(); j++) {
      AppendWriter.Column column = columns.get(j);
      Object expected =
          column.sqlType() == Types.VARCHAR ? column.name() : others.get(column.name());
      assertThat(out[j]).as(column.name()).isNotNull().isEqualTo(expected);
      assertThat(out[j]).as(column.name()).isInstanceOf(TYPES.get(column.sqlType()));
    }
  }
}
