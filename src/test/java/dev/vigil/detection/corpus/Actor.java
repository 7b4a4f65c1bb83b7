package dev.vigil.detection.corpus;

import java.util.List;

/**
 * A labelled actor of the corpus: its kind, a short profile (which kind of human or bot variant,
 * for diagnosis), the group it shares a network or device with (replayed by one thread, so their
 * interleaving is kept), and its steps in time order.
 */
public record Actor(int id, Kind kind, String profile, String group, List<Trace.Step> steps) {

  public Actor {
    steps = List.copyOf(steps);
  }

  public long requests() {
    return steps.stream().filter(s -> s instanceof Trace.Request).count();
  }

  /** The kinds of the detection spec's evaluation corpus. */
  public enum Kind {
    HUMAN("human", false, false),
    DECLARED_CRAWLER("declared crawler", true, true),
    SPOOFED_CRAWLER("spoofed crawler", true, true),
    AUTOMATION_TOOL("automation tool", true, true),
    SPOOFED_UA_SCRAPER("spoofed-UA scraper", true, true),
    HEADLESS_CRAWLER("headless crawler", true, true),
    SLOW_CRAWLER("slow path-order crawler", true, true),
    FARM_FEW_NETWORKS("IP farm, few /24s", true, true),
    FARM_MANY_NETWORKS("IP farm, many /24s", true, false),
    PERIODIC_MONITOR("periodic monitor", true, true),
    SCANNER("scanner", true, true);

    private final String label;
    private final boolean bot;
    private final boolean recallGoal;

    Kind(String label, boolean bot, boolean recallGoal) {
      this.label = label;
      this.bot = bot;
      this.recallGoal = recallGoal;
    }

    public String label() {
      return label;
    }

    public boolean bot() {
      return bot;
    }

    /**
     * Whether the spec's recall goal is asserted for the kind. A farm that rotates across many /24
     * networks never shows a fingerprint more than once (the fingerprint includes the /24), so it
     * is measured and reported but out of reach by construction; see the report's notes.
     */
    public boolean recallGoal() {
      return recallGoal;
    }
  }
}
