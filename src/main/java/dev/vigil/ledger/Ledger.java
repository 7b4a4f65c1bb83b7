package dev.vigil.ledger;

import static org.apache.pekko.http.javadsl.server.Directives.concat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.typesafe.config.Config;
import dev.vigil.StartupException;
import dev.vigil.http.Auth;
import dev.vigil.http.Json;
import dev.vigil.stream.LiveEvents;
import dev.vigil.tenancy.TenantDirectory;
import dev.vigil.writer.AppendWriters;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI ledger on a node: settings and price card (checked at start), its append writers, the
 * budget entities and their projection, and its routes.
 */
public final class Ledger {
  private static final Logger log = LoggerFactory.getLogger(Ledger.class);

  private final Route route;

  private Ledger(Route route) {
    this.route = route;
  }

  /**
   * @param queryPool the node's query pool (reads, partition and price-card housekeeping)
   * @param projectionPool the pool the projections borrow from
   */
  public static Ledger start(
      ActorSystem<?> system,
      Config config,
      DataSource queryPool,
      AppendWriters writers,
      DataSource projectionPool,
      Auth auth,
      TenantDirectory directory,
      MeterRegistry registry,
      Clock clock) {
    LedgerSettings settings;
    PriceCard card;
    try {
      settings = LedgerSettings.fromConfig(config);
      card = PriceCardFiles.load(settings.priceCardFile());
    } catch (RuntimeException e) {
      throw new StartupException("configuration is invalid: " + e.getMessage(), e);
    }
    LedgerStore store = new LedgerStore(queryPool);
    recordCard(store, card);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    LiveEvents live = LiveEvents.get(system);
    Consumer<LedgerEvent> publish = e -> live.publish(e.siteId(), e.liveType(), e.at(), e);
    Consumer<List<LedgerEvent>> publishAll = events -> publishAll(live, events);
    BudgetEntity.init(system, settings, clock, publish);
    BudgetProjection.init(system, projectionPool);
    ClusterSharding sharding = ClusterSharding.get(system);
    LedgerIngest ingest =
        new LedgerIngest(
            writers.create(AiRequestTable.table()),
            writers.create(ToolExecutionTable.table()),
            writers.create(PayloadTable.table()),
            store,
            card,
            (subject, spend) ->
                sharding.entityRefFor(BudgetEntity.ENTITY_KEY, subject.entityId()).tell(spend),
            publishAll,
            blocking,
            system.executionContext(),
            clock,
            registry);
    LedgerParser parser = new LedgerParser(clock, settings.maxAge(), settings.maxBatch());
    Route route =
        concat(
            new LedgerRoutes(system, auth, parser, ingest, settings.maxBodyBytes()).route(),
            new BudgetRoutes(
                    auth,
                    directory,
                    sharding,
                    store,
                    blocking,
                    clock,
                    settings.budgetCheckTimeout())
                .route(),
            new TraceRoutes(
                    auth,
                    new TraceQueries(queryPool),
                    blocking,
                    clock,
                    settings.traceRunningWindow(),
                    settings.traceMaxRows())
                .route(),
            new LedgerAnalyticsRoutes(
                    auth, new CostQueries(queryPool), new UsageQueries(queryPool), blocking, clock)
                .route());
    log.info("AI ledger pricing with card {} ({} prices)", card.version(), card.prices().size());
    return new Ledger(route);
  }

  public Route route() {
    return route;
  }

  /** A write's rows as one message per site (a write's rows are usually all of one site). */
  static void publishAll(LiveEvents live, List<LedgerEvent> events) {
    Map<String, List<LiveEvents.Item>> bySite = new LinkedHashMap<>();
    for (LedgerEvent e : events) {
      bySite
          .computeIfAbsent(e.siteId(), site -> new ArrayList<>())
          .add(new LiveEvents.Item(e.liveType(), e.at(), e));
    }
    bySite.forEach(live::publishAll);
  }

  private static void recordCard(LedgerStore store, PriceCard card) {
    try {
      if (!store.recordPriceCard(card, Json.MAPPER.writeValueAsString(card.describe()))) {
        throw new StartupException(
            "price card version "
                + card.version()
                + " is already recorded with other prices: give the changed card a new version");
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new StartupException("cannot record the price card: " + e.getMessage(), e);
    }
  }
}
