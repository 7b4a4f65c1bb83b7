package dev.vigil.loadtest;

import com.sun.tools.attach.VirtualMachine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a young collection of Vigil's has to copy: a sample of the objects Vigil allocates that are
 * still alive seconds later, by where they were allocated. A young pause's cost is the copying of
 * what is still alive in the young generation, so this is what decides how long decide's pauses
 * are.
 *
 * <p>How: async-profiler's allocation sampler in {@code live} mode (one sample per {@code alloc}
 * bytes allocated, each held by a weak reference; at most 1,024 at once, refilled as collections
 * free them, so most samples come from just after each collection) runs for {@code seconds}. Then the load generator is paused (SIGSTOP) for a second so
 * requests in flight finish, a full collection clears every sample that died, and the profiler
 * dumps the samples still alive at once after it, over the JVM's attach socket: the next
 * collection's survivors, less requests in flight. Each sample stands for about {@code alloc} bytes
 * of allocation; the table counts them by what the allocation site belongs to.
 *
 * <pre>
 *   Survivors VIGIL_PID GATLING_PID_FILE OUT_DIR [seconds, default 6] [alloc, default 64k]
 *   Survivors --classify FILE.collapsed...   (the table of earlier samples, pooled)
 * </pre>
 */
public final class Survivors {
  /** The classes of survivors, in the order a stack is tested against them. */
  private static final Map<String, List<String>> KINDS = new LinkedHashMap<>();

  static {
    KINDS.put(
        "Vigil's entities: their records, and what they build per input",
        List.of(
            "SessionSignals",
            "FingerprintSignals",
            "Welford",
            "ThrottleState",
            "ThrottlePolicy",
            "Gcra",
            "AnomalyBook",
            "MetricTracker",
            "Baseline",
            "SubjectEntity",
            "session/Activity",
            "session.Activity",
            "SessionEntity",
            "FingerprintEntity",
            "fingerprint/Assessor"));
    KINDS.put(
        "Pekko's journal, serialisation and the read models' writes in flight",
        List.of(
            "org/apache/pekko/persistence/jdbc",
            "org/apache/pekko/serialization",
            "org/apache/pekko/projection",
            "dev/vigil/db/",
            "slick/",
            "org/postgresql"));
    KINDS.put(
        "Vigil's requests in flight (routes, decider, writers)", List.of("dev/vigil/", "dev.vigil."));
    KINDS.put(
        "Pekko's per-entity behaviour and persistence machinery",
        List.of("org/apache/pekko/persistence", "org/apache/pekko/actor/typed/internal/Interceptor"));
    KINDS.put(
        "requests in flight (HTTP, streams, routes)",
        List.of("org/apache/pekko/http", "org/apache/pekko/io", "org/apache/pekko/stream"));
    KINDS.put(
        "actors, mailboxes and timers", List.of("org/apache/pekko/actor", "org/apache/pekko/dispatch"));
  }

  private static final String LIVE_EVENTS = "live events (JSON and the streams' replay ring)";
  private static final String MDC = "logging MDC maps (Pekko sets the MDC for every timer message)";

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    if (args.length > 0 && args[0].equals("--classify")) {
      List<Path> files = new ArrayList<>();
      for (int i = 1; i < args.length; i++) {
        files.add(Path.of(args[i]));
      }
      System.out.print(table(files));
      return;
    }
    String vigil = args[0];
    Path gatlingPidFile = Path.of(args[1]);
    Path out = Path.of(args[2]);
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 6;
    String alloc = args.length > 4 ? args[4] : "64k";
    Path lib = extractProfiler(out);
    Path collapsed = out.resolve("survivors.collapsed");
    // the public attach API starts the JVM's attach listener; the commands then go over its socket
    // back to back (a jcmd process each would leave a second of new allocation between them)
    VirtualMachine.attach(vigil).detach();
    execute(vigil, "load", lib.toString(), "true", "start,event=alloc,alloc=" + alloc + ",live");
    TimeUnit.SECONDS.sleep(seconds);
    String gatling = Files.readString(gatlingPidFile).trim();
    signal("STOP", gatling);
    try {
      TimeUnit.SECONDS.sleep(1);
      execute(vigil, "jcmd", "GC.run");
      execute(vigil, "load", lib.toString(), "true", "stop,collapsed,file=" + collapsed);
    } finally {
      signal("CONT", gatling);
    }
    System.out.printf(
        "bench: survivors: %d s of allocation sampled every %s, load paused 1 s, full collection%n",
        seconds, alloc);
    System.out.print(table(List.of(collapsed)));
  }

  /** Samples per class, from async-profiler's collapsed stacks (one line: frames;…;class count). */
  static String table(List<Path> files) throws IOException {
    Map<String, Long> byKind = new LinkedHashMap<>();
    Map<String, Map<String, Long>> examples = new TreeMap<>();
    long total = 0;
    for (Path f : files) {
      for (String line : Files.readAllLines(f)) {
        int space = line.lastIndexOf(' ');
        if (space < 0) {
          continue;
        }
        long n = Long.parseLong(line.substring(space + 1).trim());
        String[] frames = line.substring(0, space).split(";");
        String kind = kindOf(frames);
        byKind.merge(kind, n, Long::sum);
        examples
            .computeIfAbsent(kind, k -> new TreeMap<>())
            .merge(frames[frames.length - 1].replace("_[i]", ""), n, Long::sum);
        total += n;
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("survivors sampled: %d (from %d file(s))%n", total, files.size()));
    long all = Math.max(1, total);
    byKind.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e -> {
              List<String> top =
                  examples.get(e.getKey()).entrySet().stream()
                      .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                      .limit(4)
                      .map(x -> x.getKey() + " " + x.getValue())
                      .toList();
              sb.append(
                  String.format(
                      "%5d %5.1f%%  %s%n              %s%n",
                      e.getValue(), 100.0 * e.getValue() / all, e.getKey(), String.join(", ", top)));
            });
    return sb.toString();
  }

  /**
   * The class of one sample: live events or the MDC wherever they appear on the stack, otherwise
   * the class of the frame nearest the allocation that has a marker (the allocated type first, then
   * down the stack), otherwise "other".
   */
  static String kindOf(String[] frames) {
    String whole = String.join(";", frames);
    if (whole.contains("dev/vigil/stream/") || whole.contains("SessionView.live")) {
      return LIVE_EVENTS;
    }
    if (whole.contains("LogbackMDCAdapter")) {
      return MDC;
    }
    for (int i = frames.length - 1; i >= 0; i--) {
      for (Map.Entry<String, List<String>> kind : KINDS.entrySet()) {
        for (String marker : kind.getValue()) {
          if (frames[i].contains(marker)) {
            return kind.getKey();
          }
        }
      }
    }
    return "other";
  }

  /** async-profiler's agent for this machine, from the jar on the classpath, into {@code dir}. */
  private static Path extractProfiler(Path dir) throws IOException {
    String arch = System.getProperty("os.arch").contains("aarch64") ? "linux-arm64" : "linux-x64";
    try (InputStream in = Survivors.class.getResourceAsStream("/" + arch + "/libasyncProfiler.so")) {
      if (in == null) {
        throw new IllegalStateException("async-profiler's " + arch + " agent is not on the classpath");
      }
      Path lib = dir.resolve("libasyncProfiler.so");
      Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
      return lib;
    }
  }

  /**
   * One command over HotSpot's attach socket (protocol 1: the command and three arguments, each
   * NUL-terminated); the answer starts with its return code.
   */
  private static void execute(String pid, String command, String... args) throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes("1\0".getBytes(StandardCharsets.UTF_8));
    request.writeBytes((command + "\0").getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 3; i++) {
      String a = i < args.length ? args[i] : "";
      request.writeBytes((a + "\0").getBytes(StandardCharsets.UTF_8));
    }
    // HotSpot's attach socket is in /tmp whatever java.io.tmpdir says
    Path socket = Path.of("/tmp", ".java_pid" + pid);
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ch.write(ByteBuffer.wrap(request.toByteArray()));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (ch.read(buf) > 0) {
        answer.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      String reply = answer.toString(StandardCharsets.UTF_8);
      // the attach's own code on the first line; an agent's load adds "return code: N"
      if (!reply.startsWith("0") || reply.matches("(?s).*return code: [1-9].*")) {
        throw new IOException(command + " " + String.join(" ", args) + " failed: " + reply.trim());
      }
    }
  }

  private static void signal(String signal, String pid) throws IOException, InterruptedException {
    if (pid.isEmpty() || pid.equals("0")) {
      return;
    }
    new ProcessBuilder("kill", "-" + signal, pid).inheritIO().start().waitFor();
  }
}
