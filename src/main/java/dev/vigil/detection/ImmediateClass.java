package dev.vigil.detection;

import dev.vigil.CborSerializable;
import java.util.Locale;

/**
 * A class known from a single request, before any behaviour: what it is, and which crawler or tool
 * it names ({@code Googlebot}, {@code curl}, {@code /.env}).
 */
public record ImmediateClass(Kind kind, String name) implements CborSerializable {

  /** The immediate classes of the detection spec. */
  public enum Kind {
    DECLARED_CRAWLER,
    VERIFIED_CRAWLER,
    SPOOFED_CRAWLER,
    AI_CRAWLER,
    AUTOMATION_TOOL,
    SCANNER;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
