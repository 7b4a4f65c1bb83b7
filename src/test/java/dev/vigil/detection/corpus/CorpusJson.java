package dev.vigil.detection.corpus;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Event;
import dev.vigil.detection.corpus.Trace.Request;
import dev.vigil.http.Json;
import java.util.Map;

/** The wire bodies of a corpus step: {@code POST /v1/decide} and {@code POST /v1/collect}. */
public final class CorpusJson {
  private CorpusJson() {}

  /**
   * @param base the epoch milliseconds the corpus starts at
   * @param sessionId the visit's {@code vigil_sid}, or null when the client sends no cookie
   */
  public static ObjectNode decision(Request r, long base, String sessionId) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("ts", base + r.at());
    n.put("ip", r.ip());
    n.put("method", r.method());
    n.put("host", SyntheticSite.HOST);
    n.put("path", r.path());
    putPresent(n, "query", r.query());
    putPresent(n, "userAgent", r.userAgent());
    putPresent(n, "accept", r.accept());
    putPresent(n, "acceptLanguage", r.acceptLanguage());
    putPresent(n, "secChUa", r.secChUa());
    putPresent(n, "secChUaPlatform", r.secChUaPlatform());
    putPresent(n, "secChUaMobile", r.secChUaMobile());
    putPresent(n, "referer", r.referer());
    n.put("https", r.https());
    putPresent(n, "sessionId", sessionId);
    return n;
  }

  public static ObjectNode beacons(Beacons b, long base, String siteKey, String sessionId) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("site", siteKey);
    n.put("session", sessionId);
    n.put("visitor", b.visitorId());
    ArrayNode events = n.putArray("events");
    for (Event e : b.events()) {
      ObjectNode ev = events.addObject();
      ev.put("type", e.type());
      ev.put("ts", base + e.at());
      ev.put("url", SyntheticSite.ORIGIN + e.path());
      for (Map.Entry<String, Object> f : e.fields().entrySet()) {
        Object v = f.getValue();
        if (v instanceof Integer i) {
          ev.put(f.getKey(), i);
        } else if (v instanceof Long l) {
          ev.put(f.getKey(), l);
        } else if (v instanceof Boolean x) {
          ev.put(f.getKey(), x);
        } else {
          ev.put(f.getKey(), String.valueOf(v));
        }
      }
    }
    return n;
  }

  private static void putPresent(ObjectNode n, String field, String value) {
    if (value != null) {
      n.put(field, value);
    }
  }
}
