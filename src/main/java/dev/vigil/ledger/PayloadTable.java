package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Comparator;

/**
 * The {@code ledger_payloads} fact table (privacy tier 3 only): a call's prompt, completion and
 * request/response bodies, or a tool run's input and output, in full.
 */
public final class PayloadTable {

  /** One row; {@code kind} is ai_request or tool_execution. */
  public record Row(
      String kind,
      String id,
      String siteId,
      Instant startedAt,
      String prompt,
      String completion,
      JsonNode input,
      JsonNode output) {

    static Row of(String siteId, AiRequest r) {
      return new Row(
          "ai_request",
          r.requestId(),
          siteId,
          r.startedAt(),
          r.prompt(),
          r.completion(),
          r.requestBody(),
          r.responseBody());
    }

    static Row of(String siteId, ToolExecution t) {
      return new Row(
          "tool_execution",
          t.executionId(),
          siteId,
          t.startedAt(),
          null,
          null,
          t.input(),
          t.output());
    }

    boolean isEmpty() {
      return prompt == null && completion == null && input == null && output == null;
    }
  }

  static final String INSERT =
      "INSERT INTO ledger_payloads (kind, id, site_id, started_at, prompt, completion, input,"
          + " output) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb) ON CONFLICT DO NOTHING";

  private PayloadTable() {}

  public static AppendWriter.Table<Row> table() {
    return new AppendWriter.Table<>("ledger_payloads", INSERT, PayloadTable::bind)
        .withKeyOrder(
            Comparator.comparing(Row::kind)
                .thenComparing(Row::id)
                .thenComparing(Row::startedAt)
                .thenComparing(Row::siteId));
  }

  static void bind(PreparedStatement ps, Row row) throws SQLException {
    int i = 1;
    ps.setString(i++, row.kind());
    ps.setString(i++, row.id());
    ps.setString(i++, row.siteId());
    ps.setTimestamp(i++, Timestamp.from(row.startedAt()));
    ps.setString(i++, row.prompt());
    ps.setString(i++, row.completion());
    ps.setString(i++, row.input() == null ? null : row.input().toString());
    ps.setString(i, row.output() == null ? null : row.output().toString());
  }
}
