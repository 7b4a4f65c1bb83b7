package dev.vigil.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar target/vigil.jar ...} as a real child process, as a user runs it: its own
 * working directory, environment, stdout and stderr captured line by line.
 */
public final class VigilProcess implements AutoCloseable {
  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  private VigilProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), stdout);
    pump(process.getErrorStream(), stderr);
  }

  /** Starts the packaged jar with these arguments in {@code workDir} with extra environment. */
  public static VigilProcess start(Path workDir, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    // A test's own database settings must not leak into the child unless given explicitly.
    pb.environment().keySet().removeIf(k -> k.startsWith("VIGIL_"));
    pb.environment().putAll(env);
    try {
      return new VigilProcess(pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a short command (the CLI) to completion and returns its exit code. */
  public static Result run(Path workDir, Map<String, String> env, String... args) {
    try (VigilProcess p = start(workDir, env, args)) {
      int code =
          p.awaitExit(Duration.ofSeconds(90))
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "vigil " + String.join(" ", args) + " did not finish in 90 s"));
      p.drain();
      return new Result(code, List.copyOf(p.stdout), List.copyOf(p.stderr));
    }
  }

  /** What a finished command printed. */
  public record Result(int exitCode, List<String> stdout, List<String> stderr) {
    public String out() {
      return String.join("\n", stdout);
    }
  }

  public static Path jar() {
    String jar = System.getProperty("vigil.jar", "target/vigil.jar");
    Path path = Path.of(jar);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("no packaged jar at " + path + "; run mvn package first");
    }
    return path.toAbsolutePath();
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<String> stdout() {
    return stdout;
  }

  public List<String> stderr() {
    return stderr;
  }

  /** The value after {@code label} on the first stdout line that contains it. */
  public Optional<String> valueAfter(String label) {
    return stdout.stream()
        .filter(l -> l.contains(label))
        .map(l -> l.substring(l.indexOf(label) + label.length()).trim().split("\\s+")[0])
        .findFirst();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGKILL: the process gets no chance to flush or shut down. */
  public void killHard() {
    process.destroyForcibly();
  }

  /** Sends SIGTERM (what a service manager sends). */
  public void terminate() {
    process.destroy();
  }

  public Optional<Integer> awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? Optional.of(process.exitValue())
          : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      awaitExit(Duration.ofSeconds(10));
    }
  }

  private Thread[] pumps = new Thread[0];

  private void drain() {
    for (Thread t : pumps) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void pump(java.io.InputStream in, List<String> sink) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  sink.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "vigil-process-output");
    t.setDaemon(true);
    t.start();
    Thread[] grown = java.util.Arrays.copyOf(pumps, pumps.length + 1);
    grown[pumps.length] = t;
    pumps = grown;
  }
}
