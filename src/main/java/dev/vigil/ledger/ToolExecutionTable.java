package dev.vigil.ledger;

import dev.vigil.writer.AppendWriter;
import dev.vigil.writer.AppendWriter.Column;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** The {@code tool_executions} fact table as an append-writer target. */
public final class ToolExecutionTable {

  /** One row: a validated tool run of a site at a privacy tier, stored by one write. */
  public record Row(
      String siteId, int privacyTier, ToolExecution run, Instant receivedAt, String ingestId) {}

  /**
   * The columns, in the order {@link #values} gives them; the omittable ones are nullable without a
   * default, named by a chunk's statement only when one of its rows fills them.
   */
  static final List<AppendWriter.Column> COLUMNS =
      List.of(
          Column.of("execution_id", Types.VARCHAR),
          Column.of("site_id", Types.VARCHAR),
          Column.of("trace_id", Types.VARCHAR),
          Column.of("span_id", Types.VARCHAR),
          Column.omittable("parent_span_id", Types.VARCHAR),
          Column.omittable("ai_request_id", Types.VARCHAR),
          Column.of("tool_name", Types.VARCHAR),
          Column.omittable("server_name", Types.VARCHAR),
          Column.omittable("user_id", Types.VARCHAR),
          Column.omittable("session_id", Types.VARCHAR),
          Column.omittable("task_id", Types.VARCHAR),
          Column.omittable("agent", Types.VARCHAR),
          Column.of("status", Types.VARCHAR),
          Column.omittable("error", Types.VARCHAR),
          Column.of("started_at", Types.TIMESTAMP),
          Column.omittable("duration_ms", Types.INTEGER),
          Column.of("synthetic", Types.BOOLEAN),
          Column.omittable("input_excerpt", Types.VARCHAR),
          Column.omittable("output_excerpt", Types.VARCHAR),
          Column.of("received_at", Types.TIMESTAMP),
          Column.of("ingest_id", Types.VARCHAR));

  static final AppendWriter.Columns<Row> TABLE_COLUMNS =
      new AppendWriter.Columns<>("tool_executions", COLUMNS, ToolExecutionTable::values);

  private static final AppendWriter.Returning<Row> INSERT_RETURNING =
      LedgerStore.insert(TABLE_COLUMNS, "execution_id", Row::ingestId);

  /** The one-row insert of every column (tests seed rows with it and {@link #bind}). */
  static final String INSERT = TABLE_COLUMNS.insertAll() + LedgerStore.ON_CONFLICT;

  private ToolExecutionTable() {}

  public static AppendWriter.Table<Row> table() {
    return AppendWriter.Table.returning("tool_executions", INSERT_RETURNING)
        .withKeyOrder(
            Comparator.comparing((Row r) -> r.run().executionId())
                .thenComparing(r -> r.run().startedAt())
                .thenComparing(Row::siteId));
  }

  /** Binds every column of the row from parameter {@code first} on; returns the next free index. */
  static int bind(PreparedStatement ps, int first, Row row) throws SQLException {
    return TABLE_COLUMNS.bindAll(ps, first, row);
  }

  /** The row's value of each column, in the order of {@link #COLUMNS}; returns how many. */
  static int values(Row row, Object[] out) {
    ToolExecution t = row.run();
    int i = 0;
    out[i++] = t.executionId();
    out[i++] = row.siteId();
    out[i++] = t.traceId();
    out[i++] = t.spanId();
    out[i++] = t.parentSpanId();
    out[i++] = t.aiRequestId();
    out[i++] = t.toolName();
    out[i++] = t.serverName();
    out[i++] = t.userId();
    out[i++] = t.sessionId();
    out[i++] = t.taskId();
    out[i++] = t.agent();
    out[i++] = t.status();
    out[i++] = t.error();
    out[i++] = t.startedAt();
    out[i++] = t.durationMs();
    out[i++] = t.synthetic();
    out[i++] = Privacy.inputExcerpt(row.privacyTier(), t.input());
    out[i++] = Privacy.outputExcerpt(row.privacyTier(), t.output());
    out[i++] = row.receivedAt();
    out[i++] = row.ingestId();
    return i;
  }
}
