package dev.vigil.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** A stored model call as the API shows it (wire DTO). Money in integer microdollars. */
public record AiRequestView(
    String requestId,
    String traceId,
    String spanId,
    String parentSpanId,
    String site,
    String userId,
    String sessionId,
    String taskId,
    String contextId,
    String clientId,
    String agent,
    String processRunId,
    String provider,
    String model,
    String requestedModel,
    String tier,
    String costContext,
    boolean streaming,
    boolean synthetic,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheWrite5mTokens,
    long cacheWrite1hTokens,
    long webSearchRequests,
    String status,
    String errorType,
    String errorMessage,
    Integer latencyMs,
    Integer timeToFirstTokenMs,
    Instant startedAt,
    Instant endedAt,
    long costMicrodollars,
    long webSearchMicrodollars,
    String priceCard,
    String priceKey,
    boolean priced,
    String unpricedReason,
    Long reportedCostMicrodollars,
    String promptExcerpt,
    String completionExcerpt,
    Instant receivedAt) {

  static final String COLUMNS =
      "request_id, trace_id, span_id, parent_span_id, site_id, user_id, session_id, task_id,"
          + " context_id, client_id, agent, process_run_id, provider, model, requested_model, tier,"
          + " cost_context, streaming, synthetic, input_tokens, output_tokens, cache_read_tokens,"
          + " cache_write_5m_tokens, cache_write_1h_tokens, web_search_requests, status, error_type,"
          + " error_message, latency_ms, time_to_first_token_ms, started_at, ended_at,"
          + " cost_microdollars, web_search_microdollars, price_card, price_key, priced,"
          + " unpriced_reason, reported_cost_microdollars, prompt_excerpt, response_excerpt,"
          + " received_at";

  /**
   * The row as {@link #from} reads it back once stored: the values the insert binds, with usage as
   * the table's integers and the excerpts the site's tier keeps.
   */
  static AiRequestView of(AiRequestTable.Row row) {
    AiRequest r = row.call();
    Usage u = r.usage();
    Cost cost = row.cost();
    return new AiRequestView(
        r.requestId(),
        r.traceId(),
        r.spanId(),
        r.parentSpanId(),
        row.siteId(),
        r.userId(),
        r.sessionId(),
        r.taskId(),
        r.contextId(),
        r.clientId(),
        r.agent(),
        r.processRunId(),
        r.provider(),
        r.model(),
        r.requestedModel(),
        r.tier(),
        r.costContext(),
        r.streaming(),
        r.synthetic(),
        (int) u.input(),
        (int) u.output(),
        (int) u.cacheRead(),
        (int) u.cacheWrite5m(),
        (int) u.cacheWrite1h(),
        (int) u.webSearches(),
        r.status(),
        r.errorType(),
        r.errorMessage(),
        r.latencyMs(),
        r.timeToFirstTokenMs(),
        r.startedAt(),
        r.endedAt(),
        cost.microdollars(),
        cost.webSearchMicrodollars(),
        cost.cardVersion(),
        cost.priceKey(),
        cost.priced(),
        cost.unpricedReason(),
        r.reportedCostMicrodollars(),
        Privacy.promptExcerpt(row.privacyTier(), r.prompt()),
        Privacy.completionExcerpt(row.privacyTier(), r.completion()),
        row.receivedAt());
  }

  static AiRequestView from(ResultSet rs) throws SQLException {
    return new AiRequestView(
        rs.getString("request_id"),
        rs.getString("trace_id"),
        rs.getString("span_id"),
        rs.getString("parent_span_id"),
        rs.getString("site_id"),
        rs.getString("user_id"),
        rs.getString("session_id"),
        rs.getString("task_id"),
        rs.getString("context_id"),
        rs.getString("client_id"),
        rs.getString("agent"),
        rs.getString("process_run_id"),
        rs.getString("provider"),
        rs.getString("model"),
        rs.getString("requested_model"),
        rs.getString("tier"),
        rs.getString("cost_context"),
        rs.getBoolean("streaming"),
        rs.getBoolean("synthetic"),
        rs.getLong("input_tokens"),
        rs.getLong("output_tokens"),
        rs.getLong("cache_read_tokens"),
        rs.getLong("cache_write_5m_tokens"),
        rs.getLong("cache_write_1h_tokens"),
        rs.getLong("web_search_requests"),
        rs.getString("status"),
        rs.getString("error_type"),
        rs.getString("error_message"),
        rs.getObject("latency_ms", Integer.class),
        rs.getObject("time_to_first_token_ms", Integer.class),
        instant(rs, "started_at"),
        instant(rs, "ended_at"),
        rs.getLong("cost_microdollars"),
        rs.getLong("web_search_microdollars"),
        rs.getString("price_card"),
        rs.getString("price_key"),
        rs.getBoolean("priced"),
        rs.getString("unpriced_reason"),
        rs.getObject("reported_cost_microdollars", Long.class),
        rs.getString("prompt_excerpt"),
        rs.getString("response_excerpt"),
        instant(rs, "received_at"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    java.sql.Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  long totalTokens() {
    return inputTokens + outputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens;
  }
}
