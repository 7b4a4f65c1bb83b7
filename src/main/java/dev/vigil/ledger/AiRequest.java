package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One model call as a caller reported it, validated. {@code traceId} and {@code spanId} default to
 * the request id; {@code prompt}, {@code completion} and the bodies are kept only as far as the
 * site's privacy tier allows.
 */
public record AiRequest(
    String requestId,
    String traceId,
    String spanId,
    String parentSpanId,
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
    Usage usage,
    String status,
    String errorType,
    String errorMessage,
    Integer latencyMs,
    Integer timeToFirstTokenMs,
    Instant startedAt,
    Instant endedAt,
    Long reportedCostMicrodollars,
    String prompt,
    String completion,
    JsonNode requestBody,
    JsonNode responseBody) {}
