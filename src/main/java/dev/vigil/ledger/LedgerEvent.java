package dev.vigil.ledger;

import dev.vigil.CborSerializable;
import java.time.Instant;

/**
 * What the ledger publishes to the site's live streams: each new model call ({@code
 * ledger.request}) and tool run ({@code ledger.tool}) — repeats are not published again — and each
 * budget crossing ({@code ledger.budget}).
 */
public sealed interface LedgerEvent extends CborSerializable {
  String siteId();

  /** When it happened. */
  Instant at();

  /** The live event type. */
  default String liveType() {
    if (this instanceof AiRequestRecorded) {
      return "ledger.request";
    }
    return this instanceof ToolExecutionRecorded ? "ledger.tool" : "ledger.budget";
  }

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
      implements LedgerEvent {
    @Override
    public Instant at() {
      return startedAt;
    }
  }

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
      implements LedgerEvent {
    @Override
    public Instant at() {
      return startedAt;
    }
  }

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
