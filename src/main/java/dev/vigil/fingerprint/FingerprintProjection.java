package dev.vigil.fingerprint;

import dev.vigil.anomaly.AnomalyRows;
import dev.vigil.db.PooledJdbcSession;
import dev.vigil.fingerprint.FingerprintEntity.Classified;
import dev.vigil.fingerprint.FingerprintEntity.Event;
import dev.vigil.fingerprint.FingerprintEntity.FirstSeen;
import dev.vigil.fingerprint.FingerprintEntity.PinChanged;
import dev.vigil.fingerprint.FingerprintEntity.SignalsRolledUp;
import dev.vigil.fingerprint.FingerprintEntity.ThrottleChanged;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Keeps {@code fingerprints} and {@code throttle_events} from the fingerprint journal: one
 * projection per tag over the cluster, grouped, exactly once (the offset is in the same
 * transaction). Events are applied in order; they are rare (transitions and 10-second rollups).
 */
public final class FingerprintProjection {
  private FingerprintProjection() {}

  public static void init(ActorSystem<?> system, DataSource pool) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "fingerprints-projection",
            FingerprintEntity.TAGS,
            i -> ProjectionBehavior.create(projection(system, pool, i)),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  private static GroupedProjection<Offset, EventEnvelope<Event>> projection(
      ActorSystem<?> system, DataSource pool, int index) {
    String tag = FingerprintEntity.JOURNAL.tag(index);
    return JdbcProjection.groupedWithin(
            ProjectionId.of(FingerprintEntity.JOURNAL.projection(), tag),
            EventSourcedProvider.<Event>eventsByTag(system, JdbcReadJournal.Identifier(), tag),
            () -> new PooledJdbcSession(pool),
            () -> new Handler(),
            system)
        .withGroup(200, Duration.ofMillis(200));
  }

  static final class Handler extends JdbcHandler<List<EventEnvelope<Event>>, PooledJdbcSession> {
    @Override
    public void process(PooledJdbcSession session, List<EventEnvelope<Event>> envelopes)
        throws Exception {
      session.withConnection(
          c -> {
            for (EventEnvelope<Event> env : envelopes) {
              apply(c, PersistenceId.extractEntityId(env.persistenceId()), env.event());
            }
            return null;
          });
    }
  }

  static void apply(Connection c, String id, Event event) throws SQLException {
    if (event instanceof FirstSeen e) {
      update(
          c,
          "INSERT INTO fingerprints (fingerprint_id, site_id, first_seen_at, last_seen_at)"
              + " VALUES (?, ?, ?, ?) ON CONFLICT (fingerprint_id) DO NOTHING",
          id,
          e.siteId(),
          ts(e.at()),
          ts(e.at()));
    } else if (event instanceof ThrottleChanged e) {
      boolean up = e.to().ordinal() > e.from().ordinal();
      update(
          c,
          "UPDATE fingerprints SET level = ?, escalations = escalations + ?,"
              + " reputation = greatest(0, least(100, reputation + ?)), updated_at = now()"
              + " WHERE fingerprint_id = ?",
          e.to().wire(),
          up ? 1 : 0,
          up ? -10 : 5,
          id);
      update(
          c,
          "INSERT INTO throttle_events (fingerprint_id, site_id, from_level, to_level,"
              + " reason, at) SELECT ?, site_id, ?, ?, ?, ? FROM fingerprints WHERE fingerprint_id = ?",
          id,
          e.from().wire(),
          e.to().wire(),
          e.reason(),
          ts(e.at()),
          id);
    } else if (event instanceof Classified e) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE fingerprints SET immediate_class = ?, immediate_name = ?, bot = ?, score = ?,"
                  + " reasons = ?, updated_at = now() WHERE fingerprint_id = ?")) {
        ps.setString(1, e.immediate() == null ? null : e.immediate().kind().wire());
        ps.setString(2, e.immediate() == null ? null : e.immediate().name());
        ps.setBoolean(3, e.bot());
        ps.setInt(4, e.score());
        ps.setArray(5, c.createArrayOf("text", e.reasons().toArray()));
        ps.setString(6, id);
        ps.executeUpdate();
      }
    } else if (event instanceof SignalsRolledUp e) {
      update(
          c,
          "UPDATE fingerprints SET last_seen_at = coalesce(?, last_seen_at), requests = ?,"
              + " sessions = greatest(sessions, ?), updated_at = now() WHERE fingerprint_id = ?",
          e.lastSeenAt() == null ? null : ts(e.lastSeenAt()),
          e.requests(),
          e.signals().starts().length,
          id);
    } else if (event instanceof FingerprintEntity.AnomalyTransitioned e) {
      String site;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT site_id FROM fingerprints WHERE fingerprint_id = ?")) {
        ps.setString(1, id);
        try (var rs = ps.executeQuery()) {
          site = rs.next() ? rs.getString(1) : "unknown";
        }
      }
      AnomalyRows.apply(
          c,
          site,
          "fingerprint",
          id,
          e.anomalyId(),
          e.kind(),
          e.metric(),
          e.level(),
          e.value(),
          e.baseline(),
          e.threshold(),
          e.peak(),
          e.at());
    } else if (event instanceof PinChanged e) {
      update(
          c,
          "UPDATE fingerprints SET pinned_level = ?, updated_at = now()"
              + " WHERE fingerprint_id = ?",
          e.pinned() == null ? null : e.pinned().wire(),
          id);
    }
  }

  private static void update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    }
  }

  private static Timestamp ts(java.time.Instant at) {
    return Timestamp.from(at);
  }
}
