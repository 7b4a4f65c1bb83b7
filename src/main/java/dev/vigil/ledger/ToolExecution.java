package dev.vigil.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One tool run as a caller reported it, validated. {@code traceId} and {@code spanId} default to
 * the execution id; {@code input} and {@code output} are kept only as far as the site's privacy
 * tier allows.
 */
public record ToolExecution(
    String executionId,
    String traceId,
    String spanId,
    String parentSpanId,
    String aiRequestId,
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
    boolean synthetic,
    JsonNode input,
    JsonNode output) {}
