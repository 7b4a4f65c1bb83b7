package dev.vigil.ledger;

import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;

/** The {@code tool_executions} fact table as an append-writer target. */
public final class ToolExecutionTable {

  /** One row: a validated tool run of a site at a privacy tier, stored by one write. */
  public record Row(
      String siteId, int privacyTier, ToolExecution run, Instant receivedAt, String ingestId) {}

  /** Parameters per row. */
  static final int WIDTH = 21;

  static final String HEAD =
      "INSERT INTO tool_executions (execution_id, site_id, trace_id, span_id, parent_span_id,"
          + " ai_request_id, tool_name, server_name, user_id, session_id, task_id, agent, status,"
          + " error, started_at, duration_ms, synthetic, input_excerpt, output_excerpt, received_at,"
          + " ingest_id)";

  /** A repeat of a stored key is acknowledged with the stored row, not stored again. */
  static final String CONFLICT = " ON CONFLICT DO NOTHING";

  /** The one-row insert (tests seed rows with it). */
  static final String INSERT =
      HEAD + " VALUES (" + String.join(", ", Collections.nCopies(WIDTH, "?")) + ")" + CONFLICT;

  /**
   * Each row the insert stored, with the write that stored it: a repeat of a stored key is not
   * returned, so a write learns its first writes without reading them back.
   */
  static final String RETURNING = " RETURNING execution_id, started_at, ingest_id";

  private ToolExecutionTable() {}

  public static AppendWriter.Table<Row> table() {
    return AppendWriter.Table.returning(
            "tool_executions",
            new AppendWriter.Returning<>(
                HEAD + " VALUES ",
                WIDTH,
                CONFLICT + RETURNING,
                ToolExecutionTable::bind,
                Row::ingestId,
                LedgerStore::inserted))
        .withKeyOrder(
            Comparator.comparing((Row r) -> r.run().executionId())
                .thenComparing(r -> r.run().startedAt())
                .thenComparing(Row::siteId));
  }

  /** Binds the row from parameter {@code first} on; returns the next free index. */
  static int bind(PreparedStatement ps, int first, Row row) throws SQLException {
    ToolExecution t = row.run();
    int i = first;
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
    ps.setString(i++, row.ingestId());
    return i;
  }
}
