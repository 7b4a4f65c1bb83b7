package dev.vigil.fingerprint;

import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.Verdict;

/**
 * The one class a session is reported under (sessions.class, traffic splits): an immediate class
 * wins over behaviour; behaviour over the ghost rule; else human.
 */
public final class SessionClass {
  public static final String HUMAN = "human";
  public static final String KNOWN_BOT = "known_bot";
  public static final String AI_CRAWLER = "ai_crawler";
  public static final String SPOOFED_CRAWLER = "spoofed_crawler";
  public static final String AUTOMATION = "automation";
  public static final String SCANNER = "scanner";
  public static final String BEHAVIOURAL_BOT = "behavioural_bot";
  public static final String GHOST = "ghost";

  private SessionClass() {}

  public static String of(ImmediateClass immediate, Verdict verdict, boolean ghost) {
    if (immediate != null) {
      return switch (immediate.kind()) {
        case DECLARED_CRAWLER, VERIFIED_CRAWLER -> KNOWN_BOT;
        case AI_CRAWLER -> AI_CRAWLER;
        case SPOOFED_CRAWLER -> SPOOFED_CRAWLER;
        case AUTOMATION_TOOL -> AUTOMATION;
        case SCANNER -> SCANNER;
      };
    }
    if (verdict.bot()) {
      return BEHAVIOURAL_BOT;
    }
    return ghost ? GHOST : HUMAN;
  }

  public static boolean isBot(String sessionClass) {
    return !HUMAN.equals(sessionClass) && !GHOST.equals(sessionClass);
  }
}
