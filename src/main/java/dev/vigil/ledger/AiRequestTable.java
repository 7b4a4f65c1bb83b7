package dev.vigil.ledger;

import dev.vigil.writer.AppendWriter;
import dev.vigil.writer.AppendWriter.Column;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** The {@code ai_requests} fact table as an append-writer target. */
public final class AiRequestTable {

  /** One row: a validated call, priced, of a site at a privacy tier, stored by one write. */
  public record Row(
      String siteId,
      int privacyTier,
      AiRequest call,
      Cost cost,
      Instant receivedAt,
      String ingestId) {}

  /**
   * The columns, in the order {@link #values} gives them. Omittable: the nullable ones without a
   * default, which most calls leave empty; a chunk's statement names them only when one of its rows
   * fills them.
   */
  static final List<AppendWriter.Column> COLUMNS =
      List.of(
          Column.of("request_id", Types.VARCHAR),
          Column.of("site_id", Types.VARCHAR),
          Column.of("trace_id", Types.VARCHAR),
          Column.of("span_id", Types.VARCHAR),
          Column.omittable("parent_span_id", Types.VARCHAR),
          Column.omittable("user_id", Types.VARCHAR),
          Column.omittable("session_id", Types.VARCHAR),
          Column.omittable("task_id", Types.VARCHAR),
          Column.omittable("context_id", Types.VARCHAR),
          Column.omittable("client_id", Types.VARCHAR),
          Column.omittable("agent", Types.VARCHAR),
          Column.omittable("process_run_id", Types.VARCHAR),
          Column.of("provider", Types.VARCHAR),
          Column.of("model", Types.VARCHAR),
          Column.omittable("requested_model", Types.VARCHAR),
          Column.omittable("tier", Types.VARCHAR),
          Column.omittable("cost_context", Types.VARCHAR),
          Column.of("streaming", Types.BOOLEAN),
          Column.of("synthetic", Types.BOOLEAN),
          Column.of("input_tokens", Types.INTEGER),
          Column.of("output_tokens", Types.INTEGER),
          Column.of("cache_read_tokens", Types.INTEGER),
          Column.of("cache_write_5m_tokens", Types.INTEGER),
          Column.of("cache_write_1h_tokens", Types.INTEGER),
          Column.of("web_search_requests", Types.INTEGER),
          Column.of("status", Types.VARCHAR),
          Column.omittable("error_type", Types.VARCHAR),
          Column.omittable("error_message", Types.VARCHAR),
          Column.omittable("latency_ms", Types.INTEGER),
          Column.omittable("time_to_first_token_ms", Types.INTEGER),
          Column.of("started_at", Types.TIMESTAMP),
          Column.omittable("ended_at", Types.TIMESTAMP),
          Column.of("cost_microdollars", Types.BIGINT),
          Column.of("web_search_microdollars", Types.BIGINT),
          Column.of("price_card", Types.VARCHAR),
          Column.omittable("price_key", Types.VARCHAR),
          Column.of("priced", Types.BOOLEAN),
          Column.omittable("unpriced_reason", Types.VARCHAR),
          Column.omittable("reported_cost_microdollars", Types.BIGINT),
          Column.omittable("prompt_excerpt", Types.VARCHAR),
          Column.omittable("response_excerpt", Types.VARCHAR),
          Column.of("received_at", Types.TIMESTAMP),
          Column.of("ingest_id", Types.VARCHAR));

  static final AppendWriter.Columns<Row> TABLE_COLUMNS =
      new AppendWriter.Columns<>("ai_requests", COLUMNS, AiRequestTable::values);

  private static final AppendWriter.Returning<Row> INSERT_RETURNING =
      LedgerStore.insert(TABLE_COLUMNS, "request_id", Row::ingestId);

  /** The one-row insert of every column (tests seed rows with it and {@link #bind}). */
  static final String INSERT = TABLE_COLUMNS.insertAll() + LedgerStore.ON_CONFLICT;

  private AiRequestTable() {}

  public static AppendWriter.Table<Row> table() {
    return AppendWriter.Table.returning("ai_requests", INSERT_RETURNING)
        .withKeyOrder(
            Comparator.comparing((Row r) -> r.call().requestId())
                .thenComparing(r -> r.call().startedAt())
                .thenComparing(Row::siteId));
  }

  /** Binds every column of the row from parameter {@code first} on; returns the next free index. */
  static int bind(PreparedStatement ps, int first, Row row) throws SQLException {
    return TABLE_COLUMNS.bindAll(ps, first, row);
  }

  /** The row's value of each column, in the order of {@link #COLUMNS}; returns how many. */
  static int values(Row row, Object[] out) {
    AiRequest r = row.call();
    Usage u = r.usage();
    Cost cost = row.cost();
    int i = 0;
    out[i++] = r.requestId();
    out[i++] = row.siteId();
    out[i++] = r.traceId();
    out[i++] = r.spanId();
    out[i++] = r.parentSpanId();
    out[i++] = r.userId();
    out[i++] = r.sessionId();
    out[i++] = r.taskId();
    out[i++] = r.contextId();
    out[i++] = r.clientId();
    out[i++] = r.agent();
    out[i++] = r.processRunId();
    out[i++] = r.provider();
    out[i++] = r.model();
    out[i++] = r.requestedModel();
    out[i++] = r.tier();
    out[i++] = r.costContext();
    out[i++] = r.streaming();
    out[i++] = r.synthetic();
    out[i++] = (int) u.input();
    out[i++] = (int) u.output();
    out[i++] = (int) u.cacheRead();
    out[i++] = (int) u.cacheWrite5m();
    out[i++] = (int) u.cacheWrite1h();
    out[i++] = (int) u.webSearches();
    out[i++] = r.status();
    out[i++] = r.errorType();
    out[i++] = r.errorMessage();
    out[i++] = r.latencyMs();
    out[i++] = r.timeToFirstTokenMs();
    out[i++] = r.startedAt();
    out[i++] = r.endedAt();
    out[i++] = cost.microdollars();
    out[i++] = cost.webSearchMicrodollars();
    out[i++] = cost.cardVersion();
    out[i++] = cost.priceKey();
    out[i++] = cost.priced();
    out[i++] = cost.unpricedReason();
    out[i++] = r.reportedCostMicrodollars();
    out[i++] = Privacy.promptExcerpt(row.privacyTier(), r.prompt());
    out[i++] = Privacy.completionExcerpt(row.privacyTier(), r.completion());
    out[i++] = row.receivedAt();
    out[i++] = row.ingestId();
    return i;
  }
}
