package dev.vigil.fingerprint;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A flight-recorder event for one stage of one decision, so a slow answer can be taken apart: the
 * edge's call ({@code decide}, from the route's call into {@link Decider} until the answer is
 * back), the decider's own work before it asks (fingerprint, user agent, immediate rules: {@code
 * prepare}), the session entity's handling of the request ({@code session}) and the fingerprint
 * entity's ({@code fingerprint}, until it answers). The four share a trace number; the gaps between
 * them are the messages' way through sharding and the mailboxes, and the time an entity's mailbox
 * waited behind a journal write.
 *
 * <p>Off unless a recording asks for it ({@code
 * -XX:StartFlightRecording:...,+vigil.DecisionStage#enabled=true}, as {@code loadtest/run-bench.sh}
 * does with {@code DECIDE_STAGES=1}): four events a decision are too many for an always-on
 * recording. The stages of a decision whose entities live on another node are in that node's
 * recording, under the same trace number.
 */
@Name("vigil.DecisionStage")
@Label("Decision stage")
@Category("Vigil")
@Description("One stage of one decision; the stages of a decision share its trace number")
@Enabled(false)
@StackTrace(false)
public final class DecisionStage extends Event {
  // Random high bits: a trace travels with the decision to entities on other nodes, whose own
  // counters must not give one of their decisions the same number.
  private static final AtomicLong TRACES =
      new AtomicLong(ThreadLocalRandom.current().nextLong() & 0x7fff_ff00_0000_0000L);
  private static final EventType TYPE = EventType.getEventType(DecisionStage.class);

  @Label("Trace")
  long trace;

  @Label("Stage")
  String stage;

  private DecisionStage() {}

  /** A new trace number for a decision while recorded, else 0 ("not traced"). */
  static long nextTrace() {
    return TYPE.isEnabled() ? TRACES.incrementAndGet() : 0;
  }

  /** Starts timing a stage; null (and nothing to do) when untraced or not recorded. */
  public static DecisionStage start(long trace, String stage) {
    if (trace == 0 || !TYPE.isEnabled()) {
      return null; // nothing allocated while not recorded
    }
    DecisionStage e = new DecisionStage();
    e.trace = trace;
    e.stage = stage;
    e.begin();
    return e;
  }

  /** Ends a stage {@link #start} began; null is ignored. */
  public static void end(DecisionStage e) {
    if (e != null) {
      e.commit();
    }
  }
}
