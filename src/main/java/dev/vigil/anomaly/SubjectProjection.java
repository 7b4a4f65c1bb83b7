package dev.vigil.anomaly;

import dev.vigil.db.PooledJdbcSession;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/** Projects site and user anomaly transitions into {@code anomalies} (exactly once, grouped). */
public final class SubjectProjection {
  private SubjectProjection() {}

  public static void init(ActorSystem<?> system, DataSource pool) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "subjects-projection",
            SubjectEntity.TAGS,
            i ->
                ProjectionBehavior.create(
                    JdbcProjection.groupedWithin(
                            ProjectionId.of(
                                SubjectEntity.JOURNAL.projection(), SubjectEntity.JOURNAL.tag(i)),
                            EventSourcedProvider.<SubjectEntity.Event>eventsByTag(
                                system, JdbcReadJournal.Identifier(), SubjectEntity.JOURNAL.tag(i)),
                            () -> new PooledJdbcSession(pool),
                            () -> new Handler(),
                            system)
                        .withGroup(100, Duration.ofMillis(200))),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  static final class Handler
      extends JdbcHandler<List<EventEnvelope<SubjectEntity.Event>>, PooledJdbcSession> {
    @Override
    public void process(PooledJdbcSession session, List<EventEnvelope<SubjectEntity.Event>> envs)
        throws Exception {
      session.withConnection(
          c -> {
            for (var env : envs) {
              if (env.event() instanceof SubjectEntity.AnomalyTransitioned a) {
                AnomalyRows.apply(
                    c,
                    a.siteId(),
                    a.kind(),
                    a.subjectId(),
                    a.anomalyId(),
                    a.change(),
                    a.metric(),
                    a.level(),
                    a.value(),
                    a.baseline(),
                    a.threshold(),
                    a.peak(),
                    a.at());
              }
            }
            return null;
          });
    }
  }
}
