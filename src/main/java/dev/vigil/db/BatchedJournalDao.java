package dev.vigil.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.pekko.persistence.jdbc.config.EventJournalTableColumnNames;
import org.apache.pekko.persistence.jdbc.config.EventJournalTableConfiguration;
import org.apache.pekko.persistence.jdbc.config.EventTagTableConfiguration;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables.JournalPekkoSerializationRow;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import scala.Option;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;
import slick.dbio.DBIOAction;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * pekko-persistence-jdbc's journal DAO with one change: a batch of journal rows is written as two
 * batched statements in one transaction — the events, then their tags — instead of one round trip
 * per event. The plugin's own DAO inserts tagged events one at a time because each tag row needs
 * its event's generated {@code ordering}, and Slick returns generated keys only row by row; the
 * PostgreSQL driver returns them for a whole batch. Everything else (reads, deletes, the write
 * queue that gathers the batches) is the plugin's.
 *
 * <p>Why it matters: every new session and fingerprint, every transition and every rollup is a
 * tagged event. Written one round trip each, a burst of new sessions filled the journal's write
 * queue on a cold JVM and failed entities (BENCHMARKS.md, new sessions per second). Semantics are
 * unchanged: the batch commits or fails as a whole, as before, and a repeated (persistence id,
 * sequence number) fails it on the primary key.
 *
 * <p>Configured as {@code jdbc-journal.dao}; the plugin creates it reflectively with this
 * constructor's exact parameter types.
 */
public class BatchedJournalDao extends DefaultJournalDao {
  private final String insertEvent;
  private final String insertTag;
  private final String orderingColumn;

  public BatchedJournalDao(
      JdbcBackend.JdbcDatabaseDef db,
      JdbcProfile profile,
      JournalConfig journalConfig,
      Serialization serialization,
      ExecutionContext ec,
      Materializer mat) {
    super(db, profile, journalConfig, serialization, ec, mat);
    EventJournalTableConfiguration events = journalConfig.eventJournalTableConfiguration();
    EventJournalTableColumnNames c = events.columnNames();
    this.insertEvent =
        "INSERT INTO "
            + qualified(events.schemaName(), events.tableName())
            + " ("
            + String.join(
                ", ",
                c.deleted(),
                c.persistenceId(),
                c.sequenceNumber(),
                c.writer(),
                c.writeTimestamp(),
                c.adapterManifest(),
                c.eventSerId(),
                c.eventSerManifest(),
                c.eventPayload(),
                c.metaSerId(),
                c.metaSerManifest(),
                c.metaPayload())
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    EventTagTableConfiguration tags = journalConfig.eventTagTableConfiguration();
    this.insertTag =
        "INSERT INTO "
            + qualified(tags.schemaName(), tags.tableName())
            + " ("
            + tags.columnNames().eventId()
            + ", "
            + tags.columnNames().tag()
            + ") VALUES (?, ?)";
    this.orderingColumn = c.ordering();
  }

  @Override
  public Future<BoxedUnit> writeJournalRows(
      Seq<Tuple2<JournalPekkoSerializationRow, Set<String>>> xs) {
    List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows =
        new ArrayList<>(CollectionConverters.asJava(xs));
    // as the plugin does: each persistence id's events in sequence order (a stable sort)
    rows.sort(Comparator.comparingLong(row -> row._1().sequenceNumber()));
    SimpleJdbcAction<BoxedUnit> action =
        new SimpleJdbcAction<>(
            (JdbcBackend.JdbcActionContext ctx) -> {
              write(ctx.connection(), rows);
              return BoxedUnit.UNIT;
            });
    return run(action);
  }

  private void write(
      Connection connection, List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows) {
    try {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        long[] orderings = insertEvents(connection, rows);
        insertTags(connection, rows, orderings);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new JournalWriteException(e);
    }
  }

  private long[] insertEvents(
      Connection connection, List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows)
      throws SQLException {
    long[] orderings = new long[rows.size()];
    try (PreparedStatement ps =
        connection.prepareStatement(insertEvent, new String[] {orderingColumn})) {
      for (Tuple2<JournalPekkoSerializationRow, Set<String>> row : rows) {
        bind(ps, row._1());
        ps.addBatch();
      }
      ps.executeBatch();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        for (int i = 0; i < orderings.length; i++) {
          if (!keys.next()) {
            throw new SQLException(
                "the journal returned " + i + " generated orderings for " + rows.size() + " rows");
          }
          orderings[i] = keys.getLong(1);
        }
      }
    }
    return orderings;
  }

  private void insertTags(
      Connection connection,
      List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows,
      long[] orderings)
      throws SQLException {
    boolean any = false;
    try (PreparedStatement ps = connection.prepareStatement(insertTag)) {
      for (int i = 0; i < rows.size(); i++) {
        for (String tag : CollectionConverters.asJava(rows.get(i)._2())) {
          ps.setLong(1, orderings[i]);
          ps.setString(2, tag);
          ps.addBatch();
          any = true;
        }
      }
      if (any) {
        ps.executeBatch();
      }
    }
  }

  private static void bind(PreparedStatement ps, JournalPekkoSerializationRow row)
      throws SQLException {
    ps.setBoolean(1, row.deleted());
    ps.setString(2, row.persistenceId());
    ps.setLong(3, row.sequenceNumber());
    ps.setString(4, row.writer());
    ps.setLong(5, row.writeTimestamp());
    ps.setString(6, row.adapterManifest());
    ps.setInt(7, row.eventSerId());
    ps.setString(8, row.eventSerManifest());
    ps.setBytes(9, row.eventPayload());
    Option<Object> metaSerId = row.metaSerId();
    if (metaSerId.isDefined()) {
      ps.setInt(10, (Integer) metaSerId.get());
    } else {
      ps.setNull(10, Types.INTEGER);
    }
    ps.setString(11, row.metaSerManifest().isDefined() ? row.metaSerManifest().get() : null);
    ps.setBytes(12, row.metaPayload().isDefined() ? row.metaPayload().get() : null);
  }

  /**
   * Slick's {@code run} takes an action of effect {@code Nothing}, which a {@code SimpleJdbcAction}
   * is in Scala (the effect parameter is contravariant) but not in Java's generics.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Future<BoxedUnit> run(SimpleJdbcAction<BoxedUnit> action) {
    return db().run((DBIOAction) action);
  }

  private static String qualified(Option<String> schema, String table) {
    return schema.isDefined() && !schema.get().isBlank() ? schema.get() + "." + table : table;
  }

  /** A failed batch write; the plugin fails every write of the batch with it. */
  static final class JournalWriteException extends RuntimeException {
    JournalWriteException(SQLException cause) {
      super("journal batch write failed: " + cause.getMessage(), cause);
    }
  }
}
