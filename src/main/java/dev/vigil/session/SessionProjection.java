package dev.vigil.session;

import dev.vigil.db.PooledJdbcSession;
import dev.vigil.session.SessionEntity.ActivityRolledUp;
import dev.vigil.session.SessionEntity.Event;
import dev.vigil.session.SessionEntity.SessionEnded;
import dev.vigil.session.SessionEntity.SessionStarted;
import dev.vigil.session.SessionEntity.UserIdentified;
import dev.vigil.util.Text;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Keeps the {@code sessions} read table from the session journal: one projection instance per tag,
 * spread over the cluster by a sharded daemon process. Grouped: each group of envelopes is folded
 * per session into one row change and written with the offset in one transaction (exactly once:
 * {@code JdbcProjection.groupedWithin} runs the handler in the offset's transaction).
 */
public final class SessionProjection {
  static final String NAME = "sessions";
  static final String TAG_PREFIX = "session-";

  private SessionProjection() {}

  public static void init(ActorSystem<?> system, SessionSettings settings, DataSource pool) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "sessions-projection",
            settings.tags(),
            i -> ProjectionBehavior.create(projection(system, settings, pool, i)),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  private static org.apache.pekko.projection.javadsl.GroupedProjection<Offset, EventEnvelope<Event>>
      projection(ActorSystem<?> system, SessionSettings settings, DataSource pool, int index) {
    String tag = tag(index);
    SourceProvider<Offset, EventEnvelope<Event>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), tag);
    return JdbcProjection.groupedWithin(
            ProjectionId.of(NAME, tag),
            source,
            () -> new PooledJdbcSession(pool),
            () -> new Handler(),
            system)
        .withGroup(500, Duration.ofMillis(200));
  }

  /** The journal tag of projection instance {@code index} ({@link SessionEntity#tagFor}). */
  static String tag(int index) {
    return TAG_PREFIX + index;
  }

  /**
   * What a group of events does to one session's row. An activity rollup always changes the end:
   * activity after an end resumes the session, and an end after it in the same group ends it again;
   * {@code endedAt} holds the end as of the group's last event.
   */
  static final class RowChange {
    SessionStarted started;
    ActivityRolledUp activity;
    String userId;
    boolean endedChanged;
    Instant endedAt;
    String fingerprintId;
    SessionEntity.SessionClassified classified;

    void apply(Event event) {
      if (event instanceof SessionStarted s) {
        started = s;
      } else if (event instanceof ActivityRolledUp a) {
        activity = a;
        endedChanged = true; // activity after an end resumes the session
        endedAt = null;
      } else if (event instanceof UserIdentified u) {
        userId = u.userId();
      } else if (event instanceof SessionEntity.FingerprintLinked f) {
        fingerprintId = f.fingerprintId();
      } else if (event instanceof SessionEntity.SessionClassified c) {
        classified = c;
      } else if (event instanceof SessionEnded e) {
        endedChanged = true;
        endedAt = e.endedAt();
      }
      // SessionConverted changes no column: its count is in the activity totals
    }
  }

  static final class Handler extends JdbcHandler<List<EventEnvelope<Event>>, PooledJdbcSession> {
    @Override
    public void process(PooledJdbcSession session, List<EventEnvelope<Event>> envelopes)
        throws Exception {
      Map<String, RowChange> changes = new LinkedHashMap<>();
      for (EventEnvelope<Event> envelope : envelopes) {
        String id = PersistenceId.extractEntityId(envelope.persistenceId());
        changes.computeIfAbsent(id, k -> new RowChange()).apply(envelope.event());
      }
      session.withConnection(
          connection -> {
            write(connection, changes);
            return null;
          });
    }
  }

  static void write(Connection c, Map<String, RowChange> changes) throws SQLException {
    try (PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO sessions (session_id, site_id, visitor_id, user_id, started_at,"
                    + " last_seen_at, landing_url, landing_path, referrer_host, utm_source,"
                    + " utm_medium, utm_campaign, device_class, browser, os)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (session_id) DO NOTHING");
        PreparedStatement activity =
            c.prepareStatement(
                "UPDATE sessions SET page_views = ?, beacons = ?, clicks = ?, rage_clicks = ?,"
                    + " dead_clicks = ?, time_on_page_ms = ?, max_scroll_depth = ?,"
                    + " conversions = ?, requests = ?, last_seen_at = ?, ended_at = ?,"
                    + " updated_at = now() WHERE session_id = ?");
        PreparedStatement user =
            c.prepareStatement(
                "UPDATE sessions SET user_id = ?, updated_at = now() WHERE session_id = ?");
        PreparedStatement ended =
            c.prepareStatement(
                "UPDATE sessions SET ended_at = ?, updated_at = now() WHERE session_id = ?");
        PreparedStatement fingerprint =
            c.prepareStatement(
                "UPDATE sessions SET fingerprint_id = ?, updated_at = now() WHERE session_id = ?");
        PreparedStatement classified =
            c.prepareStatement(
                "UPDATE sessions SET class = ?, score = ?, reasons = ?, classified_at = ?,"
                    + " updated_at = now() WHERE session_id = ?")) {
      for (var entry : changes.entrySet()) {
        String id = entry.getKey();
        RowChange ch = entry.getValue();
        if (ch.started != null) {
          bindStarted(insert, id, ch.started);
          insert.addBatch();
        }
        if (ch.activity != null) {
          Activity t = ch.activity.totals();
          int i = 1;
          activity.setInt(i++, t.pageViews());
          activity.setInt(i++, t.beacons());
          activity.setInt(i++, t.clicks());
          activity.setInt(i++, t.rageClicks());
          activity.setInt(i++, t.deadClicks());
          activity.setLong(i++, t.timeOnPageMs());
          activity.setInt(i++, t.maxScrollDepth());
          activity.setInt(i++, t.conversions());
          activity.setInt(i++, t.requests());
          activity.setTimestamp(i++, Timestamp.from(ch.activity.lastSeenAt()));
          activity.setTimestamp(i++, ch.endedAt == null ? null : Timestamp.from(ch.endedAt));
          activity.setString(i, id);
          activity.addBatch();
        }
        if (ch.userId != null) {
          user.setString(1, ch.userId);
          user.setString(2, id);
          user.addBatch();
        }
        // A rollup's update sets ended_at too (see RowChange): one new row version per rollup, not
        // a second one (with its WAL record and later pruning) for an end that did not change.
        if (ch.endedChanged && ch.activity == null) {
          ended.setTimestamp(1, ch.endedAt == null ? null : Timestamp.from(ch.endedAt));
          ended.setString(2, id);
          ended.addBatch();
        }
        if (ch.fingerprintId != null) {
          fingerprint.setString(1, ch.fingerprintId);
          fingerprint.setString(2, id);
          fingerprint.addBatch();
        }
        if (ch.classified != null) {
          classified.setString(1, ch.classified.sessionClass());
          classified.setInt(2, ch.classified.score());
          classified.setArray(3, c.createArrayOf("text", ch.classified.reasons().toArray()));
          classified.setTimestamp(4, Timestamp.from(ch.classified.at()));
          classified.setString(5, id);
          classified.addBatch();
        }
      }
      // Inserts first: the updates of a session started in this same group need its row.
      insert.executeBatch();
      activity.executeBatch();
      user.executeBatch();
      ended.executeBatch();
      fingerprint.executeBatch();
      classified.executeBatch();
    }
  }

  private static void bindStarted(PreparedStatement ps, String id, SessionStarted s)
      throws SQLException {
    int i = 1;
    ps.setString(i++, id);
    ps.setString(i++, s.siteId());
    ps.setString(i++, s.visitorId());
    ps.setString(i++, s.userId());
    ps.setTimestamp(i++, Timestamp.from(s.startedAt()));
    ps.setTimestamp(i++, Timestamp.from(s.startedAt()));
    // The request's and page's text, as stored since the edge replaces a NUL; an event journaled
    // before that would otherwise fail this projection on every retry, and every session after it.
    ps.setString(i++, Text.storable(s.landing().url()));
    ps.setString(i++, Text.storable(s.landing().path()));
    ps.setString(i++, Text.storable(s.landing().referrerHost()));
    ps.setString(i++, Text.storable(s.landing().utmSource()));
    ps.setString(i++, Text.storable(s.landing().utmMedium()));
    ps.setString(i++, Text.storable(s.landing().utmCampaign()));
    ps.setString(i++, Text.storable(s.client().deviceClass()));
    ps.setString(i++, Text.storable(s.client().browser()));
    ps.setString(i, Text.storable(s.client().os()));
  }
}
