package dev.vigil.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client for tests: reads a live stream on its own thread and hands each event
 * (and each heartbeat comment) to the test in order. Closing it drops the connection like a browser
 * tab that goes away.
 */
public final class SseClient implements AutoCloseable {

  /** One event; a heartbeat has type {@code ":heartbeat"} and no data. */
  public record Event(String id, String type, String data) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(data);
      } catch (IOException e) {
        throw new AssertionError("event data is not JSON: " + data, e);
      }
    }

    public boolean heartbeat() {
      return type.equals(":heartbeat");
    }

    /** The payload of a site event. */
    public JsonNode payload() {
      return json().path("data");
    }
  }

  private static final Event END = new Event(null, ":end", null);

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final List<Event> seen = new ArrayList<>();
  private final Thread reader;
  private volatile boolean ended;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  /** Opens {@code /v1/stream?query}; {@code lastEventId} may be null. */
  public static SseClient open(int port, String token, String query, String lastEventId) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + port
                        + "/v1/stream"
                        + (query.isEmpty() ? "" : "?" + query)))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .GET();
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    try {
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      return new SseClient(client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    } catch (IOException e) {
      throw new AssertionError("cannot open the stream: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public int status() {
    return response.statusCode();
  }

  public String body() {
    try (InputStream in = response.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  public String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** The next event or heartbeat; fails if none comes within the timeout or the stream ended. */
  public Event next(Duration timeout) {
    try {
      Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (e == null) {
        throw new AssertionError("no event within " + timeout + "; seen: " + summary());
      }
      if (e == END) {
        events.add(END);
        throw new AssertionError("the stream ended; seen: " + summary());
      }
      seen.add(e);
      return e;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ex);
    }
  }

  /** Reads until an event matches; returns the events read on the way, the match last. */
  public List<Event> until(Duration timeout, Predicate<Event> match) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Event> read = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no matching event within " + timeout + "; seen: " + summary());
      }
      Event e = next(Duration.ofNanos(left));
      read.add(e);
      if (match.test(e)) {
        return read;
      }
    }
  }

  /** The stream's end within the timeout (the server closed it); the events read on the way. */
  public List<Event> untilEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Event> read = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
        if (e == null) {
          throw new AssertionError("the stream did not end within " + timeout);
        }
        if (e == END) {
          events.add(END);
          return read;
        }
        seen.add(e);
        read.add(e);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ex);
    }
  }

  public boolean ended() {
    return ended;
  }

  private String summary() {
    List<String> last =
        seen.subList(Math.max(0, seen.size() - 8), seen.size()).stream()
            .map(e -> e.type() + (e.data() == null ? "" : " " + abbreviate(e.data())))
            .toList();
    return seen.size() + " events, last " + last;
  }

  private static String abbreviate(String s) {
    return s.length() > 160 ? s.substring(0, 160) + "..." : s;
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String type = null;
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new Event(id, type == null ? "message" : type, data.toString()));
          }
          id = null;
          type = null;
          data = null;
        } else if (line.startsWith(":")) {
          events.add(new Event(null, ":heartbeat", null));
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder() : data.append('\n');
          data.append(line.substring(6));
        }
      }
    } catch (IOException e) {
      // closed by close() or by the server
    } finally {
      ended = true;
      events.add(END);
    }
  }

  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException ignored) {
      // already closed
    }
    reader.interrupt();
  }
}
