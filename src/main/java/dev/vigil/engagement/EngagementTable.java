package dev.vigil.engagement;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vigil.http.Json;
import dev.vigil.writer.AppendWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;

/** The {@code engagement_events} fact table as an append-writer target. */
public final class EngagementTable {

  /** One row: a validated beacon with its batch's envelope and the sender's client info. */
  public record Row(
      String siteId,
      BeaconEnvelope envelope,
      ClientInfo client,
      Instant receivedAt,
      Beacon beacon) {}

  static final String INSERT =
      "INSERT INTO engagement_events (event_id, site_id, session_id, visitor_id, user_id, type, ts,"
          + " received_at, url, host, path, referrer, referrer_host, title, content_id, utm_source,"
          + " utm_medium, utm_campaign, utm_term, utm_content, time_on_page_ms, visible_ms, focus_ms,"
          + " max_scroll_depth, clicks, rage_clicks, dead_clicks, reading_pattern, goal, value, name,"
          + " device_class, browser, os, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
          + " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
          // a client retry of an already stored event is acknowledged, not stored twice
          + " ON CONFLICT DO NOTHING";

  private EngagementTable() {}

  public static AppendWriter.Table<Row> table() {
    return new AppendWriter.Table<>("engagement_events", INSERT, EngagementTable::bind)
        .withKeyOrder(
            Comparator.comparing((Row r) -> r.beacon().ts())
                .thenComparing(r -> r.beacon().eventId()));
  }

  static void bind(PreparedStatement ps, Row row) throws SQLException {
    Beacon b = row.beacon();
    int i = 1;
    ps.setString(i++, b.eventId());
    ps.setString(i++, row.siteId());
    ps.setString(i++, row.envelope().sessionId());
    ps.setString(i++, row.envelope().visitorId());
    ps.setString(i++, row.envelope().userId());
    ps.setString(i++, b.type().wire());
    ps.setTimestamp(i++, Timestamp.from(b.ts()));
    ps.setTimestamp(i++, Timestamp.from(row.receivedAt()));
    ps.setString(i++, b.url());
    ps.setString(i++, b.host());
    ps.setString(i++, b.path());
    ps.setString(i++, b.referrer());
    ps.setString(i++, b.referrerHost());
    ps.setString(i++, b.title());
    ps.setString(i++, b.contentId());
    Beacon.Utm utm = b.utm() == null ? Beacon.Utm.NONE : b.utm();
    ps.setString(i++, utm.source());
    ps.setString(i++, utm.medium());
    ps.setString(i++, utm.campaign());
    ps.setString(i++, utm.term());
    ps.setString(i++, utm.content());
    Engagement e = b.engagement();
    setInt(ps, i++, e == null ? null : e.timeOnPageMs());
    setInt(ps, i++, e == null ? null : e.visibleMs());
    setInt(ps, i++, e == null ? null : e.focusMs());
    setInt(ps, i++, e == null ? null : e.maxScrollDepth());
    setInt(ps, i++, e == null ? null : e.clicks());
    setInt(ps, i++, e == null ? null : e.rageClicks());
    setInt(ps, i++, e == null ? null : e.deadClicks());
    ps.setString(i++, e == null ? null : e.readingPattern().wire());
    ps.setString(i++, b.goal());
    if (b.value() == null) {
      ps.setNull(i++, Types.BIGINT);
    } else {
      ps.setLong(i++, b.value());
    }
    ps.setString(i++, b.name());
    ps.setString(i++, row.client().deviceClass());
    ps.setString(i++, row.client().browser());
    ps.setString(i++, row.client().os());
    ps.setString(i, json(b, e));
  }

  /**
   * The row's {@code data}: what the row's columns do not hold. For an engagement snapshot, its
   * counts and times other than the seven with columns, each only when it carries something: the
   * validator reads an absent count as 0 and an absent time as not reached, so an absent key loses
   * nothing. Then the event's own data, which wins a clash (jsonb keeps the last of duplicate
   * keys). Repeating the columns and the zeros made an engagement row's JSON ~300 bytes, about 40 %
   * of the row (BENCHMARKS.md, collect); written straight to a generator, without a mapper pass
   * over the record.
   */
  static String json(Beacon b, Engagement e) throws SQLException {
    Map<String, Object> data = b.data();
    if (e == null && (data == null || data.isEmpty())) {
      return "{}";
    }
    StringWriter out = new StringWriter(96);
    try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
      g.writeStartObject();
      if (e != null) {
        nonZero(g, "hiddenMs", e.hiddenMs());
        reached(g, "firstInteractionMs", e.firstInteractionMs());
        reached(g, "firstScrollMs", e.firstScrollMs());
        nonZero(g, "scrollVelocity", e.scrollVelocity());
        nonZero(g, "scrollDirectionChanges", e.scrollDirectionChanges());
        nonZero(g, "keyPresses", e.keyPresses());
        nonZero(g, "copies", e.copies());
        nonZero(g, "tabSwitches", e.tabSwitches());
        nonZero(g, "blurs", e.blurs());
        nonZero(g, "mouseDistance", e.mouseDistance());
      }
      if (data != null) {
        for (Map.Entry<String, Object> field : data.entrySet()) {
          g.writeFieldName(field.getKey());
          g.writeObject(field.getValue());
        }
      }
      g.writeEndObject();
    } catch (IOException | IllegalArgumentException ex) {
      throw new SQLException("cannot encode event data as JSON", "22000", ex);
    }
    return out.toString();
  }

  private static void nonZero(JsonGenerator g, String field, long value) throws IOException {
    if (value != 0) {
      g.writeNumberField(field, value);
    }
  }

  /** A time is written when it was reached, 0 ms included. */
  private static void reached(JsonGenerator g, String field, Integer ms) throws IOException {
    if (ms != null) {
      g.writeNumberField(field, ms);
    }
  }

  private static void setInt(PreparedStatement ps, int index, Integer value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setInt(index, value);
    }
  }
}
