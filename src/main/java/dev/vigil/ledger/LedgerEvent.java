package dev.vigil.ledger;

import dev.vigil.CborSerializable;
import java.time.Instant;

/**
 * What the ledger publishes on the pub-sub topic {@code ledger-<siteId>} for live streams: each new
 * model call and tool run (repeats are not published again) and each budget crossing.
 */
public sealed interface LedgerEvent extends CborSerializable {
  String siteId();

  /** A model call was stored. */
  record AiRequestRecorded(
      String siteId,
      String requestId,
      String traceId,
      String agent,
      String userId,
      String provider,
      String model,
      String status,
      long totalTokens,
      long costMicrodollars,
      boolean priced,
      boolean synthetic,
      Instant startedAt)
      implements LedgerEvent {}

  /** A tool run was stored. */
  record ToolExecutionRecorded(
      String siteId,
      String executionId,
      String traceId,
      String toolName,
      String serverName,
      String agent,
      String status,
      Integer durationMs,
      boolean synthetic,
      Instant startedAt)
      implements LedgerEvent {}

  /** A budget reached its warning share or its limit (level warning or critical). */
  record BudgetCrossed(
      String siteId,
      String subjectKind,
      String subjectId,
      String level,
      double value,
      Long dayLimitMicrodollars,
      long daySpentMicrodollars,
      Long monthLimitMicrodollars,
      long monthSpentMicrodollars,
      Instant at)
      implements LedgerEvent {}
}
