package dev.vigil.ledger;

import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/** The {@code tool_executions} fact table as an append-writer target. */
public final class ToolExecutionTable {

  /** One row: a validated tool run of a site at a privacy tier, stored by one write. */
  public record Row(
      String siteId, int privacyTier, ToolExecution run, Instant receivedAt, String ingestId) {}

  static final String INSERT =
      "INSERT INTO tool_executions (execution_id, site_id, trace_id, span_id, parent_span_id,"
          + " ai_request_id, tool_name, server_name, user_id, session_id, task_id, agent, status,"
          + " error, started_at, duration_ms, synthetic, input_excerpt, output_excerpt, received_at,"
          + " ingest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT DO NOTHING";

  private ToolExecutionTable() {}

  public static AppendWriter.Table<Row> table() {
    return new AppendWriter.Table<>("tool_executions", INSERT, ToolExecutionTable::bind);
  }

  static void bind(PreparedStatement ps, Row row) throws SQLException {
    ToolExecution t = row.run();
    int i = 1;
    ps.setString(i++, t.executionId());
    ps.setString(i++, row.siteId());
    ps.setString(i++, t.traceId());
    ps.setString(i++, t.spanId());
    ps.setString(i++, t.parentSpanId());
    ps.setString(i++, t.aiRequestId());
    ps.setString(i++, t.toolName());
    ps.setString(i++, t.serverName());
    ps.setString(i++, t.userId());
    ps.setString(i++, t.sessionId());
    ps.setString(i++, t.taskId());
    ps.setString(i++, t.agent());
    ps.setString(i++, t.status());
    ps.setString(i++, t.error());
    ps.setTimestamp(i++, Timestamp.from(t.startedAt()));
    AiRequestTable.setInt(ps, i++, t.durationMs());
    ps.setBoolean(i++, t.synthetic());
    ps.setString(i++, Privacy.inputExcerpt(row.privacyTier(), t.input()));
    ps.setString(i++, Privacy.outputExcerpt(row.privacyTier(), t.output()));
    ps.setTimestamp(i++, Timestamp.from(row.receivedAt()));
    ps.setString(i, row.ingestId());
  }
}
