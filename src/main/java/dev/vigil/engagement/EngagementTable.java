package dev.vigil.engagement;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vigil.http.Json;
import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;

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
    return new AppendWriter.Table<>("engagement_events", INSERT, EngagementTable::bind);
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
   * The row's {@code data}: the engagement snapshot's fields, then the event's own data (a key in
   * both keeps the data's value: jsonb keeps the last of duplicate keys). Spliced from two direct
   * serialisations rather than merged as trees — the tree merge was 12 % of collect's Java time.
   */
  static String json(Beacon b, Engagement e) throws SQLException {
    try {
      if (e == null) {
        return Json.MAPPER.writeValueAsString(b.data());
      }
      String engagement = Json.MAPPER.writeValueAsString(e);
      if (b.data() == null || b.data().isEmpty()) {
        return engagement;
      }
      String data = Json.MAPPER.writeValueAsString(b.data());
      return engagement.substring(0, engagement.length() - 1) + "," + data.substring(1);
    } catch (JsonProcessingException | IllegalArgumentException ex) {
      throw new SQLException("cannot encode event data as JSON", "22000", ex);
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
