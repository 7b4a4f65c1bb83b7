package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Validates the bodies of {@code POST /v1/ai/requests} and {@code POST /v1/tools/executions}: one
 * JSON object, or an array of 1 to {@code maxBatch} of them. Every field is checked and every error
 * is named (row index, field, reason); a body with any error is refused whole, so a caller's retry
 * never has to work out which rows of a batch were stored. Unknown fields are ignored.
 */
public final class LedgerParser {
  static final long MAX_TOKENS = 1_000_000_000L;
  static final long MAX_WEB_SEARCHES = 100_000;
  static final int MAX_MILLIS = 86_400_000;
  static final int MAX_MESSAGE = 4096;
  static final int MAX_PAYLOAD_TEXT = 1_000_000;
  static final BigDecimal MAX_REPORTED_USD = BigDecimal.valueOf(1_000_000);
  static final Duration MAX_AHEAD = Duration.ofMinutes(5);
  static final Set<String> AI_STATUSES = Set.of("completed", "failed", "rejected");
  static final Set<String> TOOL_STATUSES = Set.of("success", "failed", "timeout", "denied");

  /** The rows of a valid body, or the errors of an invalid one. */
  public record Parsed<T>(List<T> rows, List<FieldError> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  private final Clock clock;
  private final Duration maxAge;
  private final int maxBatch;

  /**
   * @param maxAge how old a row's start may be (older days' partitions may have been dropped)
   */
  public LedgerParser(Clock clock, Duration maxAge, int maxBatch) {
    this.clock = clock;
    this.maxAge = maxAge;
    this.maxBatch = maxBatch;
  }

  public Parsed<AiRequest> aiRequests(JsonNode body) {
    return rows(body, this::aiRequest);
  }

  public Parsed<ToolExecution> toolExecutions(JsonNode body) {
    return rows(body, this::toolExecution);
  }

  private <T> Parsed<T> rows(JsonNode body, BiFunction<Fields, JsonNode, T> parse) {
    List<FieldError> errors = new ArrayList<>();
    List<T> rows = new ArrayList<>();
    if (body != null && body.isObject()) {
      T row = parse.apply(new Fields(body, 0, errors), body);
      return new Parsed<>(errors.isEmpty() ? List.of(row) : List.of(), errors);
    }
    if (body == null || !body.isArray()) {
      errors.add(new FieldError(0, "body", "must be a JSON object or an array of them"));
      return new Parsed<>(List.of(), errors);
    }
    if (body.isEmpty() || body.size() > maxBatch) {
      errors.add(new FieldError(0, "body", "must hold 1 to " + maxBatch + " rows"));
      return new Parsed<>(List.of(), errors);
    }
    for (int i = 0; i < body.size(); i++) {
      JsonNode item = body.get(i);
      if (!item.isObject()) {
        errors.add(new FieldError(i, "body", "must be a JSON object"));
        continue;
      }
      rows.add(parse.apply(new Fields(item, i, errors), item));
    }
    return new Parsed<>(errors.isEmpty() ? rows : List.of(), errors);
  }

  private AiRequest aiRequest(Fields f, JsonNode node) {
    String requestId = f.required("requestId", f.lookupId("requestId"));
    String traceId = f.lookupId("traceId");
    String spanId = f.label("spanId", 128);
    String provider = f.required("provider", f.label("provider", 64));
    String model = f.required("model", f.label("model", 200));
    Usage usage =
        new Usage(
            f.countOrZero("inputTokens", MAX_TOKENS),
            f.countOrZero("outputTokens", MAX_TOKENS),
            f.countOrZero("cacheReadTokens", MAX_TOKENS),
            f.countOrZero("cacheWrite5mTokens", MAX_TOKENS),
            f.countOrZero("cacheWrite1hTokens", MAX_TOKENS),
            f.countOrZero("webSearchRequests", MAX_WEB_SEARCHES));
    Instant startedAt = startedAt(f);
    Integer latency = f.millis("latencyMs", MAX_MILLIS);
    Integer ttft = f.millis("timeToFirstTokenMs", MAX_MILLIS);
    Instant endedAt = endedAt(f, "endedAt", startedAt, latency);
    if (latency == null && endedAt != null && startedAt != null) {
      long ms = Duration.between(startedAt, endedAt).toMillis();
      latency = ms <= MAX_MILLIS ? (int) ms : null;
    }
    if (ttft != null && latency != null && ttft > latency) {
      f.error("timeToFirstTokenMs", "must not be more than latencyMs");
    }
    return new AiRequest(
        requestId,
        traceId != null ? traceId : requestId,
        spanId != null ? spanId : requestId,
        f.label("parentSpanId", 128),
        f.label("userId", 256),
        f.label("sessionId", 256),
        f.lookupId("taskId"),
        f.label("contextId", 256),
        f.label("clientId", 256),
        f.label("agent", 128),
        f.label("processRunId", 256),
        provider == null ? null : provider.toLowerCase(Locale.ROOT),
        model,
        f.label("requestedModel", 200),
        f.label("tier", 64),
        f.label("costContext", 64),
        f.bool("streaming"),
        f.bool("synthetic"),
        usage,
        f.oneOf("status", AI_STATUSES, "completed"),
        f.label("errorType", 128),
        f.text("errorMessage", MAX_MESSAGE),
        latency,
        ttft,
        startedAt,
        endedAt,
        reportedCost(f),
        f.text("prompt", MAX_PAYLOAD_TEXT),
        f.text("completion", MAX_PAYLOAD_TEXT),
        f.any("requestBody"),
        f.any("responseBody"));
  }

  private ToolExecution toolExecution(Fields f, JsonNode node) {
    String executionId = f.required("executionId", f.lookupId("executionId"));
    String traceId = f.lookupId("traceId");
    String spanId = f.label("spanId", 128);
    String toolName = f.required("toolName", f.label("toolName", 200));
    String status = f.required("status", f.oneOf("status", TOOL_STATUSES, null));
    Instant startedAt = startedAt(f);
    Integer duration = f.millis("durationMs", MAX_MILLIS);
    if (duration != null && startedAt != null) {
      endedAt(f, "durationMs", startedAt, duration);
    }
    return new ToolExecution(
        executionId,
        traceId != null ? traceId : executionId,
        spanId != null ? spanId : executionId,
        f.label("parentSpanId", 128),
        f.lookupId("aiRequestId"),
        toolName,
        f.label("serverName", 200),
        f.label("userId", 256),
        f.label("sessionId", 256),
        f.lookupId("taskId"),
        f.label("agent", 128),
        status,
        f.text("error", MAX_MESSAGE),
        startedAt,
        duration,
        f.bool("synthetic"),
        f.any("input"),
        f.any("output"));
  }

  private Instant startedAt(Fields f) {
    Instant at = f.instant("startedAt");
    if (at == null) {
      f.required("startedAt", null);
      return null;
    }
    Instant now = clock.instant();
    if (at.isBefore(now.minus(maxAge))) {
      f.error("startedAt", "must not be more than " + maxAge.toHours() + " h old");
      return null;
    }
    if (at.isAfter(now.plus(MAX_AHEAD))) {
      f.error("startedAt", "must not be more than 5 minutes ahead of the server's clock");
      return null;
    }
    return at;
  }

  /** The end from {@code endedAt} or start + duration; checked against start and now. */
  private Instant endedAt(Fields f, String field, Instant startedAt, Integer durationMs) {
    Instant ended = field.equals("endedAt") ? f.instant("endedAt") : null;
    if (ended == null && durationMs != null && startedAt != null) {
      ended = startedAt.plusMillis(durationMs);
    }
    if (ended == null || startedAt == null) {
      return ended;
    }
    if (ended.isBefore(startedAt)) {
      f.error(field, "must not end before startedAt");
      return null;
    }
    if (ended.isAfter(clock.instant().plus(MAX_AHEAD))) {
      f.error(field, "must not end more than 5 minutes ahead of the server's clock");
      return null;
    }
    return ended;
  }

  private static Long reportedCost(Fields f) {
    Long micro = f.count("reportedCostMicrodollars", MAX_REPORTED_USD.longValue() * 1_000_000);
    BigDecimal usd = f.decimal("reportedCostUsd", MAX_REPORTED_USD);
    if (micro != null && usd != null) {
      f.error("reportedCostUsd", "send reportedCostMicrodollars or reportedCostUsd, not both");
      return null;
    }
    if (usd != null) {
      return usd.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }
    return micro;
  }
}
