package dev.vigil.session;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vigil.engagement.ClientInfo;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/** One row of the {@code sessions} read table as the API shows it. */
public record SessionView(
    String sessionId,
    String siteId,
    String visitorId,
    String userId,
    Instant startedAt,
    Instant lastSeenAt,
    Instant endedAt,
    String landingUrl,
    String landingPath,
    String referrerHost,
    String utmSource,
    String utmMedium,
    String utmCampaign,
    String deviceClass,
    String browser,
    String os,
    int pageViews,
    int beacons,
    int clicks,
    int rageClicks,
    int deadClicks,
    long timeOnPageMs,
    int maxScrollDepth,
    int conversions,
    @JsonProperty("class") String sessionClass,
    int score,
    List<String> reasons,
    String throttleLevel) {

  /** The columns {@link #from} reads, for a SELECT list over {@code sessions s}. */
  static final String COLUMNS =
      "s.session_id, s.site_id, s.visitor_id, s.user_id, s.started_at, s.last_seen_at,"
          + " s.ended_at, s.landing_url, s.landing_path, s.referrer_host, s.utm_source,"
          + " s.utm_medium, s.utm_campaign, s.device_class, s.browser, s.os, s.page_views,"
          + " s.beacons, s.clicks, s.rage_clicks, s.dead_clicks, s.time_on_page_ms,"
          + " s.max_scroll_depth, s.conversions, s.class, s.score, s.reasons, s.throttle_level";

  static SessionView from(ResultSet rs) throws SQLException {
    return new SessionView(
        rs.getString("session_id"),
        rs.getString("site_id"),
        rs.getString("visitor_id"),
        rs.getString("user_id"),
        instant(rs, "started_at"),
        instant(rs, "last_seen_at"),
        instant(rs, "ended_at"),
        rs.getString("landing_url"),
        rs.getString("landing_path"),
        rs.getString("referrer_host"),
        rs.getString("utm_source"),
        rs.getString("utm_medium"),
        rs.getString("utm_campaign"),
        rs.getString("device_class"),
        rs.getString("browser"),
        rs.getString("os"),
        rs.getInt("page_views"),
        rs.getInt("beacons"),
        rs.getInt("clicks"),
        rs.getInt("rage_clicks"),
        rs.getInt("dead_clicks"),
        rs.getLong("time_on_page_ms"),
        rs.getInt("max_scroll_depth"),
        rs.getInt("conversions"),
        rs.getString("class"),
        rs.getInt("score"),
        strings(rs.getArray("reasons")),
        rs.getString("throttle_level"));
  }

  /**
   * The same shape from an entity's state (as its events leave it), for live streams (the throttle
   * level lives with the fingerprint and is not known here).
   */
  static SessionView live(String sessionId, SessionEntity.State s) {
    SessionEntity.Landing l = s.landing();
    ClientInfo c = s.client() == null ? ClientInfo.UNKNOWN : s.client();
    Activity a = s.totals();
    return new SessionView(
        sessionId,
        s.siteId(),
        s.visitorId(),
        s.userId(),
        s.startedAt(),
        s.lastSeenAt(),
        s.endedAt(),
        l == null ? null : l.url(),
        l == null ? null : l.path(),
        l == null ? null : l.referrerHost(),
        l == null ? null : l.utmSource(),
        l == null ? null : l.utmMedium(),
        l == null ? null : l.utmCampaign(),
        c.deviceClass(),
        c.browser(),
        c.os(),
        a.pageViews(),
        a.beacons(),
        a.clicks(),
        a.rageClicks(),
        a.deadClicks(),
        a.timeOnPageMs(),
        a.maxScrollDepth(),
        a.conversions(),
        s.sessionClass(),
        s.score(),
        s.reasons(),
        null);
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }
}
