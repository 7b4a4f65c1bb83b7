package dev.vigil.writer;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.testkit.BusyBlockingDispatcher;
import dev.vigil.testkit.TestDatabase;
import dev.vigil.writer.WriterUnavailableException.Reason;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The append writer against a real PostgreSQL: acknowledgement after commit, shared flushes,
 * failure of a whole flush, isolation of one caller's bad rows, refusal when full, and draining on
 * close.
 */
class AppendWriterIT {
  private static final String TABLE = "writer_test";
  private static final Duration AWAIT = Duration.ofSeconds(10);

  /**
   * Longer than any test here runs: the writer's timer never fires, so a flush happens only when a
   * batch fills up to exactly {@code maxBatchRows} (or on close). That puts chosen requests into
   * one flush however the threads happen to be scheduled.
   */
  private static final Duration NO_TIMER_FLUSH = Duration.ofMinutes(5);

  private static final AppendWriter.Table<Row> ROWS =
      new AppendWriter.Table<>(
          TABLE,
          "INSERT INTO writer_test (id, payload) VALUES (?, ?)",
          (statement, row) -> {
            statement.setLong(1, row.id());
            statement.setString(2, row.payload());
          });

  /** The same table written through an insert that returns what it stored, skipping repeats. */
  private static final AppendWriter.Table<Row> RETURNING_ROWS =
      AppendWriter.Table.returning(
          TABLE,
          new AppendWriter.Returning<>(
              "INSERT INTO writer_test (id, payload) VALUES ",
              2,
              " ON CONFLICT DO NOTHING RETURNING id, payload",
              (statement, first, row) -> {
                statement.setLong(first, row.id());
                statement.setString(first + 1, row.payload());
                return first + 2;
              },
              Row::payload, // each request below writes its own payload: the write's name
              returned ->
                  new AppendWriter.Returned(
                      returned.getString(2), new Row(returned.getLong(1), returned.getString(2)))));

  private static ActorTestKit testKit;
  private static HikariDataSource writerPool;
  private static HikariDataSource checkPool;

  private final List<AppendWriter<?>> writers = new ArrayList<>();
  private SimpleMeterRegistry registry;

  record Row(long id, String payload) {}

  /** A row of a table with a nullable column, written through its {@link AppendWriter.Columns}. */
  record Noted(long id, String write, String note, Integer count) {}

  @BeforeAll
  static void startDatabaseAndActorSystem() {
    ConnectionInfo db = TestDatabase.fresh();
    writerPool = pool(db, "writer-it-writer");
    checkPool = pool(db, "writer-it-checks");
    testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
  }

  @AfterAll
  static void stopDatabaseAndActorSystem() {
    testKit.shutdownTestKit();
    writerPool.close();
    checkPool.close();
  }

  @BeforeEach
  void emptyTable() throws SQLException {
    registry = new SimpleMeterRegistry();
    execute(
        "DROP TABLE IF EXISTS writer_test",
        "CREATE TABLE writer_test (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)");
  }

  @AfterEach
  void closeWriters() throws Exception {
    for (AppendWriter<?> writer : writers) {
      writer.close().toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    }
  }

  @Test
  void acknowledgesEachCallerAfterItsRowsAreCommittedAndSharesFlushesBetweenCallers()
      throws Exception {
    // given 200 requests of 1-20 rows from 8 threads at once
    AppendWriter<Row> writer = start(new WriterSettings(500, Duration.ofMillis(20), 1_000, 2));
    Random random = new Random(7);
    List<List<Row>> requests = new ArrayList<>();
    long nextId = 1;
    for (int i = 0; i < 200; i++) {
      List<Row> rows = new ArrayList<>();
      for (int n = 1 + random.nextInt(20); n > 0; n--) {
        rows.add(new Row(nextId, "row " + nextId));
        nextId++;
      }
      requests.add(rows);
    }
    long totalRows = nextId - 1;
    List<String> invisibleWhenAcknowledged = new CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(8);

    // when every caller appends and, the moment its stage completes, looks for its rows from
    // another connection
    List<Future<CompletableFuture<Long>>> submitted = new ArrayList<>();
    for (List<Row> rows : requests) {
      submitted.add(
          callers.submit(
              () -> {
                go.await();
                return writer
                    .append(rows)
                    .thenApply(
                        done -> {
                          long visible = countIds(rows);
                          if (visible != rows.size()) {
                            invisibleWhenAcknowledged.add(
                                visible + " of " + rows.size() + " from id " + rows.get(0).id());
                          }
                          return visible;
                        })
                    .toCompletableFuture();
              }));
    }
    go.countDown();
    for (Future<CompletableFuture<Long>> caller : submitted) {
      caller.get(AWAIT.toSeconds(), SECONDS).get(AWAIT.toSeconds(), SECONDS);
    }
    callers.shutdown();

    // then
    assertTrue(
        invisibleWhenAcknowledged.isEmpty(),
        () ->
            invisibleWhenAcknowledged.size()
                + " callers did not find their rows when acknowledged, e.g. "
                + invisibleWhenAcknowledged.get(0));
    assertEquals(totalRows, countAll());
    DistributionSummary flushes = registry.get("vigil.writer.flush.rows").summary();
    assertTrue(
        flushes.count() < requests.size(),
        "expected fewer flushes than requests, was " + flushes.count());
    assertEquals(totalRows, (long) flushes.totalAmount());
    assertEquals(0.0, counter("vigil.writer.flush.failures"));
  }

  @Test
  void withoutADelayFlushesAtOnceWhenIdleAndGathersWhatWaitedWhileBusy() throws Exception {
    // given a writer without a delay and one flush lane, with a batch far from full
    AppendWriter<Row> writer = start(new WriterSettings(1_000, Duration.ZERO, 100, 1));

    // when one request comes to an idle writer, it is stored without waiting for others
    writer.append(List.of(row(1))).toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    assertEquals(List.of(1L), storedIds());

    // and when requests arrive while the one lane is busy (its flush is blocked by a lock)
    List<CompletionStage<Done>> waited = new ArrayList<>();
    try (Connection locker = checkPool.getConnection()) {
      locker.setAutoCommit(false);
      try (Statement st = locker.createStatement()) {
        st.execute("LOCK TABLE writer_test IN ACCESS EXCLUSIVE MODE");
      }
      CompletionStage<Done> busy = writer.append(List.of(row(2)));
      testKit
          .createTestProbe()
          .awaitAssert(
              AWAIT,
              () -> {
                assertEquals(1, insertsWaitingForALock());
                return null;
              });
      waited.add(writer.append(List.of(row(3), row(4))));
      waited.add(writer.append(List.of(row(5))));
      waited.add(writer.append(List.of(row(6), row(7), row(8))));
      waited.add(busy);
      assertTrue(waited.stream().noneMatch(s -> s.toCompletableFuture().isDone()));
      locker.rollback();
    }

    // then every request is stored, those that waited in one flush together
    for (CompletionStage<Done> stage : waited) {
      stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    }
    assertEquals(LongStream.rangeClosed(1, 8).boxed().toList(), storedIds());
    DistributionSummary flushes = registry.get("vigil.writer.flush.rows").summary();
    assertEquals(3, flushes.count(), "the idle request, the blocked one, the three that waited");
    assertEquals(6.0, flushes.max(), "the three requests that waited went as one flush");
  }

  @Test
  void aReturningInsertTellsEachCallerWhichOfItsRowsItStoredInChunksUnderTheParameterLimit()
      throws Exception {
    // given a stored row, and a batch that waits 2 s, so the three requests below (17,102 rows,
    // 34,204 parameters: more than one statement may carry) share one flush
    execute("INSERT INTO writer_test (id, payload) VALUES (1, 'first')");
    AppendWriter<Row> writer =
        start(RETURNING_ROWS, new WriterSettings(20_000, Duration.ofSeconds(2), 100, 1));
    List<Row> many = LongStream.range(100, 17_100).mapToObj(id -> new Row(id, "a")).toList();
    List<Row> withARepeat = new ArrayList<>(List.of(new Row(1, "b")));
    LongStream.range(20_000, 20_100).forEach(id -> withARepeat.add(new Row(id, "b")));

    // when the second request repeats the stored row, and the third a row of the first
    var first = writer.appendReturning(many);
    var second = writer.appendReturning(withARepeat);
    var third = writer.appendReturning(List.of(new Row(100, "c")));

    // then each caller learns which of its rows the flush stored: all of the first's, the
    // second's but its repeat, none of the third's (the first stored that key in the same flush)
    assertEquals(
        sortedById(many), sortedById(first.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS)));
    assertEquals(
        sortedById(withARepeat.subList(1, withARepeat.size())),
        sortedById(second.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS)));
    assertEquals(List.of(), third.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS));
    assertEquals(1 + 17_000 + 100, countAll());
    assertEquals(1.0, registry.get("vigil.writer.flush.rows").summary().count(), "one flush");
    assertEquals(0.0, counter("vigil.writer.flush.failures"));

    // and a plain append to a returning table is acknowledged without the rows
    writer.append(List.of(row(30_000))).toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    assertEquals(1 + 17_000 + 100 + 1, countAll());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"plain", "returning"})
  void insertsAFlushsRowsInTheOrderOfTheTablesKey(String insert) throws Exception {
    // given a table that logs the order its rows are inserted in, written in key order, and a
    // batch that waits 500 ms, so the three requests below share one flush
    execute(
        "DROP TABLE IF EXISTS writer_test_order",
        "CREATE TABLE writer_test_order (seq BIGSERIAL PRIMARY KEY, id BIGINT NOT NULL)",
        "CREATE OR REPLACE FUNCTION log_writer_test_order() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$BEGIN INSERT INTO writer_test_order (id) VALUES (NEW.id); RETURN NEW; END$$",
        "CREATE TRIGGER log_order AFTER INSERT ON writer_test"
            + " FOR EACH ROW EXECUTE FUNCTION log_writer_test_order()");
    AppendWriter.Table<Row> table =
        (insert.equals("plain") ? ROWS : RETURNING_ROWS)
            .withKeyOrder(Comparator.comparing(Row::id));
    AppendWriter<Row> writer =
        start(table, new WriterSettings(1_000, Duration.ofMillis(500), 100, 1));

    // when requests arrive with their keys out of order, within and between requests
    Function<List<Row>, CompletionStage<?>> send =
        insert.equals("plain") ? writer::append : writer::appendReturning;
    List<CompletionStage<?>> sent =
        List.of(
            send.apply(List.of(new Row(5, "a"), new Row(1, "a"))),
            send.apply(List.of(new Row(4, "b"))),
            send.apply(List.of(new Row(3, "c"), new Row(2, "c"))));
    for (CompletionStage<?> stage : sent) {
      stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    }

    // then the flush inserted them in key order: a second flush holding some of the same keys
    // waits for them in the same order, and cannot deadlock with this one
    List<Long> order = new ArrayList<>();
    try (Connection c = checkPool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM writer_test_order ORDER BY seq")) {
      while (rs.next()) {
        order.add(rs.getLong(1));
      }
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), order);
    assertEquals(1.0, registry.get("vigil.writer.flush.rows").summary().count(), "one flush");
  }

  @Test
  void aColumnsInsertNamesAnOmittableColumnOnlyWhenARowOfItsStatementFillsIt() throws Exception {
    // given a table whose omittable columns have defaults, which show whether a statement named
    // them (a real table declares omittable only columns without one: LedgerTablesIT)
    execute(
        "DROP TABLE IF EXISTS writer_test_noted",
        "CREATE TABLE writer_test_noted (id BIGINT PRIMARY KEY, write TEXT NOT NULL,"
            + " note TEXT DEFAULT 'left out', count INTEGER DEFAULT -1)");
    AppendWriter.Columns<Noted> columns =
        new AppendWriter.Columns<>(
            "writer_test_noted",
            List.of(
                AppendWriter.Column.of("id", java.sql.Types.BIGINT),
                AppendWriter.Column.of("write", java.sql.Types.VARCHAR),
                AppendWriter.Column.omittable("note", java.sql.Types.VARCHAR),
                AppendWriter.Column.omittable("count", java.sql.Types.INTEGER)),
            (row, out) -> {
              out[0] = row.id();
              out[1] = row.write();
              out[2] = row.note();
              out[3] = row.count();
              return 4;
            });
    AppendWriter<Noted> writer =
        start(
            AppendWriter.Table.returning(
                "writer_test_noted",
                AppendWriter.Returning.of(
                    columns,
                    " ON CONFLICT DO NOTHING RETURNING id, write",
                    Noted::write,
                    returned ->
                        new AppendWriter.Returned(returned.getString(2), returned.getLong(1)))),
            new WriterSettings(1_000, Duration.ZERO, 100, 1));

    // when one flush holds no note and no count, and another one note among two rows
    List<Object> first =
        writer
            .appendReturning(List.of(new Noted(1, "a", null, null), new Noted(2, "a", null, null)))
            .toCompletableFuture()
            .get(AWAIT.toSeconds(), SECONDS);
    List<Object> second =
        writer
            .appendReturning(List.of(new Noted(3, "b", "x", null), new Noted(4, "b", null, null)))
            .toCompletableFuture()
            .get(AWAIT.toSeconds(), SECONDS);

    // then the first statement named neither (the defaults), the second named the note for both
    // rows (one null) and still not the count, and each write learnt its rows
    assertEquals(List.of(1L, 2L), first.stream().sorted().toList());
    assertEquals(List.of(3L, 4L), second.stream().sorted().toList());
    List<String> stored = new ArrayList<>();
    try (Connection c = checkPool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT id, note, count FROM writer_test_noted ORDER BY id")) {
      while (rs.next()) {
        stored.add(rs.getLong(1) + ":" + rs.getString(2) + ":" + rs.getInt(3));
      }
    }
    assertEquals(List.of("1:left out:-1", "2:left out:-1", "3:x:-1", "4:null:-1"), stored);
  }

  @Test
  void runsAReturningFlushAgainWhenPostgresAbortsItAsADeadlockVictim() throws Exception {
    // given a table whose first insert PostgreSQL aborts as a deadlock victim (40P01), as when two
    // flushes wait on each other's uncommitted keys
    abortInsertsAsDeadlockVictims(1);
    AppendWriter<Row> writer =
        start(RETURNING_ROWS, new WriterSettings(1_000, Duration.ZERO, 100, 1));

    // when
    var stored = writer.appendReturning(List.of(new Row(1, "w"), new Row(2, "w")));

    // then the writer runs the flush again and the caller learns both rows were stored, once
    assertEquals(
        List.of(new Row(1, "w"), new Row(2, "w")),
        sortedById(stored.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS)));
    assertEquals(List.of(1L, 2L), storedIds());
    assertEquals(1.0, counter("vigil.writer.flush.retries"));
    assertEquals(0.0, counter("vigil.writer.flush.failures"));
    assertEquals(1.0, registry.get("vigil.writer.flush.rows").summary().count(), "one flush");
  }

  @Test
  void givesUpOnAFlushThatPostgresAbortsThreeTimesAndKeepsWorkingAfterwards() throws Exception {
    // given a table whose first three inserts PostgreSQL aborts as deadlock victims
    abortInsertsAsDeadlockVictims(3);
    AppendWriter<Row> writer = start(new WriterSettings(1_000, Duration.ZERO, 100, 1));

    // when a plain (not returning) flush is aborted in each of its three runs
    WriterUnavailableException failure = failure(writer.append(List.of(row(1), row(2))));

    // then its caller is refused with the database's reason, after two runs more
    assertEquals(Reason.STORAGE_FAILED, failure.reason());
    assertEquals("40P01", sqlState(failure));
    assertEquals(2.0, counter("vigil.writer.flush.retries"));
    assertEquals(1.0, counter("vigil.writer.flush.failures"));
    assertEquals(List.of(), storedIds());
    // and the next flush, not aborted, is stored
    writer.append(List.of(row(3))).toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    assertEquals(List.of(3L), storedIds());
  }

  @Test
  void failsEveryCallerOfAFlushWhoseCommitFailsAndKeepsWorkingAfterwards() throws Exception {
    // given a trigger that fails COMMIT (not the INSERT) of any transaction holding a poison row
    execute(
        "CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN RAISE EXCEPTION 'poison row %', NEW.id; END $$",
        "CREATE CONSTRAINT TRIGGER poison_at_commit AFTER INSERT ON writer_test"
            + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.payload = 'poison')"
            + " EXECUTE FUNCTION refuse_poison()");
    // and a batch of exactly four rows, so the four one-row requests below share one flush
    AppendWriter<Row> writer = start(new WriterSettings(4, NO_TIMER_FLUSH, 100, 1));

    // when
    List<CompletionStage<Done>> sameFlush =
        List.of(
            writer.append(List.of(new Row(1, "good"))),
            writer.append(List.of(new Row(2, "poison"))),
            writer.append(List.of(new Row(3, "good"))),
            writer.append(List.of(new Row(4, "good"))));

    // then
    for (CompletionStage<Done> stage : sameFlush) {
      WriterUnavailableException failure = failure(stage);
      assertEquals(Reason.STORAGE_FAILED, failure.reason());
      assertEquals("P0001", sqlState(failure), "the commit's error is the cause");
    }
    assertEquals(0, countAll(), "nothing of the failed flush is stored");
    assertEquals(1.0, counter("vigil.writer.flush.failures"));

    // and when a good request follows, it is stored
    List<Row> later = List.of(row(5), row(6), row(7), row(8));
    writer.append(later).toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    assertEquals(List.of(5L, 6L, 7L, 8L), storedIds());
  }

  @Test
  void failsTheCallersOfAFlushThatThrowsAnErrorAndKeepsWorkingAfterwards() throws Exception {
    // given a binder that breaks with an Error (not an exception) on one row
    AppendWriter.Table<Row> breaking =
        new AppendWriter.Table<>(
            TABLE,
            "INSERT INTO writer_test (id, payload) VALUES (?, ?)",
            (statement, row) -> {
              if (row.payload().equals("breaks the binder")) {
                throw new AssertionError("binder broke on row " + row.id());
              }
              statement.setLong(1, row.id());
              statement.setString(2, row.payload());
            });
    AppendWriter<Row> writer = start(breaking, new WriterSettings(2, NO_TIMER_FLUSH, 100, 1));

    // when two requests share the flush that breaks
    List<CompletionStage<Done>> sameFlush =
        List.of(
            writer.append(List.of(new Row(1, "breaks the binder"))),
            writer.append(List.of(row(2))));

    // then both callers hear of it, nothing of it is stored
    for (CompletionStage<Done> stage : sameFlush) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS));
      assertInstanceOf(AssertionError.class, e.getCause());
    }
    assertEquals(0, countAll());

    // and the writer takes and stores the next requests
    List<CompletionStage<Done>> next =
        List.of(writer.append(List.of(row(3))), writer.append(List.of(row(4))));
    for (CompletionStage<Done> stage : next) {
      stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    }
    assertEquals(List.of(3L, 4L), storedIds());
  }

  @Test
  void storesWhileEveryThreadOfPekkosBlockingDispatcherIsBusy() throws Exception {
    // given slow work (API queries, say) holding every thread of the shared blocking dispatcher
    try (var busy = BusyBlockingDispatcher.hold(testKit.system())) {
      AppendWriter<Row> writer = start(new WriterSettings(100, Duration.ZERO, 100, 2));

      // when a request is appended, then it is committed all the same
      writer.append(List.of(row(1), row(2))).toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
      assertEquals(List.of(1L, 2L), storedIds());
    }
  }

  @Test
  void failsOnlyTheCallerWhoseRowsViolateAConstraint() throws Exception {
    // given a stored row, and a batch of exactly five rows so the three requests share one flush
    execute("INSERT INTO writer_test (id, payload) VALUES (1, 'first')");
    AppendWriter<Row> writer = start(new WriterSettings(5, NO_TIMER_FLUSH, 100, 1));

    // when the middle request repeats the stored row's key
    CompletionStage<Done> before = writer.append(List.of(row(10), row(11)));
    CompletionStage<Done> duplicate = writer.append(List.of(new Row(1, "again"), row(12)));
    CompletionStage<Done> after = writer.append(List.of(row(13)));

    // then only that request fails, and none of its rows is stored
    before.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    after.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    WriterUnavailableException failure = failure(duplicate);
    assertEquals(Reason.STORAGE_FAILED, failure.reason());
    assertEquals("23505", sqlState(failure));
    assertEquals(List.of(1L, 10L, 11L, 13L), storedIds());
    assertEquals("first", payloadOf(1));
    DistributionSummary flushes = registry.get("vigil.writer.flush.rows").summary();
    assertEquals(3.0, flushes.totalAmount(), "rows stored by the one-by-one retry");
    assertEquals(0.0, gauge("vigil.writer.queue.rows"), "no rows are left counted as waiting");
    assertEquals(0.0, gauge("vigil.writer.queue.requests"));
  }

  @Test
  void refusesAtOnceWhenItsQueueIsFullAndStoresWhatItAccepted() throws Exception {
    // given a writer with room for two waiting requests, whose one flush is blocked by a lock
    int queueCapacity = 2;
    // (A short delay: Pekko's groupedWeightedWithin holds a request that arrived while the
    // previous batch was waiting until the next timer tick, even when it fills a batch alone.)
    AppendWriter<Row> writer =
        start(new WriterSettings(1, Duration.ofMillis(20), queueCapacity, 1));
    List<CompletionStage<Done>> accepted = new ArrayList<>();
    CompletionStage<Done> refused = null;
    try (Connection locker = checkPool.getConnection()) {
      locker.setAutoCommit(false);
      try (Statement st = locker.createStatement()) {
        st.execute("LOCK TABLE writer_test IN ACCESS EXCLUSIVE MODE");
      }
      accepted.add(writer.append(List.of(row(1))));
      testKit
          .createTestProbe()
          .awaitAssert(
              AWAIT,
              () -> {
                assertEquals(1, insertsWaitingForALock());
                return null;
              });

      // when more requests arrive than the writer can hold
      for (long id = 2; refused == null && id <= 100; id++) {
        CompletionStage<Done> stage = writer.append(List.of(row(id)));
        if (stage.toCompletableFuture().isDone()) {
          refused = stage;
        } else {
          accepted.add(stage);
        }
      }

      // then the first one too many is refused on the spot
      assertNotNull(refused, "100 requests were all accepted behind a blocked flush");
      assertTrue(refused.toCompletableFuture().isCompletedExceptionally());
      assertEquals(Reason.QUEUE_FULL, failure(refused).reason());
      assertEquals(1.0, counter("vigil.writer.refused"));
      // Besides the queue, the stream holds only the blocked flush's request, one full batch
      // waiting for it and one request waiting for the next batch.
      assertTrue(
          accepted.size() <= queueCapacity + 3,
          "accepted " + accepted.size() + " requests with a queue of " + queueCapacity);
      assertTrue(accepted.stream().noneMatch(s -> s.toCompletableFuture().isDone()));
      locker.rollback();
    }

    // and once the lock is gone, everything accepted is stored
    for (CompletionStage<Done> stage : accepted) {
      stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);
    }
    assertEquals(
        LongStream.rangeClosed(1, accepted.size()).boxed().toList(),
        storedIds(),
        "the accepted requests, and not the refused one");
  }

  @Test
  void closeFlushesWhatIsQueuedAndRefusesLaterAppends() throws Exception {
    // given requests waiting for a batch that will not fill up
    AppendWriter<Row> writer = start(new WriterSettings(1_000, NO_TIMER_FLUSH, 100, 1));
    List<CompletionStage<Done>> waiting = new ArrayList<>();
    for (long id = 1; id <= 10; id += 2) {
      waiting.add(writer.append(List.of(row(id), row(id + 1))));
    }
    assertTrue(waiting.stream().noneMatch(s -> s.toCompletableFuture().isDone()));

    // when
    writer.close().toCompletableFuture().get(AWAIT.toSeconds(), SECONDS);

    // then close completed only after every waiting request was stored
    for (CompletionStage<Done> stage : waiting) {
      CompletableFuture<Done> f = stage.toCompletableFuture();
      assertTrue(f.isDone() && !f.isCompletedExceptionally(), "a request was not stored by close");
    }
    assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), storedIds());

    // and closing again is harmless
    assertTrue(writer.close().toCompletableFuture().isDone());

    // and a later append fails at once
    CompletionStage<Done> late = writer.append(List.of(row(11)));
    assertTrue(late.toCompletableFuture().isCompletedExceptionally());
    assertEquals(Reason.CLOSED, failure(late).reason());
    assertEquals(10, countAll());
  }

  private AppendWriter<Row> start(WriterSettings settings) {
    return start(ROWS, settings);
  }

  private <T> AppendWriter<T> start(AppendWriter.Table<T> table, WriterSettings settings) {
    AppendWriter<T> writer =
        AppendWriter.start(table, settings, writerPool, testKit.system(), registry);
    writers.add(writer);
    return writer;
  }

  private static List<Row> sortedById(List<?> rows) {
    return rows.stream().map(Row.class::cast).sorted(Comparator.comparingLong(Row::id)).toList();
  }

  private static Row row(long id) {
    return new Row(id, "row " + id);
  }

  /** Like the writer pools of {@code Database.newPool}: batched inserts rewritten to multi-row. */
  private static HikariDataSource pool(ConnectionInfo db, String name) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(db.url());
    config.setUsername(db.user());
    config.setPassword(db.password());
    config.setMaximumPoolSize(4);
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    return new HikariDataSource(config);
  }

  private static WriterUnavailableException failure(CompletionStage<?> stage) {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> stage.toCompletableFuture().get(AWAIT.toSeconds(), SECONDS));
    return assertInstanceOf(WriterUnavailableException.class, e.getCause());
  }

  /** The SQLState of the first SQLException among the causes. */
  private static String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  private double counter(String name) {
    return registry.get(name).tag("table", TABLE).counter().count();
  }

  private double gauge(String name) {
    return registry.get(name).tag("table", TABLE).gauge().value();
  }

  private static void execute(String... statements) throws SQLException {
    try (Connection c = checkPool.getConnection();
        Statement st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    }
  }

  private static long countAll() throws SQLException {
    return queryLong("SELECT count(*) FROM writer_test");
  }

  /** Called from a stage's completion, where a checked exception cannot go. */
  private static long countIds(List<Row> rows) {
    try (Connection c = checkPool.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM writer_test WHERE id = ANY (?)")) {
      ps.setArray(1, c.createArrayOf("bigint", rows.stream().map(Row::id).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot count the stored rows", e);
    }
  }

  /**
   * The first {@code times} inserts into the table are aborted by PostgreSQL with SQLState 40P01,
   * the deadlock victim's (a sequence counts them: it is not rolled back with the transaction).
   */
  private static void abortInsertsAsDeadlockVictims(int times) throws SQLException {
    execute(
        "DROP SEQUENCE IF EXISTS writer_test_aborts",
        "CREATE SEQUENCE writer_test_aborts",
        "CREATE OR REPLACE FUNCTION abort_as_deadlock_victim() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN IF nextval('writer_test_aborts') <= "
            + times
            + " THEN RAISE EXCEPTION 'deadlock detected (test)' USING ERRCODE ="
            + " 'deadlock_detected'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER abort_as_deadlock_victim BEFORE INSERT ON writer_test"
            + " FOR EACH ROW EXECUTE FUNCTION abort_as_deadlock_victim()");
  }

  private static long insertsWaitingForALock() throws SQLException {
    return queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock'"
            + " AND query ILIKE 'INSERT INTO writer_test%'");
  }

  private static List<Long> storedIds() throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Connection c = checkPool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM writer_test ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  private static String payloadOf(long id) throws SQLException {
    try (Connection c = checkPool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT payload FROM writer_test WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next(), "no row " + id);
        return rs.getString(1);
      }
    }
  }

  private static long queryLong(String sql) throws SQLException {
    try (Connection c = checkPool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
