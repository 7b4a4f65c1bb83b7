package dev.vigil.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.CborSerializable;
import dev.vigil.VigilConfig;
import dev.vigil.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal as Vigil configures it ({@link BatchedJournalDao}) against a real PostgreSQL: many
 * entities writing tagged events at once are stored with their tags, read back in sequence order by
 * persistence id and by tag, and recovered.
 */
class BatchedJournalDaoIT {
  private static final Duration AWAIT = Duration.ofSeconds(20);
  private static ActorTestKit testKit;
  private static Database database;

  /** A tiny event-sourced counter: each command appends events tagged by the entity's group. */
  record Append(List<String> values, ActorRef<Done> replyTo) implements CborSerializable {}

  record Appended(String value) implements CborSerializable {}

  record Values(List<String> all) implements CborSerializable {}

  static final class Recorder extends EventSourcedBehavior<Append, Appended, Values> {
    private final String tag;

    Recorder(String id, String tag) {
      super(PersistenceId.of("Recorder", id));
      this.tag = tag;
    }

    @Override
    public Values emptyState() {
      return new Values(List.of());
    }

    @Override
    public CommandHandler<Append, Appended, Values> commandHandler() {
      return (state, cmd) ->
          Effect()
              .persist(cmd.values().stream().map(Appended::new).toList())
              .thenReply(cmd.replyTo(), s -> Done.getInstance());
    }

    @Override
    public EventHandler<Values, Appended> eventHandler() {
      return (state, event) -> {
        List<String> all = new ArrayList<>(state.all());
        all.add(event.value());
        return new Values(List.copyOf(all));
      };
    }

    @Override
    public Set<String> tagsFor(Appended event) {
      return Set.of(tag, "all-recorders");
    }
  }

  @BeforeAll
  static void startJournal() {
    ConnectionInfo db = TestDatabase.fresh();
    Config shipped = VigilConfig.resolve(VigilConfig.shipped());
    database =
        Database.open(
            DatabaseSettings.fromConfig(shipped).withExternal(db.url(), db.user(), db.password()),
            new SimpleMeterRegistry());
    Map<String, Object> keys = new java.util.HashMap<>();
    for (String pool : List.of("slick", "slick-query")) {
      String prefix = "pekko-persistence-jdbc.shared-databases." + pool + ".db.";
      keys.put(prefix + "url", db.url());
      keys.put(prefix + "user", db.user());
      keys.put(prefix + "password", db.password());
    }
    Config config =
        ConfigFactory.parseMap(keys)
            .withFallback(
                ConfigFactory.parseString(
                    "pekko.actor.provider = local\n"
                        + "pekko.remote.artery.canonical.port = 0\n"
                        + "jdbc-read-journal.refresh-interval = 100ms"))
            .withFallback(VigilConfig.shipped());
    testKit = ActorTestKit.create("journal-it", VigilConfig.resolve(config));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    database.close();
  }

  @Test
  void storesManyEntitiesTaggedEventsAndReadsThemBackByIdAndByTag() throws Exception {
    // given the shipped configuration names this DAO
    assertEquals(
        BatchedJournalDao.class.getName(),
        testKit.system().settings().config().getString("jdbc-journal.dao"));

    // when 40 entities in two tag groups each persist 3 commands of 1-3 events, all at once
    int entities = 40;
    List<ActorRef<Append>> refs = new ArrayList<>();
    for (int e = 0; e < entities; e++) {
      refs.add(testKit.spawn(new Recorder("r" + e, "group-" + (e % 2))));
    }
    TestProbe<Done> probe = testKit.createTestProbe();
    for (int round = 0; round < 3; round++) {
      for (int e = 0; e < entities; e++) {
        List<String> values = new ArrayList<>();
        for (int v = 0; v <= (e + round) % 3; v++) {
          values.add("r" + e + "-" + round + "-" + v);
        }
        refs.get(e).tell(new Append(values, probe.getRef()));
      }
    }
    for (int i = 0; i < entities * 3; i++) {
      probe.expectMessage(AWAIT, Done.getInstance());
    }

    // then each entity's events read back by persistence id, in the order they were persisted
    JdbcReadJournal journal =
        PersistenceQuery.get(testKit.system())
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    int total = 0;
    for (int e = 0; e < entities; e++) {
      List<String> expected = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (int v = 0; v <= (e + round) % 3; v++) {
          expected.add("r" + e + "-" + round + "-" + v);
        }
      }
      List<String> stored =
          journal
              .currentEventsByPersistenceId("Recorder|r" + e, 0, Long.MAX_VALUE)
              .map(env -> ((Appended) env.event()).value())
              .runWith(Sink.seq(), testKit.system())
              .toCompletableFuture()
              .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(expected, stored, "events of r" + e);
      total += expected.size();
    }

    // and by tag: each group holds its own entities' events, every event under the shared tag
    List<EventEnvelope> group0 = byTag(journal, "group-0");
    List<EventEnvelope> everything = byTag(journal, "all-recorders");
    assertEquals(total, everything.size());
    assertEquals(
        everything.stream().filter(env -> isEven(env.persistenceId())).count(), group0.size());
    for (EventEnvelope env : group0) {
      assertInstanceOf(Appended.class, env.event());
      assertEquals(true, isEven(env.persistenceId()), env.persistenceId() + " is not in group-0");
    }
    assertEquals(2L * total, count("SELECT count(*) FROM event_tag"));

    // and a respawned entity recovers every event it persisted
    ActorRef<Append> again = testKit.spawn(new Recorder("r7", "group-1"));
    again.tell(new Append(List.of("after"), probe.getRef()));
    probe.expectMessage(AWAIT, Done.getInstance());
    assertEquals(
        7L,
        count(
            "SELECT max(sequence_number) FROM event_journal WHERE persistence_id = 'Recorder|r7'"),
        "r7 wrote 2+3+1 events before, so its next event is number 7");
  }

  private static boolean isEven(String persistenceId) {
    return Integer.parseInt(persistenceId.substring("Recorder|r".length())) % 2 == 0;
  }

  private static List<EventEnvelope> byTag(JdbcReadJournal journal, String tag) throws Exception {
    return journal
        .currentEventsByTag(tag, Offset.noOffset())
        .runWith(Sink.seq(), testKit.system())
        .toCompletableFuture()
        .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = database.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
