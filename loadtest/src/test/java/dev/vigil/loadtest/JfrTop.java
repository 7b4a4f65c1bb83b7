package dev.vigil.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where Vigil's CPU went during one phase, from the flight recording run-bench.sh takes with
 * {@code PROFILE=1}: execution samples inside the phase's window, counted by thread group, by the
 * method on top of the stack, and by the innermost {@code dev.vigil} (or other application) frame.
 *
 * <pre>  JfrTop RUN_DIR [phase name, default "decide"] [rows, default 25]</pre>
 */
public final class JfrTop {
  public static void main(String[] args) throws IOException {
    Locale.setDefault(Locale.ROOT);
    Path run = Path.of(args[0]);
    String phaseName = args.length > 1 ? args[1] : "decide";
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    JsonNode phase = phase(run, phaseName);
    Instant from = phase == null ? Instant.MIN : Instant.ofEpochMilli(phase.get("startEpochMs").asLong());
    Instant to = phase == null ? Instant.MAX : Instant.ofEpochMilli(phase.get("endEpochMs").asLong());
    Map<String, Integer> top = new HashMap<>();
    Map<String, Integer> app = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> packages = new HashMap<>();
    Map<String, Integer> components = new HashMap<>();
    int total = 0;
    try (RecordingFile rf = new RecordingFile(run.resolve("vigil.jfr"))) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
          continue;
        }
        if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
          continue;
        }
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        total++;
        var thread = e.getThread("sampledThread");
        String tn = thread == null ? "?" : thread.getJavaName();
        threads.merge(threadGroup(tn), 1, Integer::sum);
        List<RecordedFrame> frames = st.getFrames();
        top.merge(name(frames.get(0)), 1, Integer::sum);
        components.merge(component(frames), 1, Integer::sum);
        packages.merge(pkg(frames.get(0)), 1, Integer::sum);
        for (RecordedFrame f : frames) {
          String t = f.getMethod().getType().getName();
          if (t.startsWith("dev.vigil.")) {
            app.merge(name(f), 1, Integer::sum);
            break;
          }
        }
      }
    }
    System.out.printf("execution samples in phase \"%s\": %d%n", phaseName, total);
    print("by component (innermost frame of a known library or package)", components, total, rows);
    print("by thread", threads, total, rows);
    print("by package of the top frame", packages, total, rows);
    print("top frames (self time)", top, total, rows);
    print("innermost dev.vigil frame on the stack", app, total, rows);
  }

  /** The recorder's entry for a phase with a time window, from any simulation's file; or null. */
  static JsonNode phase(Path run, String phaseName) throws IOException {
    JsonNode found = null;
    for (String sim : List.of("decide", "health", "collect", "mix", "ledger", "memory")) {
      Path f = run.resolve(sim + ".json");
      if (!Files.exists(f)) {
        continue;
      }
      for (JsonNode p : new ObjectMapper().readTree(f.toFile()).path("phases")) {
        if (p.get("name").asText().equals(phaseName) && p.has("startEpochMs")) {
          found = p;
        }
      }
    }
    return found;
  }

  static void print(String title, Map<String, Integer> m, int total, int rows) {
    System.out.println("\n-- " + title + " --");
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(rows)
        .forEach(
            e ->
                System.out.printf(
                    "%6.1f %%  %6d  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getValue(), e.getKey()));
  }

  private static final String[][] COMPONENTS = {
    {"com.fasterxml.jackson.", "JSON (Jackson)"},
    {"nl.basjes.", "user-agent parsing (yauaa)"},
    {"io.micrometer.", "metrics (Micrometer)"},
    {"org.postgresql.", "JDBC (driver, pools, Slick)"},
    {"com.zaxxer.hikari.", "JDBC (driver, pools, Slick)"},
    {"slick.", "JDBC (driver, pools, Slick)"},
    {"dev.vigil.detection.", "Vigil: detection rules"},
    {"dev.vigil.writer.", "Vigil: append writer"},
    {"dev.vigil.", "Vigil: other"},
    {"org.apache.pekko.persistence.", "Pekko persistence"},
    {"org.apache.pekko.projection.", "Pekko projections"},
    {"org.apache.pekko.cluster.", "Pekko cluster/sharding"},
    {"org.apache.pekko.http.", "Pekko HTTP"},
    {"org.apache.pekko.stream.", "Pekko streams (TCP, HTTP plumbing)"},
    {"org.apache.pekko.serialization.", "Pekko serialization"},
    {"org.apache.pekko.", "Pekko actors, dispatch"},
    {"scala.concurrent.", "futures (Scala)"},
    {"java.util.concurrent.", "JDK concurrency"},
  };

  /** The first frame, innermost first, that belongs to a known library or package. */
  static String component(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String t = f.getMethod().getType().getName();
      for (String[] c : COMPONENTS) {
        if (t.startsWith(c[0])) {
          return c[1];
        }
      }
    }
    return "JDK/other: " + pkg(frames.get(0));
  }

  static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  static String pkg(RecordedFrame f) {
    String t = f.getMethod().getType().getName();
    String[] p = t.split("\\.");
    return p.length <= 3 ? t : String.join(".", p[0], p[1], p[2]);
  }

  /** Thread names without their numbers: "vigil-pekko.actor.default-dispatcher-7" → "…-#". */
  static String threadGroup(String name) {
    return name.replaceAll("\\d+", "#");
  }
}
