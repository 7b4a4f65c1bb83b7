package dev.vigil.anomaly;

import dev.vigil.http.QueryParameters;
import dev.vigil.tenancy.Principal;
import dev.vigil.tenancy.SiteScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/** SQL over {@code anomalies}: the filtered list (newest first, paged) and acknowledgement. */
public final class AnomalyQueries {

  /** The list's filters, parsed from query parameters (400 naming the parameter otherwise). */
  public record Filter(
      String site,
      SiteScope scope,
      String level,
      String state,
      String metric,
      String subjectKind,
      String subject,
      Instant since,
      Instant before,
      int limit) {

    public static Filter parse(Map<String, String> params, Principal p) {
      QueryParameters q = new QueryParameters(params);
      Optional<String> site = q.text("site");
      return new Filter(
          site.orElse(null),
          SiteScope.of(p, site),
          q.oneOf("level", Set.of("warning", "critical")).orElse(null),
          q.oneOf("state", Set.of("open", "closed")).orElse(null),
          q.text("metric").orElse(null),
          q.oneOf("subjectKind", Set.of("fingerprint", "user", "site", "agent", "budget"))
              .orElse(null),
          q.text("subject").orElse(null),
          q.instant("since").orElse(null),
          q.instant("before").orElse(null),
          q.intInRange("limit", 1, 500, 100));
    }
  }

  /** The outcome of an acknowledgement. */
  public enum Ack {
    ACKNOWLEDGED,
    FORBIDDEN,
    NOT_FOUND
  }

  private final DataSource dataSource;

  public AnomalyQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public List<Map<String, Object>> list(Filter f) throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT anomaly_id, site_id, subject_kind, subject_id, metric, level, value, baseline,"
                + " threshold, peak, opened_at, escalated_at, closed_at, acknowledged_by,"
                + " acknowledged_at FROM anomalies WHERE true");
    List<Object> args = new ArrayList<>();
    Optional<List<String>> restriction = f.scope().restriction();
    if (restriction.isPresent()) {
      sql.append(" AND site_id = ANY(?)");
      args.add(restriction.get());
    }
    condition(sql, args, " AND level = ?", f.level());
    if ("open".equals(f.state())) {
      sql.append(" AND closed_at IS NULL");
    } else if ("closed".equals(f.state())) {
      sql.append(" AND closed_at IS NOT NULL");
    }
    condition(sql, args, " AND metric = ?", f.metric());
    condition(sql, args, " AND subject_kind = ?", f.subjectKind());
    condition(sql, args, " AND subject_id = ?", f.subject());
    condition(
        sql, args, " AND opened_at >= ?", f.since() == null ? null : Timestamp.from(f.since()));
    condition(
        sql, args, " AND opened_at < ?", f.before() == null ? null : Timestamp.from(f.before()));
    sql.append(" ORDER BY opened_at DESC, anomaly_id LIMIT ").append(f.limit());
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        Object a = args.get(i);
        if (a instanceof List<?> l) {
          ps.setArray(i + 1, c.createArrayOf("text", l.toArray()));
        } else {
          ps.setObject(i + 1, a);
        }
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("anomalyId", rs.getString(1));
          r.put("siteId", rs.getString(2));
          r.put("subjectKind", rs.getString(3));
          r.put("subjectId", rs.getString(4));
          r.put("metric", rs.getString(5));
          r.put("level", rs.getString(6));
          r.put("value", rs.getDouble(7));
          r.put("baseline", rs.getObject(8));
          r.put("threshold", rs.getDouble(9));
          r.put("peak", rs.getDouble(10));
          r.put("openedAt", instant(rs, 11));
          r.put("escalatedAt", instant(rs, 12));
          r.put("closedAt", instant(rs, 13));
          r.put("acknowledgedBy", rs.getString(14));
          r.put("acknowledgedAt", instant(rs, 15));
          rows.add(r);
        }
      }
      return rows;
    }
  }

  /** What an acknowledgement did; {@code by} and {@code at}: the one on record (the first). */
  public record Acknowledged(Ack outcome, String by, String at) {}

  /**
   * Acknowledges an anomaly of a site the user may see. The first acknowledgement stands: a later
   * one changes nothing and is answered with who acknowledged it and when.
   */
  public Acknowledged acknowledge(String id, Principal p) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement find =
            c.prepareStatement("SELECT site_id FROM anomalies WHERE anomaly_id = ?")) {
      find.setString(1, id);
      try (ResultSet rs = find.executeQuery()) {
        if (!rs.next()) {
          return new Acknowledged(Ack.NOT_FOUND, null, null);
        }
        if (!p.maySee(rs.getString(1))) {
          return new Acknowledged(Ack.FORBIDDEN, null, null);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE anomalies SET acknowledged_by = coalesce(acknowledged_by, ?),"
                  + " updated_at = CASE WHEN acknowledged_at IS NULL THEN now() ELSE updated_at END,"
                  + " acknowledged_at = coalesce(acknowledged_at, now())"
                  + " WHERE anomaly_id = ? RETURNING acknowledged_by, acknowledged_at")) {
        ps.setString(1, p.name() + " (" + p.tokenId() + ")");
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? new Acknowledged(Ack.ACKNOWLEDGED, rs.getString(1), instant(rs, 2))
              : new Acknowledged(Ack.NOT_FOUND, null, null); // gone since the SELECT
        }
      }
    }
  }

  private static void condition(StringBuilder sql, List<Object> args, String clause, Object value) {
    if (value != null) {
      sql.append(clause);
      args.add(value);
    }
  }

  private static String instant(ResultSet rs, int i) throws SQLException {
    Timestamp t = rs.getTimestamp(i);
    return t == null ? null : t.toInstant().toString();
  }
}
