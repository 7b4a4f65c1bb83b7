package dev.vigil.fingerprint;

import dev.vigil.detection.RequestFacts;
import dev.vigil.writer.AppendWriter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Comparator;

/** The {@code observations} fact table (decisions and after-the-fact observations). */
public final class ObservationTable {

  /** One row. {@code action} is the decision's answer; null for an observation. */
  public record Row(
      String id,
      String siteId,
      String sessionId,
      String fingerprintId,
      String source,
      RequestFacts facts,
      String action) {}

  static final String INSERT =
      "INSERT INTO observations (observation_id, site_id, session_id, fingerprint_id, source, ts,"
          + " ip, method, host, path, user_agent, status, latency_ms, action)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

  private ObservationTable() {}

  public static AppendWriter.Table<Row> table() {
    return new AppendWriter.Table<>("observations", INSERT, ObservationTable::bind)
        .withKeyOrder(Comparator.comparing((Row r) -> r.facts().at()).thenComparing(Row::id));
  }

  static void bind(PreparedStatement ps, Row r) throws SQLException {
    RequestFacts f = r.facts();
    int i = 1;
    ps.setString(i++, r.id());
    ps.setString(i++, r.siteId());
    ps.setString(i++, r.sessionId());
    ps.setString(i++, r.fingerprintId());
    ps.setString(i++, r.source());
    ps.setTimestamp(i++, Timestamp.from(f.at()));
    ps.setString(i++, f.ip());
    ps.setString(i++, f.method());
    ps.setString(i++, f.host());
    ps.setString(i++, f.path());
    ps.setString(i++, f.userAgent());
    if (f.status() == null) {
      ps.setNull(i++, Types.SMALLINT);
    } else {
      ps.setShort(i++, f.status().shortValue());
    }
    if (f.latencyMs() == null) {
      ps.setNull(i++, Types.INTEGER);
    } else {
      ps.setInt(i++, f.latencyMs());
    }
    ps.setString(i, r.action());
  }
}
