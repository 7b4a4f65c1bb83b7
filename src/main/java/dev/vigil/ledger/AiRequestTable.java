package dev.vigil.ledger;

import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;

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

  /** Parameters per row. */
  static final int WIDTH = 43;

  static final String HEAD =
      "INSERT INTO ai_requests (request_id, site_id, trace_id, span_id, parent_span_id,"
          + " user_id, session_id, task_id, context_id, client_id, agent, process_run_id, provider,"
          + " model, requested_model, tier, cost_context, streaming, synthetic, input_tokens,"
          + " output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,"
          + " web_search_requests, status, error_type, error_message, latency_ms,"
          + " time_to_first_token_ms, started_at, ended_at, cost_microdollars,"
          + " web_search_microdollars, price_card, price_key, priced, unpriced_reason,"
          + " reported_cost_microdollars, prompt_excerpt, response_excerpt, received_at, ingest_id)";

  /** A repeat of a stored key is acknowledged with the stored row, not stored again. */
  static final String CONFLICT = " ON CONFLICT DO NOTHING";

  /** The one-row insert (tests seed rows with it). */
  static final String INSERT =
      HEAD + " VALUES (" + String.join(", ", Collections.nCopies(WIDTH, "?")) + ")" + CONFLICT;

  /**
   * Each row the insert stored, with the write that stored it: a repeat of a stored key is not
   * returned, so a write learns its first writes without reading them back.
   */
  static final String RETURNING = " RETURNING request_id, started_at, ingest_id";

  private AiRequestTable() {}

  public static AppendWriter.Table<Row> table() {
    return AppendWriter.Table.returning(
            "ai_requests",
            new AppendWriter.Returning<>(
                HEAD + " VALUES ",
                WIDTH,
                CONFLICT + RETURNING,
                AiRequestTable::bind,
                Row::ingestId,
                LedgerStore::inserted))
        .withKeyOrder(
            Comparator.comparing((Row r) -> r.call().requestId())
                .thenComparing(r -> r.call().startedAt())
                .thenComparing(Row::siteId));
  }

  /** Binds the row from parameter {@code first} on; returns the next free index. */
  static int bind(PreparedStatement ps, int first, Row row) throws SQLException {
    AiRequest r = row.call();
    Usage u = r.usage();
    Cost cost = row.cost();
    int i = first;
    ps.setString(i++, r.requestId());
    ps.setString(i++, row.siteId());
    ps.setString(i++, r.traceId());
    ps.setString(i++, r.spanId());
    ps.setString(i++, r.parentSpanId());
    ps.setString(i++, r.userId());
    ps.setString(i++, r.sessionId());
    ps.setString(i++, r.taskId());
    ps.setString(i++, r.contextId());
    ps.setString(i++, r.clientId());
    ps.setString(i++, r.agent());
    ps.setString(i++, r.processRunId());
    ps.setString(i++, r.provider());
    ps.setString(i++, r.model());
    ps.setString(i++, r.requestedModel());
    ps.setString(i++, r.tier());
    ps.setString(i++, r.costContext());
    ps.setBoolean(i++, r.streaming());
    ps.setBoolean(i++, r.synthetic());
    ps.setInt(i++, (int) u.input());
    ps.setInt(i++, (int) u.output());
    ps.setInt(i++, (int) u.cacheRead());
    ps.setInt(i++, (int) u.cacheWrite5m());
    ps.setInt(i++, (int) u.cacheWrite1h());
    ps.setInt(i++, (int) u.webSearches());
    ps.setString(i++, r.status());
    ps.setString(i++, r.errorType());
    ps.setString(i++, r.errorMessage());
    setInt(ps, i++, r.latencyMs());
    setInt(ps, i++, r.timeToFirstTokenMs());
    ps.setTimestamp(i++, Timestamp.from(r.startedAt()));
    ps.setTimestamp(i++, r.endedAt() == null ? null : Timestamp.from(r.endedAt()));
    ps.setLong(i++, cost.microdollars());
    ps.setLong(i++, cost.webSearchMicrodollars());
    ps.setString(i++, cost.cardVersion());
    ps.setString(i++, cost.priceKey());
    ps.setBoolean(i++, cost.priced());
    ps.setString(i++, cost.unpricedReason());
    if (r.reportedCostMicrodollars() == null) {
      ps.setNull(i++, Types.BIGINT);
    } else {
      ps.setLong(i++, r.reportedCostMicrodollars());
    }
    ps.setString(i++, Privacy.promptExcerpt(row.privacyTier(), r.prompt()));
    ps.setString(i++, Privacy.completionExcerpt(row.privacyTier(), r.completion()));
    ps.setTimestamp(i++, Timestamp.from(row.receivedAt()));
    ps.setString(i++, row.ingestId());
    return i;
  }

  static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setInt(index, value);
    }
  }
}
