package dev.vigil.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** A stored tool run as the API shows it (wire DTO). */
public record ToolExecutionView(
    String executionId,
    String traceId,
    String spanId,
    String parentSpanId,
    String aiRequestId,
    String site,
    String toolName,
    String serverName,
    String userId,
    String sessionId,
    String taskId,
    String agent,
    String status,
    String error,
    Instant startedAt,
    Integer durationMs,
    Instant endedAt,
    boolean synthetic,
    String inputExcerpt,
    String outputExcerpt,
    Instant receivedAt) {

  static final String COLUMNS =
      "execution_id, trace_id, span_id, parent_span_id, ai_request_id, site_id, tool_name,"
          + " server_name, user_id, session_id, task_id, agent, status, error, started_at,"
          + " duration_ms, synthetic, input_excerpt, output_excerpt, received_at";

  /** The row as {@link #from} reads it back once stored (see {@link AiRequestView#of}). */
  static ToolExecutionView of(ToolExecutionTable.Row row) {
    ToolExecution t = row.run();
    return new ToolExecutionView(
        t.executionId(),
        t.traceId(),
        t.spanId(),
        t.parentSpanId(),
        t.aiRequestId(),
        row.siteId(),
        t.toolName(),
        t.serverName(),
        t.userId(),
        t.sessionId(),
        t.taskId(),
        t.agent(),
        t.status(),
        t.error(),
        t.startedAt(),
        t.durationMs(),
        t.durationMs() == null ? null : t.startedAt().plusMillis(t.durationMs()),
        t.synthetic(),
        Privacy.inputExcerpt(row.privacyTier(), t.input()),
        Privacy.outputExcerpt(row.privacyTier(), t.output()),
        row.receivedAt());
  }

  static ToolExecutionView from(ResultSet rs) throws SQLException {
    Instant started = AiRequestView.instant(rs, "started_at");
    Integer duration = rs.getObject("duration_ms", Integer.class);
    return new ToolExecutionView(
        rs.getString("execution_id"),
        rs.getString("trace_id"),
        rs.getString("span_id"),
        rs.getString("parent_span_id"),
        rs.getString("ai_request_id"),
        rs.getString("site_id"),
        rs.getString("tool_name"),
        rs.getString("server_name"),
        rs.getString("user_id"),
        rs.getString("session_id"),
        rs.getString("task_id"),
        rs.getString("agent"),
        rs.getString("status"),
        rs.getString("error"),
        started,
        duration,
        duration == null ? null : started.plusMillis(duration),
        rs.getBoolean("synthetic"),
        rs.getString("input_excerpt"),
        rs.getString("output_excerpt"),
        AiRequestView.instant(rs, "received_at"));
  }
}
