package dev.vigil.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a real child process, for the shipped example configuration: in the foreground
 * ({@code daemon off}), with its prefix, pid file, temp paths and access log in a directory of its
 * own, and the given http-context configuration (upstreams and server blocks) inside a minimal
 * {@code nginx.conf}. The configuration is checked with {@code nginx -t} first, so a broken one
 * fails with nginx's own message. A missing binary fails rather than skips: {@code .ci/run}
 * installs it.
 */
public final class NginxProcess implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/sbin/nginx");

  private final Process process;
  private final Path dir;
  private final List<String> output = new CopyOnWriteArrayList<>();

  private NginxProcess(Process process, Path dir) {
    this.process = process;
    this.dir = dir;
    pump(process.getInputStream(), output);
  }

  /**
   * Starts nginx with {@code httpContext} inside {@code http {}} and returns once {@code port}
   * accepts connections.
   */
  public static NginxProcess start(String httpContext, int port) {
    assertThat(Files.isExecutable(BINARY))
        .as(
            "%s is missing: this test needs Debian's nginx, which .ci/run installs"
                + " (apt-get install nginx)",
            BINARY)
        .isTrue();
    try {
      Path dir = Files.createTempDirectory("vigil-nginx");
      Files.writeString(dir.resolve("nginx.conf"), wrapper(dir, httpContext));
      Process check = new ProcessBuilder(command(dir, "-t")).redirectErrorStream(true).start();
      String checked = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor(30, TimeUnit.SECONDS) && check.exitValue() == 0)
          .as("nginx -t rejects the configuration:%n%s", checked)
          .isTrue();
      NginxProcess nginx =
          new NginxProcess(new ProcessBuilder(command(dir)).redirectErrorStream(true).start(), dir);
      Await.until(Duration.ofSeconds(10), () -> nginx.assertListening(port));
      return nginx;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nginx", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The shipped example, {@code conf/nginx/vigil.conf}, with its placeholders replaced. Each must
   * be found exactly once, so a test follows the file rather than a copy of it.
   */
  public static String shippedExample(Map<String, String> placeholders) {
    Path file = Path.of(System.getProperty("vigil.basedir", "."), "conf", "nginx", "vigil.conf");
    try {
      String config = Files.readString(file);
      for (Map.Entry<String, String> p : placeholders.entrySet()) {
        int at = config.indexOf(p.getKey());
        assertThat(at >= 0 && config.indexOf(p.getKey(), at + 1) < 0)
            .as("%s has '%s' exactly once", file, p.getKey())
            .isTrue();
        config = config.replace(p.getKey(), p.getValue());
      }
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What nginx wrote to stderr (its error log). */
  public List<String> errorLog() {
    return List.copyOf(output);
  }

  /** The access log so far (format {@code vigil}, see {@link #wrapper}). */
  public List<String> accessLog() {
    try {
      Path log = dir.resolve("access.log");
      return Files.exists(log) ? Files.readAllLines(log) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops nginx (SIGTERM: a fast shutdown of master and workers). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void assertListening(int port) throws IOException {
    assertThat(process.isAlive()).as("nginx exited: %s", String.join("\n", output)).isTrue();
    new Socket("127.0.0.1", port).close();
  }

  private static List<String> command(Path dir, String... extra) {
    List<String> command = new ArrayList<>(List.of(BINARY.toString()));
    command.addAll(List.of(extra));
    command.addAll(
        List.of(
            "-p",
            dir.toString(),
            "-c",
            dir.resolve("nginx.conf").toString(),
            "-g",
            "daemon off; pid " + dir.resolve("nginx.pid") + "; error_log stderr;"));
    return command;
  }

  private static String wrapper(Path dir, String httpContext) {
    // Tests run as root in CI; nginx's workers would otherwise switch to "nobody", who cannot
    // write to this private temp directory. As another user the directive is ignored.
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    return user
        + "worker_processes 1;\n"
        + "events { worker_connections 512; }\n"
        + "http {\n"
        + "  client_body_temp_path "
        + dir.resolve("client_body")
        + ";\n  proxy_temp_path "
        + dir.resolve("proxy")
        + ";\n  fastcgi_temp_path "
        + dir.resolve("fastcgi")
        + ";\n  uwsgi_temp_path "
        + dir.resolve("uwsgi")
        + ";\n  scgi_temp_path "
        + dir.resolve("scgi")
        + ";\n  log_format vigil '$status $request_method $request_uri ua=\"$http_user_agent\""
        + " vigil=$vigil_action/$vigil_level score=$vigil_score reasons=\"$vigil_reason\""
        + " retry=$vigil_retry_after lang=\"$http_accept_language\" hints=\"$http_sec_ch_ua\"';\n"
        + "  access_log "
        + dir.resolve("access.log")
        + " vigil;\n"
        + httpContext
        + "\n}\n";
  }

  private static void pump(InputStream in, List<String> lines) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "nginx-output");
    t.setDaemon(true);
    t.start();
  }
}
