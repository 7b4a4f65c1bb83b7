package dev.vigil.ledger;

import dev.vigil.db.PooledJdbcSession;
import dev.vigil.ledger.BudgetEntity.AnomalyClosed;
import dev.vigil.ledger.BudgetEntity.AnomalyEscalated;
import dev.vigil.ledger.BudgetEntity.AnomalyOpened;
import dev.vigil.ledger.BudgetEntity.Event;
import dev.vigil.ledger.BudgetEntity.LimitsSet;
import dev.vigil.ledger.BudgetEntity.SpendRolledUp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
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
 * Keeps {@code budgets} and the budgets' rows of {@code anomalies} (metric {@code cost}, value =
 * spend / limit, threshold 1.0 for critical or the warning share) from the budget journal: one
 * projection per tag over the cluster, grouped, exactly once.
 */
public final class BudgetProjection {
  static final String METRIC = "cost";

  private BudgetProjection() {}

  public static void init(ActorSystem<?> system, DataSource pool) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "budgets-projection",
            BudgetEntity.TAGS,
            i -> ProjectionBehavior.create(projection(system, pool, i)),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  private static GroupedProjection<Offset, EventEnvelope<Event>> projection(
      ActorSystem<?> system, DataSource pool, int index) {
    String tag = BudgetEntity.JOURNAL.tag(index);
    return JdbcProjection.groupedWithin(
            ProjectionId.of(BudgetEntity.JOURNAL.projection(), tag),
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
              String id = PersistenceId.extractEntityId(env.persistenceId());
              apply(c, BudgetSubject.ofEntityId(id), env.event());
            }
            return null;
          });
    }
  }

  static void apply(Connection c, BudgetSubject s, Event event) throws SQLException {
    String kind = s.kind();
    String subjectId = s.anomalySubjectId();
    String open = " WHERE subject_kind = ? AND subject_id = ? AND metric = ? AND closed_at IS NULL";
    if (event instanceof LimitsSet e) {
      if (e.day() == null && e.month() == null) {
        update(
            c,
            "DELETE FROM budgets WHERE site_id = ? AND subject_kind = ? AND subject_id = ?",
            s.siteId(),
            kind,
            s.id());
      } else {
        update(
            c,
            "INSERT INTO budgets (site_id, subject_kind, subject_id, day_limit_microdollars,"
                + " month_limit_microdollars, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (site_id, subject_kind, subject_id) DO UPDATE SET"
                + " day_limit_microdollars = excluded.day_limit_microdollars,"
                + " month_limit_microdollars = excluded.month_limit_microdollars,"
                + " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            s.siteId(),
            kind,
            s.id(),
            e.day(),
            e.month(),
            e.by(),
            ts(e.at()));
      }
    } else if (event instanceof AnomalyOpened e) {
      update(
          c,
          "INSERT INTO anomalies (anomaly_id, site_id, subject_kind, subject_id, metric, level,"
              + " value, threshold, peak, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT DO NOTHING",
          e.anomalyId(),
          s.siteId(),
          kind,
          subjectId,
          METRIC,
          e.level(),
          e.value(),
          e.threshold(),
          e.value(),
          ts(e.at()));
    } else if (event instanceof AnomalyEscalated e) {
      update(
          c,
          "UPDATE anomalies SET level = ?, value = ?, threshold = ?, peak = greatest(peak, ?),"
              + " escalated_at = ?, updated_at = now()"
              + open,
          e.level(),
          e.value(),
          e.threshold(),
          e.value(),
          ts(e.at()),
          kind,
          subjectId,
          METRIC);
    } else if (event instanceof AnomalyClosed e) {
      update(
          c,
          "UPDATE anomalies SET value = ?, closed_at = ?, updated_at = now()" + open,
          e.value(),
          ts(e.at()),
          kind,
          subjectId,
          METRIC);
    } else if (event instanceof SpendRolledUp e) {
      update(
          c,
          "UPDATE anomalies SET value = ?, peak = greatest(peak, ?), updated_at = now()" + open,
          e.value(),
          e.value(),
          kind,
          subjectId,
          METRIC);
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

  private static Timestamp ts(Instant at) {
    return Timestamp.from(at);
  }
}
