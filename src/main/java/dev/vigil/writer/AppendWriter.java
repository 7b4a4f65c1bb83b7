package dev.vigil.writer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batched append writer of one fact table. Callers {@link #append} a request's rows and get a
 * stage that completes only after those rows are committed. Requests wait in a bounded queue and
 * are flushed together (see {@link #batches}) as one batched insert (rewritten by the driver into
 * multi-row INSERTs) in one transaction, on the writer's own connection pool. A table with a {@link
 * Returning} insert is flushed as multi-row statements built here, and each request learns what its
 * flush stored.
 *
 * <p>A full queue refuses at once rather than growing memory. When a flush fails, every request in
 * it fails, except that a constraint or data error (one bad request) is isolated by retrying the
 * flush's requests one by one, so a caller never fails for a neighbour's rows, and a flush that
 * PostgreSQL aborted as a deadlock victim or a serialization failure (two flushes waiting on each
 * other's uncommitted keys) is run again: its transaction was rolled back whole.
 */
public final class AppendWriter<T> {
  private static final Logger log = LoggerFactory.getLogger(AppendWriter.class);

  /** Binds one row to the parameters of the table's insert statement. */
  @FunctionalInterface
  public interface RowBinder<T> {
    void bind(PreparedStatement statement, T row) throws SQLException;
  }

  /** Binds one row to the parameters from {@code first} on, and returns the next free index. */
  @FunctionalInterface
  public interface IndexedBinder<T> {
    int bind(PreparedStatement statement, int first, T row) throws SQLException;
  }

  /** One row an insert returned, and the write (request) whose row it was. */
  public record Returned(Object write, Object row) {}

  /** Reads one row an insert returned. */
  @FunctionalInterface
  public interface ReturnedReader {
    Returned read(ResultSet returned) throws SQLException;
  }

  /**
   * An insert that says which rows it stored: {@code head}, then a {@code (?, …)} of {@code width}
   * parameters per row, then {@code tail} (ending in a RETURNING clause), built by the writer as
   * one multi-row statement per chunk of a flush: the driver does not rewrite a batch whose
   * statement returns rows. {@code writeOf} names the write a row belongs to (every row of one
   * {@link #appendReturning} call belongs to the same write), and the reader says it for each
   * returned row, so that each request gets only its own.
   */
  public record Returning<T>(
      String head,
      int width,
      String tail,
      IndexedBinder<T> binder,
      Function<T, Object> writeOf,
      ReturnedReader reader,
      Columns<T> columns) {

    public Returning {
      if (width < 1 || width > Short.MAX_VALUE) {
        throw new IllegalArgumentException("a row has 1 to 32767 parameters, not " + width);
      }
    }

    public Returning(
        String head,
        int width,
        String tail,
        IndexedBinder<T> binder,
        Function<T, Object> writeOf,
        ReturnedReader reader) {
      this(head, width, tail, binder, writeOf, reader, null);
    }

    /**
     * The insert of a table's {@link Columns}: each chunk's statement names only the columns its
     * rows fill.
     */
    public static <T> Returning<T> of(
        Columns<T> columns, String tail, Function<T, Object> writeOf, ReturnedReader reader) {
      return new Returning<>(
          columns.head(columns.all()),
          columns.list().size(),
          tail,
          columns::bindAll,
          writeOf,
          reader,
          columns);
    }

    /** The statement for {@code rows} rows. */
    String sql(int rows) {
      return sql(head, width, rows) + tail;
    }

    /** {@code head}, then {@code rows} tuples of {@code width} parameters. */
    static String sql(String head, int width, int rows) {
      String tuple = "(" + String.join(", ", Collections.nCopies(width, "?")) + ")";
      return head + String.join(", ", Collections.nCopies(rows, tuple));
    }
  }

  /** A column of a {@link Columns} insert: its name, its JDBC type, whether it may be left out. */
  public record Column(String name, int sqlType, boolean omittable) {
    public Column {
      if (!BINDABLE.contains(sqlType)) {
        throw new IllegalArgumentException(name + ": no binding for JDBC type " + sqlType);
      }
    }

    /** A column every statement names. */
    public static Column of(String name, int sqlType) {
      return new Column(name, sqlType, false);
    }

    /**
     * A column a statement leaves out when all of its rows hold null there: only for a nullable
     * column without a default, where a row that does not name it stores the same null.
     */
    public static Column omittable(String name, int sqlType) {
      return new Column(name, sqlType, true);
    }

    private static final Set<Integer> BINDABLE =
        Set.of(Types.VARCHAR, Types.INTEGER, Types.BIGINT, Types.BOOLEAN, Types.TIMESTAMP);
  }

  /**
   * A row's parameters, one per column in order: String, Integer, Long, Boolean, Instant or null;
   * returns how many it gave (every column's, or the flush fails: a column added to the list but
   * not here would otherwise store null without a word).
   */
  @FunctionalInterface
  public interface RowValues<T> {
    int values(T row, Object[] out);
  }

  /**
   * The columns of a table written by a {@link Returning} insert, and a row's values for them. A
   * statement names only the omittable columns that one of its rows fills: a typical ledger call
   * fills 27 of {@code ai_requests}' 43 columns, and the other 16, sent as nulls, were parameters
   * for the driver to encode and PostgreSQL to take in for every row ({@code
   * loadtest/flush-shapes.sh ledger}; BENCHMARKS.md). The writer keeps the statement texts of the
   * {@link #MAX_SHAPES} shapes (rows and columns named) used most recently.
   */
  public record Columns<T>(String table, List<Column> list, RowValues<T> values) {
    static final int MAX_SHAPES = 256;

    public Columns {
      list = List.copyOf(list);
      if (list.isEmpty() || list.size() > Long.SIZE) {
        throw new IllegalArgumentException("1 to 64 columns, not " + list.size());
      }
    }

    /** Every column. */
    long all() {
      return list.size() == Long.SIZE ? -1L : (1L << list.size()) - 1;
    }

    /** The columns a statement must name: those that are not omittable. */
    long required() {
      long mask = 0;
      for (int j = 0; j < list.size(); j++) {
        if (!list.get(j).omittable()) {
          mask |= 1L << j;
        }
      }
      return mask;
    }

    /** The columns a statement of these rows names: the required, and those a row fills. */
    long named(Object[][] rows) {
      long mask = required();
      for (Object[] row : rows) {
        for (int j = 0; j < row.length; j++) {
          if (row[j] != null) {
            mask |= 1L << j;
          }
        }
      }
      return mask;
    }

    /** {@code INSERT INTO table (the columns of mask) VALUES }. */
    String head(long mask) {
      StringBuilder b = new StringBuilder("INSERT INTO ").append(table).append(" (");
      String sep = "";
      for (int j = 0; j < list.size(); j++) {
        if ((mask & (1L << j)) != 0) {
          b.append(sep).append(list.get(j).name());
          sep = ", ";
        }
      }
      return b.append(") VALUES ").toString();
    }

    /** The one-row insert of every column, without a conflict or returning clause. */
    public String insertAll() {
      return Returning.sql(head(all()), list.size(), 1);
    }

    /** The row's values. */
    Object[] valuesOf(T row) {
      Object[] out = new Object[list.size()];
      int given = values.values(row, out);
      if (given != out.length) {
        throw new IllegalStateException(
            table + " gave " + given + " values of a row, not " + out.length);
      }
      return out;
    }

    /** Binds the row's value of every column from parameter {@code first} on. */
    public int bindAll(PreparedStatement ps, int first, T row) throws SQLException {
      return bind(ps, first, valuesOf(row), all());
    }

    /** Binds the values of the columns of {@code mask}; returns the next free index. */
    int bind(PreparedStatement ps, int first, Object[] row, long mask) throws SQLException {
      int i = first;
      for (int j = 0; j < list.size(); j++) {
        if ((mask & (1L << j)) != 0) {
          set(ps, i++, list.get(j), row[j]);
        }
      }
      return i;
    }

    private static void set(PreparedStatement ps, int i, Column column, Object value)
        throws SQLException {
      if (value == null) {
        ps.setNull(i, column.sqlType());
        return;
      }
      switch (column.sqlType()) {
        case Types.VARCHAR -> ps.setString(i, (String) value);
        case Types.INTEGER -> ps.setInt(i, (Integer) value);
        case Types.BIGINT -> ps.setLong(i, (Long) value);
        case Types.BOOLEAN -> ps.setBoolean(i, (Boolean) value);
        case Types.TIMESTAMP -> ps.setTimestamp(i, Timestamp.from((Instant) value));
        default -> throw new IllegalStateException("unreachable: checked by Column");
      }
    }
  }

  /**
   * The table: a name (for metrics and logs), a one-row insert, how to bind a row to it, for a
   * table written with {@link #appendReturning} the insert that returns what it stored, and the
   * order of the table's key, in which a flush inserts its rows ({@link #keyOrder}).
   */
  public record Table<T>(
      String name,
      String insertSql,
      RowBinder<T> binder,
      Returning<T> returning,
      Comparator<? super T> keyOrder) {
    public Table(String name, String insertSql, RowBinder<T> binder) {
      this(name, insertSql, binder, null, null);
    }

    /** A table whose flushes return what they stored (see {@link AppendWriter#appendReturning}). */
    public static <T> Table<T> returning(String name, Returning<T> returning) {
      return new Table<>(
          name,
          returning.sql(1),
          (ps, row) -> returning.binder().bind(ps, 1, row),
          returning,
          null);
    }

    /**
     * The same table, its flushes inserting their rows in this order of its unique key. Two flushes
     * that hold some of the same keys (a client's retries, sent again while the first send is still
     * being written) then wait for each other's uncommitted rows in the same order, so neither can
     * hold a key the other waits for: PostgreSQL has no deadlock to abort.
     */
    public Table<T> withKeyOrder(Comparator<? super T> order) {
      return new Table<>(name, insertSql, binder, returning, order);
    }
  }

  private record Pending<T>(List<T> rows, CompletableFuture<List<Object>> done) {}

  /** Rows per statement of a returning insert at most (a power of two, so few distinct texts). */
  private static final int MAX_RETURNING_CHUNK = 256;

  /** Runs of one flush that PostgreSQL may abort as transient (class 40) before it fails. */
  private static final int MAX_TRANSIENT_ATTEMPTS = 3;

  private final Table<T> table;
  private final Map<Integer, String> returningSql = new ConcurrentHashMap<>();
  private final Cache<Shape, String> columnsSql =
      Caffeine.newBuilder().maximumSize(Columns.MAX_SHAPES).build();
  private final int returningChunk;
  private final DataSource pool;
  private final BoundedSourceQueue<Pending<T>> queue;
  private final CompletionStage<Done> drained;
  private final AtomicLong queuedRows = new AtomicLong();
  private final Counter refused;
  private final Counter failedFlushes;
  private final Counter retriedFlushes;
  private final DistributionSummary flushRows;
  private final Timer flushLatency;
  private volatile boolean closed;

  private AppendWriter(
      Table<T> table,
      WriterSettings settings,
      DataSource pool,
      ActorSystem<?> system,
      MeterRegistry registry) {
    this.table = table;
    this.pool = pool;
    this.returningChunk =
        table.returning() == null
            ? 0
            : Integer.highestOneBit(
                Math.min(MAX_RETURNING_CHUNK, Short.MAX_VALUE / table.returning().width()));
    // width ≤ Short.MAX_VALUE (checked by Returning), so every chunk holds at least one row
    String t = table.name();
    this.refused = Counter.builder("vigil.writer.refused").tag("table", t).register(registry);
    this.failedFlushes =
        Counter.builder("vigil.writer.flush.failures").tag("table", t).register(registry);
    this.retriedFlushes =
        Counter.builder("vigil.writer.flush.retries")
            .description("flushes run again after PostgreSQL aborted them as a deadlock victim")
            .tag("table", t)
            .register(registry);
    this.flushRows =
        DistributionSummary.builder("vigil.writer.flush.rows").tag("table", t).register(registry);
    this.flushLatency =
        Timer.builder("vigil.writer.flush.latency")
            .tag("table", t)
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    // Threads of its own, one per flush lane: on Pekko's shared blocking dispatcher, slow API
    // queries (up to the query timeout each, several a request) could hold every thread while the
    // writers' flushes waited behind them, their queues filled and beacons were refused.
    ExecutorService flushThreads =
        Executors.newFixedThreadPool(settings.parallelism(), flushThreadFactory(t));
    Pair<BoundedSourceQueue<Pending<T>>, CompletionStage<Done>> materialized =
        batches(Source.<Pending<T>>queue(settings.queueCapacity()), settings)
            .mapAsyncUnordered(
                settings.parallelism(),
                batch -> CompletableFuture.runAsync(() -> flush(batch), flushThreads))
            .toMat(Sink.ignore(), Keep.both())
            .run(system);
    this.queue = materialized.first();
    this.drained = materialized.second();
    drained.whenComplete(
        (done, failure) -> {
          flushThreads.shutdown(); // the stream waited for its last flush
          if (failure != null) {
            closed = true;
            log.error("The {} writer stopped; it refuses appends from now on", t, failure);
          }
        });
    Gauge.builder("vigil.writer.queue.requests", queue, BoundedSourceQueue::size)
        .tag("table", t)
        .register(registry);
    Gauge.builder("vigil.writer.queue.rows", queuedRows, AtomicLong::get)
        .tag("table", t)
        .register(registry);
  }

  private static ThreadFactory flushThreadFactory(String table) {
    AtomicInteger next = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "vigil-writer-" + table + "-" + next.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Without a delay, requests wait only while every flush lane is busy and then go together, up to
   * {@code maxBatchRows}: an idle writer flushes a request at once, a busy one in larger batches
   * (group commit). With a delay, a batch also waits for that long or for {@code maxBatchRows}.
   */
  private static <T, M> Source<List<Pending<T>>, M> batches(
      Source<Pending<T>, M> requests, WriterSettings settings) {
    if (settings.maxBatchDelay().isZero()) {
      return requests.batchWeighted(
          settings.maxBatchRows(),
          pending -> (long) pending.rows().size(),
          first -> {
            List<Pending<T>> batch = new ArrayList<>();
            batch.add(first);
            return batch;
          },
          (batch, next) -> {
            batch.add(next);
            return batch;
          });
    }
    return requests.groupedWeightedWithin(
        settings.maxBatchRows(), pending -> (long) pending.rows().size(), settings.maxBatchDelay());
  }

  public static <T> AppendWriter<T> start(
      Table<T> table,
      WriterSettings settings,
      DataSource pool,
      ActorSystem<?> system,
      MeterRegistry registry) {
    return new AppendWriter<>(table, settings, pool, system, registry);
  }

  public String tableName() {
    return table.name();
  }

  /**
   * Queues a request's rows. The stage completes after they are committed, or fails with {@link
   * WriterUnavailableException} (at once when the queue is full or the writer closed).
   */
  public CompletionStage<Done> append(List<T> rows) {
    return enqueue(rows).thenApply(returned -> Done.getInstance());
  }

  /**
   * Queues a request's rows into a table with a {@link Returning} insert. The stage completes after
   * they are committed with the rows of this request that the insert returned, that is, stored (a
   * row another write had stored, before or in the same flush, is not among them), or fails as
   * {@link #append} does.
   */
  public CompletionStage<List<Object>> appendReturning(List<T> rows) {
    if (table.returning() == null) {
      throw new IllegalStateException(table.name() + " has no returning insert");
    }
    return enqueue(rows);
  }

  private CompletionStage<List<Object>> enqueue(List<T> rows) {
    if (rows.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletableFuture<List<Object>> done = new CompletableFuture<>();
    if (closed) {
      return failed(WriterUnavailableException.Reason.CLOSED, "writer is shut down");
    }
    queuedRows.addAndGet(rows.size());
    QueueOfferResult result = queue.offer(new Pending<>(List.copyOf(rows), done));
    if (result == QueueOfferResult.enqueued()) {
      return done;
    }
    queuedRows.addAndGet(-rows.size());
    if (result == QueueOfferResult.dropped()) {
      refused.increment();
      return failed(
          WriterUnavailableException.Reason.QUEUE_FULL,
          "the " + table.name() + " writer is at capacity; retry shortly");
    }
    return failed(WriterUnavailableException.Reason.CLOSED, "writer is shut down");
  }

  /**
   * Stops taking rows, flushes what is queued, and completes when the last flush is done. Closing
   * again returns the same stage (the queue refuses a second completion).
   */
  public synchronized CompletionStage<Done> close() {
    if (!closed) {
      closed = true;
      queue.complete();
    }
    return drained;
  }

  private void flush(List<Pending<T>> batch) {
    queuedRows.addAndGet(-batch.stream().mapToLong(p -> p.rows().size()).sum());
    store(batch);
  }

  /** Stores a batch, or each of its requests on its own; the rows left the queue before. */
  private void store(List<Pending<T>> batch) {
    long rows = batch.stream().mapToLong(p -> p.rows().size()).sum();
    long start = System.nanoTime();
    try {
      if (table.returning() == null) {
        retryingTransient(() -> insert(batch));
        flushRows.record(rows);
        batch.forEach(p -> p.done().complete(List.of()));
      } else {
        Map<Object, List<Object>> byWrite = retryingTransient(() -> insertReturning(batch));
        flushRows.record(rows);
        Function<T, Object> writeOf = table.returning().writeOf();
        batch.forEach(
            p ->
                p.done().complete(byWrite.getOrDefault(writeOf.apply(p.rows().get(0)), List.of())));
      }
    } catch (SQLException e) {
      failedFlushes.increment();
      if (isDataError(e) && batch.size() > 1) {
        log.warn(
            "Flush to {} refused a row; retrying its {} requests one by one",
            table.name(),
            batch.size());
        batch.forEach(p -> store(List.of(p)));
        return;
      }
      log.error("Flush of {} rows to {} failed", rows, table.name(), e);
      var failure =
          new WriterUnavailableException(
              WriterUnavailableException.Reason.STORAGE_FAILED,
              "storing to " + table.name() + " failed: " + e.getMessage(),
              e);
      batch.forEach(p -> p.done().completeExceptionally(failure));
    } catch (RuntimeException | Error e) {
      // A bug in a binder or reader, or an Error: its callers hear of it, and the writer's stream
      // lives on. Rethrown, it would fail the stream, leave every queued request waiting for good
      // and refuse every later one.
      log.error("Flush of {} rows to {} failed", rows, table.name(), e);
      batch.forEach(p -> p.done().completeExceptionally(e));
    } finally {
      flushLatency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** A flush's transaction, run whole. */
  @FunctionalInterface
  private interface Transaction<R> {
    R run() throws SQLException;
  }

  /**
   * Runs {@code transaction}, and again (up to {@link #MAX_TRANSIENT_ATTEMPTS} runs in all) while
   * PostgreSQL aborts it as transient: a deadlock victim (two flushes of the same keys in opposite
   * orders, each waiting for the other's uncommitted insert) or a serialization failure. The
   * aborted run was rolled back, so running it again stores each row once.
   */
  private <R> R retryingTransient(Transaction<R> transaction) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        return transaction.run();
      } catch (SQLException e) {
        if (attempt >= MAX_TRANSIENT_ATTEMPTS || !isTransient(e)) {
          throw e;
        }
        retriedFlushes.increment();
        log.warn(
            "Flush to {} aborted by PostgreSQL ({}); running it again",
            table.name(),
            e.getMessage());
      }
    }
  }

  /** The rows of a flush, in the table's key order when it has one. */
  private List<T> rowsOf(List<Pending<T>> batch) {
    List<T> rows = new ArrayList<>();
    batch.forEach(p -> rows.addAll(p.rows()));
    if (table.keyOrder() != null) {
      rows.sort(table.keyOrder());
    }
    return rows;
  }

  private Void insert(List<Pending<T>> batch) throws SQLException {
    List<T> rows = rowsOf(batch);
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(table.insertSql())) {
        for (T row : rows) {
          table.binder().bind(ps, row);
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
        return null;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    }
  }

  /**
   * The flush as multi-row inserts of at most {@link #returningChunk} rows, in one transaction; the
   * rows they returned, by write.
   */
  private Map<Object, List<Object>> insertReturning(List<Pending<T>> batch) throws SQLException {
    Returning<T> returning = table.returning();
    List<T> rows = rowsOf(batch);
    Map<Object, List<Object>> byWrite = new HashMap<>();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        for (int from = 0; from < rows.size(); ) {
          int n = Integer.highestOneBit(Math.min(returningChunk, rows.size() - from));
          if (returning.columns() != null) {
            insertColumns(c, returning, rows.subList(from, from + n), byWrite);
            from += n;
            continue;
          }
          String sql = returningSql.computeIfAbsent(n, returning::sql);
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            int next = 1;
            for (T row : rows.subList(from, from + n)) {
              int first = next;
              next = returning.binder().bind(ps, first, row);
              if (next != first + returning.width()) {
                throw new IllegalStateException(
                    table.name()
                        + " bound "
                        + (next - first)
                        + " parameters of a row, not "
                        + returning.width());
              }
            }
            readReturned(ps, returning, byWrite);
          }
          from += n;
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    }
    return byWrite;
  }

  /** A statement's shape: its rows and the columns it names. */
  private record Shape(int rows, long columns) {}

  /**
   * One chunk of a {@link Columns} insert: a statement naming the required columns and each
   * omittable one that a row of the chunk fills.
   */
  private void insertColumns(
      Connection c, Returning<T> returning, List<T> chunk, Map<Object, List<Object>> byWrite)
      throws SQLException {
    Columns<T> columns = returning.columns();
    Object[][] values = new Object[chunk.size()][];
    for (int r = 0; r < values.length; r++) {
      values[r] = columns.valuesOf(chunk.get(r));
    }
    long mask = columns.named(values);
    String sql =
        columnsSql.get(
            new Shape(chunk.size(), mask),
            shape ->
                Returning.sql(columns.head(mask), Long.bitCount(mask), shape.rows())
                    + returning.tail());
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int next = 1;
      for (Object[] row : values) {
        next = columns.bind(ps, next, row, mask);
      }
      readReturned(ps, returning, byWrite);
    }
  }

  /** Runs a returning insert and files each row it returned under its write. */
  private static void readReturned(
      PreparedStatement ps, Returning<?> returning, Map<Object, List<Object>> byWrite)
      throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Returned r = returning.reader().read(rs);
        byWrite.computeIfAbsent(r.write(), w -> new ArrayList<>()).add(r.row());
      }
    }
  }

  /** Deadlock detected (40P01) and serialization failure (40001): worth running again. */
  private static boolean isTransient(SQLException e) {
    return anyState(e, state -> state.equals("40P01") || state.equals("40001"));
  }

  /** Class 22 (data exception) and 23 (integrity constraint): the rows, not the database. */
  private static boolean isDataError(SQLException e) {
    return anyState(e, state -> state.startsWith("22") || state.startsWith("23"));
  }

  /** Whether the SQLState of {@code e} or of an exception chained to it matches. */
  private static boolean anyState(SQLException e, Predicate<String> matches) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      if (s.getSQLState() != null && matches.test(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; Hikari discards it and the flush failure is what matters
    }
  }

  private static <R> CompletionStage<R> failed(WriterUnavailableException.Reason reason, String m) {
    return CompletableFuture.failedFuture(new WriterUnavailableException(reason, m, null));
  }
}
