package dev.vigil.fingerprint;

import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FingerprintSignals;
import dev.vigil.detection.FiredSignal;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.Signal;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.detection.ThrottlePolicy;
import dev.vigil.detection.ThrottleState;
import dev.vigil.detection.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one request does to a fingerprint, decided without Pekko: its signals, the session's
 * verdict, the throttle transitions (immediate classes, a bot verdict, a minute over the rate, a
 * high error rate, cooldowns) and, for a decision call, the answer.
 */
public final class Assessor {

  /** The request to assess, as the session entity forwards it. */
  public record Input(
      String sessionId,
      boolean newSession,
      Instant at,
      String ip,
      boolean pageRequest,
      boolean error,
      List<FiredSignal> sessionSignals,
      ImmediateClass immediate,
      String sessionClass,
      boolean decision) {}

  /** Everything that changed, and the answer (null for an observation). */
  public record Outcome(
      FingerprintSignals signals,
      ThrottleState throttle,
      List<ThrottlePolicy.Transition> transitions,
      Verdict verdict,
      String sessionClass,
      Decision decision) {}

  private final DetectionSettings settings;
  private final ThrottlePolicy policy;

  public Assessor(DetectionSettings settings) {
    this.settings = settings;
    this.policy = new ThrottlePolicy(settings.throttle());
  }

  public Outcome assess(
      String fingerprintId, FingerprintSignals signals, ThrottleState throttle, Input in) {
    FingerprintSignals s =
        signals.onRequest(in.sessionId(), in.newSession(), in.at(), in.ip(), in.error());
    List<ThrottlePolicy.Transition> transitions = new ArrayList<>();
    ThrottleState t = throttle;
    // a fingerprint quiet for longer than several cooldowns steps down several levels at once
    for (var cooled = policy.cooldown(t, in.at());
        cooled.isPresent();
        cooled = policy.cooldown(t, in.at())) {
      transitions.add(cooled.get());
      t = cooled.get().state();
    }
    ImmediateClass immediate = in.immediate();
    boolean crawler = immediate != null && isCrawler(immediate.kind());
    Verdict verdict =
        crawler
            ? Verdict.CLEAN
            : Verdict.of(in.sessionSignals(), s.evaluate(in.at(), settings), settings.threshold());
    boolean ghost = in.sessionSignals().stream().anyMatch(f -> f.signal() == Signal.GHOST_SESSION);
    String sessionClass = SessionClass.of(immediate, verdict, ghost);

    String blockReason = blockReason(immediate, in.pageRequest());
    if (blockReason != null && t.level() != ThrottleLevel.BLOCKED) {
      transitions.add(policy.block(t, blockReason, in.at()));
      t = last(transitions);
    } else if (immediate != null
        && immediate.kind() == ImmediateClass.Kind.AI_CRAWLER
        && settings.aiCrawlerPolicy() == DetectionSettings.CrawlerPolicy.THROTTLE
        && t.level() == ThrottleLevel.NORMAL) {
      transitions.add(policy.escalate(t, "ai_crawler:" + immediate.name(), in.at()));
      t = last(transitions);
    }
    if (verdict.bot() && !SessionClass.BEHAVIOURAL_BOT.equals(in.sessionClass())) {
      transitions.add(policy.escalate(t, "behavioural_bot", in.at()));
      t = last(transitions);
    }
    if (s.errorRateExceeded(settings.throttle())) {
      transitions.add(policy.escalate(t, "error_rate", in.at()));
      t = last(transitions);
      s = s.resetErrorWindow(in.at());
    }
    Decision decision = null;
    if (in.decision()) {
      ThrottlePolicy.Admission admission = policy.admit(t, in.at());
      t = admission.state();
      if (policy.overLimitForAMinute(t, in.at())) {
        transitions.add(policy.escalate(t, "rate_limit", in.at()));
        t = last(transitions).withOverLimitCleared();
      }
      decision = answer(fingerprintId, t, admission, verdict, sessionClass, immediate, in.at());
    }
    return new Outcome(s, t, transitions, verdict, sessionClass, decision);
  }

  private Decision answer(
      String fingerprintId,
      ThrottleState t,
      ThrottlePolicy.Admission admission,
      Verdict verdict,
      String sessionClass,
      ImmediateClass immediate,
      Instant now) {
    ThrottleLevel level = t.effective();
    List<String> classes = new ArrayList<>();
    classes.add(sessionClass);
    if (immediate != null) {
      classes.add(immediate.kind().wire() + ":" + immediate.name());
    }
    List<String> reasons = new ArrayList<>(verdict.reasons());
    Decision.Action action;
    long retryAfter = 0;
    if (level == ThrottleLevel.BLOCKED) {
      action = Decision.Action.BLOCK;
      retryAfter = policy.blockedRetryAfter(t, now);
      reasons.add("throttle:blocked");
    } else if (!admission.admitted()) {
      action = Decision.Action.THROTTLE;
      retryAfter = admission.retryAfterSeconds();
      reasons.add("rate_limit:" + level.wire());
    } else {
      action = Decision.Action.ALLOW;
    }
    return new Decision(
        action, level, verdict.score(), classes, reasons, retryAfter, fingerprintId);
  }

  /** Scanners, spoofed crawlers and (on page requests) automation tools go straight to Blocked. */
  private String blockReason(ImmediateClass immediate, boolean pageRequest) {
    if (immediate == null) {
      return null;
    }
    return switch (immediate.kind()) {
      case SCANNER -> "scanner:" + immediate.name();
      case SPOOFED_CRAWLER -> "spoofed_crawler:" + immediate.name();
      case AUTOMATION_TOOL ->
          settings.blockAutomationTools() && pageRequest ? "automation:" + immediate.name() : null;
      case AI_CRAWLER ->
          settings.aiCrawlerPolicy() == DetectionSettings.CrawlerPolicy.BLOCK
              ? "ai_crawler:" + immediate.name()
              : null;
      default -> null;
    };
  }

  private static boolean isCrawler(ImmediateClass.Kind kind) {
    return kind == ImmediateClass.Kind.DECLARED_CRAWLER
        || kind == ImmediateClass.Kind.VERIFIED_CRAWLER
        || kind == ImmediateClass.Kind.AI_CRAWLER;
  }

  private static ThrottleState last(List<ThrottlePolicy.Transition> transitions) {
    return transitions.get(transitions.size() - 1).state();
  }
}
