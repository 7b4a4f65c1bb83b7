package dev.vigil.ledger;

import dev.vigil.ledger.LedgerStore.Key;
import dev.vigil.ledger.LedgerStore.Stored;
import dev.vigil.tenancy.Site;
import dev.vigil.writer.AppendWriter;
import dev.vigil.writer.WriterUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores ledger rows: prices each call with the card, writes the rows (and, at privacy tier 3, the
 * payloads) through the append writers, whose inserts return the keys each write stored, to tell
 * first writes from repeats, and only for first writes tells the budgets and publishes to the
 * site's stream (a write's rows together, in their order). A repeat is answered with the stored
 * row, so a retried call counts once.
 */
public final class LedgerIngest {
  private static final Logger log = LoggerFactory.getLogger(LedgerIngest.class);

  /** Unpriced models logged once each, up to this many (a bad client must not flood the log). */
  private static final int MAX_WARNED_MODELS = 1000;

  /** Distinct providers that get their own unpriced-calls meter (see {@code providerTag}). */
  static final int MAX_PROVIDER_TAGS = 32;

  /** One row of the answer: the stored row, and whether it had been stored before. */
  public record Recorded<V>(boolean duplicate, V row) {}

  private final AppendWriter<AiRequestTable.Row> aiWriter;
  private final AppendWriter<ToolExecutionTable.Row> toolWriter;
  private final AppendWriter<PayloadTable.Row> payloadWriter;
  private final LedgerStore store;
  private final Pricer pricer;
  private final BiConsumer<BudgetSubject, BudgetEntity.RecordSpend> budgets;
  private final Consumer<List<LedgerEvent>> publish;
  private final Executor blocking;
  private final Executor compute;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Set<String> warnedModels = ConcurrentHashMap.newKeySet();
  private final Set<String> providerTags = ConcurrentHashMap.newKeySet();

  public LedgerIngest(
      AppendWriter<AiRequestTable.Row> aiWriter,
      AppendWriter<ToolExecutionTable.Row> toolWriter,
      AppendWriter<PayloadTable.Row> payloadWriter,
      LedgerStore store,
      PriceCard card,
      BiConsumer<BudgetSubject, BudgetEntity.RecordSpend> budgets,
      Consumer<List<LedgerEvent>> publish,
      Executor blocking,
      Executor compute,
      Clock clock,
      MeterRegistry registry) {
    this.aiWriter = aiWriter;
    this.toolWriter = toolWriter;
    this.payloadWriter = payloadWriter;
    this.store = store;
    this.pricer = new Pricer(card);
    this.budgets = budgets;
    this.publish = publish;
    this.blocking = blocking;
    this.compute = compute;
    this.clock = clock;
    this.registry = registry;
  }

  public PriceCard card() {
    return pricer.card();
  }

  public CompletionStage<List<Recorded<AiRequestView>>> recordAiRequests(
      Site site, List<AiRequest> calls) {
    String ingestId = UUID.randomUUID().toString();
    Instant now = receivedAt();
    Map<Key, AiRequestTable.Row> rows = new LinkedHashMap<>();
    List<PayloadTable.Row> payloads = new ArrayList<>();
    List<Key> keys = new ArrayList<>(calls.size());
    for (AiRequest r : calls) {
      Key key = new Key(r.requestId(), r.startedAt());
      keys.add(key);
      if (rows.containsKey(key)) {
        continue;
      }
      Cost cost = pricer.price(r.model(), r.usage(), r.startedAt());
      rows.put(key, new AiRequestTable.Row(site.id(), site.privacyTier(), r, cost, now, ingestId));
      PayloadTable.Row payload = PayloadTable.Row.of(site.id(), r);
      if (Privacy.keepsPayloads(site.privacyTier()) && !payload.isEmpty()) {
        payloads.add(payload);
      }
    }
    return record(
        site.id(),
        keys,
        new Written<>(rows, ingestId, aiWriter, payloads),
        store::aiRequests,
        AiRequestView::of,
        this::onNewAiRequests);
  }

  public CompletionStage<List<Recorded<ToolExecutionView>>> recordToolExecutions(
      Site site, List<ToolExecution> runs) {
    String ingestId = UUID.randomUUID().toString();
    Instant now = receivedAt();
    Map<Key, ToolExecutionTable.Row> rows = new LinkedHashMap<>();
    List<PayloadTable.Row> payloads = new ArrayList<>();
    List<Key> keys = new ArrayList<>(runs.size());
    for (ToolExecution t : runs) {
      Key key = new Key(t.executionId(), t.startedAt());
      keys.add(key);
      if (rows.containsKey(key)) {
        continue;
      }
      rows.put(key, new ToolExecutionTable.Row(site.id(), site.privacyTier(), t, now, ingestId));
      PayloadTable.Row payload = PayloadTable.Row.of(site.id(), t);
      if (Privacy.keepsPayloads(site.privacyTier()) && !payload.isEmpty()) {
        payloads.add(payload);
      }
    }
    return record(
        site.id(),
        keys,
        new Written<>(rows, ingestId, toolWriter, payloads),
        store::toolExecutions,
        ToolExecutionView::of,
        this::onNewToolExecutions);
  }

  /** Stored to the microsecond, as PostgreSQL keeps it, so the answer equals a later read. */
  private Instant receivedAt() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  @FunctionalInterface
  private interface StoreRead<T> {
    Map<Key, T> read(String siteId, Collection<Key> keys) throws SQLException;
  }

  /** One write: its rows by key (first of each key), its id, its table's writer and payloads. */
  private record Written<R>(
      Map<Key, R> rows, String ingestId, AppendWriter<R> writer, List<PayloadTable.Row> payloads) {}

  /**
   * Writes the rows and payloads, then answers each key in the caller's order with what is stored
   * under it. The rows this write stored first go to {@code onNew} (budgets, live events) once they
   * are committed, whatever happens to the rest: if the payloads' write or the read of repeats
   * fails, the caller is refused and retries, and the retry finds every row a repeat, so a call's
   * spend would otherwise never reach its budget. On the way to the answer they are announced in
   * the stage after the write, on Pekko's default dispatcher; only a read of repeats goes to the
   * blocking pool, so slow queries holding that pool hold up neither the answer of a write without
   * repeats nor its budgets. On a failure after the rows' commit, the failure's stage announces.
   */
  private <R, V> CompletionStage<List<Recorded<V>>> record(
      String siteId,
      List<Key> keys,
      Written<R> written,
      StoreRead<Stored<V>> full,
      Function<R, V> view,
      Consumer<List<V>> onNew) {
    AtomicReference<CompletableFuture<List<Object>>> rows = new AtomicReference<>();
    AtomicBoolean announced = new AtomicBoolean();
    Consumer<List<Object>> announceOnce =
        inserted -> {
          if (announced.compareAndSet(false, true)) {
            announce(written, inserted, view, onNew);
          }
        };
    return write(
            keys,
            () -> {
              rows.set(
                  written
                      .writer()
                      .appendReturning(List.copyOf(written.rows().values()))
                      .toCompletableFuture());
              return rows.get();
            },
            written.payloads())
        .thenComposeAsync(
            inserted -> {
              announceOnce.accept(inserted);
              if (inserted.size() == written.rows().size()) {
                // no repeats: answered from memory, not queued behind the blocking pool's work
                return CompletableFuture.completedFuture(
                    blockingly(() -> stored(siteId, written, inserted, full, view)));
              }
              return CompletableFuture.supplyAsync(
                  () -> blockingly(() -> stored(siteId, written, inserted, full, view)), blocking);
            },
            compute)
        .whenComplete(
            (stored, failure) -> {
              CompletableFuture<List<Object>> committed = rows.get();
              if (failure != null
                  && committed != null
                  && committed.isDone()
                  && !committed.isCompletedExceptionally()) {
                announceOnce.accept(committed.join()); // the rows are stored: they count
              }
            })
        .thenApply(stored -> answer(keys, stored, written.ingestId()));
  }

  /** Tells {@code onNew} the rows this write stored first (the insert returned), in their order. */
  private static <R, V> void announce(
      Written<R> written, List<Object> inserted, Function<R, V> view, Consumer<List<V>> onNew) {
    Set<Object> mine = new HashSet<>(inserted);
    List<V> created = new ArrayList<>(inserted.size());
    written
        .rows()
        .forEach(
            (key, row) -> {
              if (mine.contains(key)) {
                created.add(view.apply(row));
              }
            });
    if (!created.isEmpty()) {
      onNew.accept(created);
    }
  }

  /**
   * What is stored under the written keys. The insert returned the keys this write stored (not
   * those another write stored first, before or in the same flush): a row this write stored is
   * answered from memory ({@code view} gives exactly what a read would), and only the rows another
   * write stored first (repeats) are read back whole.
   */
  private static <R, V> Map<Key, Stored<V>> stored(
      String siteId,
      Written<R> written,
      List<Object> inserted,
      StoreRead<Stored<V>> full,
      Function<R, V> view)
      throws SQLException {
    Set<Object> mine = new HashSet<>(inserted);
    Map<Key, Stored<V>> stored = new HashMap<>();
    List<Key> repeats = new ArrayList<>();
    written
        .rows()
        .forEach(
            (key, row) -> {
              if (mine.contains(key)) {
                stored.put(key, new Stored<>(view.apply(row), written.ingestId()));
              } else {
                repeats.add(key);
              }
            });
    if (!repeats.isEmpty()) {
      stored.putAll(full.read(siteId, repeats));
    }
    return stored;
  }

  /**
   * Partitions for late rows first (on the blocking pool, only when a row is older than the kept
   * days), then the rows and their payloads together.
   */
  private CompletionStage<List<Object>> write(
      List<Key> keys,
      java.util.function.Supplier<CompletionStage<List<Object>>> rows,
      List<PayloadTable.Row> payloads) {
    List<Instant> starts = keys.stream().map(Key::startedAt).toList();
    CompletableFuture<Void> ready =
        store.needsPartitions(starts)
            ? CompletableFuture.runAsync(
                () ->
                    blockingly(
                        () -> {
                          store.ensurePartitions(starts);
                          return null;
                        }),
                blocking)
            : CompletableFuture.completedFuture(null);
    return ready.thenCompose(
        ignored -> {
          CompletableFuture<List<Object>> stored = rows.get().toCompletableFuture();
          return CompletableFuture.allOf(
                  stored, payloadWriter.append(payloads).toCompletableFuture())
              .thenApply(both -> stored.join());
        });
  }

  /** Each key in the caller's order; a key this write stored is new at its first mention only. */
  private static <V> List<Recorded<V>> answer(
      List<Key> keys, Map<Key, Stored<V>> stored, String ingestId) {
    List<Recorded<V>> answer = new ArrayList<>();
    Set<Key> seen = new HashSet<>();
    for (Key key : keys) {
      Stored<V> s = stored.get(key);
      if (s == null) {
        throw new IllegalStateException("row " + key.id() + " was not found after its commit");
      }
      boolean first = s.ingestId().equals(ingestId) && seen.add(key);
      answer.add(new Recorded<>(!first, s.row()));
    }
    return answer;
  }

  private void onNewAiRequests(List<AiRequestView> created) {
    Map<BudgetSubject, Map<LocalDate, long[]>> spend = new HashMap<>();
    Map<LocalDate, Instant> dayStarts = new HashMap<>();
    List<LedgerEvent> events = new ArrayList<>(created.size());
    for (AiRequestView r : created) {
      events.add(
          new LedgerEvent.AiRequestRecorded(
              r.site(),
              r.requestId(),
              r.traceId(),
              r.agent(),
              r.userId(),
              r.provider(),
              r.model(),
              r.status(),
              r.totalTokens(),
              r.costMicrodollars(),
              r.priced(),
              r.synthetic(),
              r.startedAt()));
      if (!r.priced()) {
        unpriced(r);
      }
      if (r.synthetic() || r.costMicrodollars() == 0) {
        continue;
      }
      LocalDate day = LocalDate.ofInstant(r.startedAt(), ZoneOffset.UTC);
      dayStarts.putIfAbsent(day, r.startedAt());
      for (BudgetSubject subject : subjects(r)) {
        spend.computeIfAbsent(subject, s -> new HashMap<>())
                .computeIfAbsent(day, d -> new long[1])[0] +=
            r.costMicrodollars();
      }
    }
    publish.accept(events);
    // one message per subject and day of start, however many calls the write had
    spend.forEach(
        (subject, days) ->
            days.forEach(
                (day, sum) ->
                    budgets.accept(
                        subject, new BudgetEntity.RecordSpend(sum[0], dayStarts.get(day)))));
  }

  private static List<BudgetSubject> subjects(AiRequestView r) {
    List<BudgetSubject> subjects = new ArrayList<>(3);
    subjects.add(BudgetSubject.site(r.site()));
    if (r.agent() != null) {
      subjects.add(new BudgetSubject(r.site(), "agent", r.agent()));
    }
    if (r.userId() != null) {
      subjects.add(new BudgetSubject(r.site(), "user", r.userId()));
    }
    return subjects;
  }

  private void onNewToolExecutions(List<ToolExecutionView> created) {
    List<LedgerEvent> events = new ArrayList<>(created.size());
    for (ToolExecutionView t : created) {
      events.add(
          new LedgerEvent.ToolExecutionRecorded(
              t.site(),
              t.executionId(),
              t.traceId(),
              t.toolName(),
              t.serverName(),
              t.agent(),
              t.status(),
              t.durationMs(),
              t.synthetic(),
              t.startedAt()));
    }
    publish.accept(events);
  }

  /**
   * The provider as a metric tag: a client's free text, so only the first {@link
   * #MAX_PROVIDER_TAGS} distinct ones get a meter of their own and the rest count as "other"
   * (meters are never removed: a client sending varied names must not grow the registry).
   */
  private String providerTag(String provider) {
    if (providerTags.contains(provider)) {
      return provider;
    }
    synchronized (providerTags) {
      if (providerTags.size() < MAX_PROVIDER_TAGS) {
        providerTags.add(provider);
        return provider;
      }
    }
    return "other";
  }

  private void unpriced(AiRequestView r) {
    Counter.builder("vigil.ledger.unpriced.requests")
        .description("model calls stored without a price (cost 0): the price card lacks the model")
        .tag("provider", providerTag(r.provider()))
        .register(registry)
        .increment();
    String model = ModelIds.normalise(r.model());
    if (warnedModels.size() < MAX_WARNED_MODELS && warnedModels.add(model)) {
      log.warn("Unpriced model calls: {} (add it to the price card)", r.unpricedReason());
    }
  }

  @FunctionalInterface
  private interface Blocking<T> {
    T run() throws SQLException;
  }

  /** A database failure around the write is a 503: the caller retries, and a repeat is safe. */
  private static <T> T blockingly(Blocking<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw new WriterUnavailableException(
          WriterUnavailableException.Reason.STORAGE_FAILED,
          "the ledger could not be read or prepared: " + e.getMessage(),
          e);
    }
  }
}
