package dev.vigil.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small JSON-over-HTTP client for tests against a running Vigil. */
public final class HttpTestClient {

  /** A response with its body parsed as JSON when it is JSON. */
  public record Reply(int status, String body, HttpResponse<String> raw) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    public String errorCode() {
      return json().path("error").path("code").asText();
    }
  }

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public HttpTestClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public Reply get(String path, String bearer) {
    return send(builder(path, bearer).GET().build());
  }

  public Reply get(String path) {
    return get(path, null);
  }

  public Reply post(String path, String bearer, String contentType, String body) {
    return send(
        builder(path, bearer)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  public Reply postJson(String path, String bearer, String json) {
    return post(path, bearer, "application/json", json);
  }

  public Reply putJson(String path, String bearer, String json) {
    return send(
        builder(path, bearer)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  public Reply delete(String path, String bearer) {
    return send(builder(path, bearer).DELETE().build());
  }

  /** A request with an arbitrary Authorization header value (for malformed-credential tests). */
  public Reply getWithAuthorization(String path, String authorization) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", authorization)
            .GET()
            .build());
  }

  /**
   * A POST that declares a body of {@code declaredLength} bytes and sends none of it, for the
   * refusal of an oversized body by its declared length: a client that sends the body races the
   * refusal, and the server's close of a connection with unread bytes can reset it, response and
   * all. Returns the raw response (status line, headers, body).
   */
  public String postDeclaringOnly(
      String path, String bearer, String contentType, long declaredLength) {
    URI uri = URI.create(base);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("POST "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + uri.getHost()
                      + "\r\nContent-Type: "
                      + contentType
                      + "\r\n"
                      + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n")
                      + "Content-Length: "
                      + declaredLength
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpRequest.Builder builder(String path, String bearer) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return b;
  }

  private Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
