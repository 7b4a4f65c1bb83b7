package dev.vigil.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.vigil.http.Json;
import java.util.Map;
import org.apache.pekko.util.ByteString;

/**
 * The text/event-stream wire form. Every event's data is one JSON line {@code {"type", "siteId",
 * "at", "data"}} (control events: {@code {"type", ...fields}}), so a client reads one shape.
 */
final class Frames {
  /** A comment line: ignored by clients, keeps the connection and its proxies awake. */
  static final ByteString HEARTBEAT = ByteString.fromString(": heartbeat\n\n");

  private Frames() {}

  /** The first bytes of a stream: how long a client waits before reconnecting. */
  static ByteString retry(long millis) {
    return ByteString.fromString("retry: " + millis + "\n\n");
  }

  /** A site event's frame without its id line: built once, sent to every connection. */
  static ByteString siteBody(SiteEvent e) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("type", e.type());
    o.put("siteId", e.siteId());
    o.put("at", e.at().toString());
    o.putRawValue("data", new RawValue(e.data()));
    return ByteString.fromString("event: " + e.type() + "\ndata: " + o + "\n\n");
  }

  /** The connection's id line in front of a shared body. */
  static ByteString withId(String id, ByteString body) {
    return id == null || id.isEmpty()
        ? body
        : ByteString.fromString("id: " + id + "\n").concat(body);
  }

  /** {@code ready}, {@code reset}, {@code dropped}, {@code closed}: about the stream itself. */
  static ByteString control(String id, String type, Map<String, Object> fields) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("type", type);
    o.setAll((ObjectNode) Json.MAPPER.valueToTree(fields));
    return frame(id, type, o.toString());
  }

  private static ByteString frame(String id, String type, String json) {
    StringBuilder b = new StringBuilder(json.length() + 64);
    if (id != null && !id.isEmpty()) {
      b.append("id: ").append(id).append('\n');
    }
    // JSON from Jackson has no raw newlines, so one data line carries it
    b.append("event: ").append(type).append('\n').append("data: ").append(json).append("\n\n");
    return ByteString.fromString(b.toString());
  }
}
