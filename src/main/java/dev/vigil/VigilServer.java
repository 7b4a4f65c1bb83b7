package dev.vigil;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.vigil.analytics.AnalyticsQueries;
import dev.vigil.analytics.AnalyticsRoutes;
import dev.vigil.analytics.BotQueries;
import dev.vigil.anomaly.AnomalyQueries;
import dev.vigil.anomaly.AnomalyRoutes;
import dev.vigil.anomaly.AnomalySettings;
import dev.vigil.anomaly.SubjectEntity;
import dev.vigil.anomaly.SubjectProjection;
import dev.vigil.anomaly.SubjectRollups;
import dev.vigil.anomaly.ThresholdDirectory;
import dev.vigil.anomaly.ThresholdRepository;
import dev.vigil.anomaly.ThresholdSync;
import dev.vigil.cluster.ClusterRoutes;
import dev.vigil.cluster.ClusterSettings;
import dev.vigil.db.ConnectionInfo;
import dev.vigil.db.Database;
import dev.vigil.db.DatabaseSettings;
import dev.vigil.db.JournalTrimming;
import dev.vigil.db.PartitionMaintenance;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.ImmediateRules;
import dev.vigil.engagement.CollectRoutes;
import dev.vigil.engagement.EngagementTable;
import dev.vigil.engagement.TrackerRoutes;
import dev.vigil.engagement.UserAgents;
import dev.vigil.fingerprint.DecideRoutes;
import dev.vigil.fingerprint.Decider;
import dev.vigil.fingerprint.FingerprintEntity;
import dev.vigil.fingerprint.FingerprintProjection;
import dev.vigil.fingerprint.FingerprintRoutes;
import dev.vigil.fingerprint.ObservationTable;
import dev.vigil.fingerprint.SiteTraffic;
import dev.vigil.http.Auth;
import dev.vigil.http.DashboardRoutes;
import dev.vigil.http.HttpMetrics;
import dev.vigil.http.HttpServer;
import dev.vigil.http.HttpSettings;
import dev.vigil.ledger.BudgetEntity;
import dev.vigil.ledger.Ledger;
import dev.vigil.ops.OpsRoutes;
import dev.vigil.ops.Readiness;
import dev.vigil.session.SessionEntity;
import dev.vigil.session.SessionProjection;
import dev.vigil.session.SessionPruning;
import dev.vigil.session.SessionQueries;
import dev.vigil.session.SessionReaper;
import dev.vigil.session.SessionRoutes;
import dev.vigil.session.SessionSettings;
import dev.vigil.stream.LiveEvents;
import dev.vigil.stream.SiteStream;
import dev.vigil.stream.StreamRoutes;
import dev.vigil.stream.StreamSettings;
import dev.vigil.tenancy.TenancyRepository;
import dev.vigil.tenancy.TenancyRoutes;
import dev.vigil.tenancy.TenantDirectory;
import dev.vigil.util.Repeating;
import dev.vigil.writer.AppendWriter;
import dev.vigil.writer.AppendWriters;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContextExecutor;

/**
 * One running Vigil node: database (external or embedded, migrated), actor system as a cluster
 * member with sharding, HTTP. Used by {@code vigil serve} and, in-process, by the tests.
 * CoordinatedShutdown stops it in order: unbind, finish requests, flush writers, leave the cluster,
 * close pools and the embedded database.
 */
public final class VigilServer {
  private static final Logger log = LoggerFactory.getLogger(VigilServer.class);

  private final ActorSystem<Void> system;
  private final Database database;
  private final ServerBinding binding;
  private final String publicUrl;
  private final Optional<TenancyRepository.Bootstrap> bootstrap;

  private VigilServer(
      ActorSystem<Void> system,
      Database database,
      ServerBinding binding,
      String publicUrl,
      Optional<TenancyRepository.Bootstrap> bootstrap) {
    this.system = system;
    this.database = database;
    this.binding = binding;
    this.publicUrl = publicUrl;
    this.bootstrap = bootstrap;
  }

  /** Starts a node from a resolved configuration; blocks until HTTP is bound. */
  public static VigilServer start(Config config) {
    DatabaseSettings dbSettings;
    HttpSettings httpSettings;
    ClusterSettings clusterSettings;
    String bootstrapSiteName;
    Duration authRefresh;
    try {
      dbSettings = DatabaseSettings.fromConfig(config);
      httpSettings = HttpSettings.fromConfig(config);
      clusterSettings = ClusterSettings.fromConfig(config);
      bootstrapSiteName = config.getString("vigil.auth.bootstrap-site-name");
      authRefresh = config.getDuration("vigil.auth.refresh-interval");
    } catch (RuntimeException e) {
      throw new StartupException("configuration is invalid: " + e.getMessage(), e);
    }

    SessionSettings sessionSettings;
    PartitionMaintenance.Settings partitionSettings;
    SessionPruning.Settings pruningSettings;
    JournalTrimming.Settings trimmingSettings;
    DetectionSettings detection;
    AnomalySettings anomalySettings;
    ImmediateRules.Patterns patterns;
    StreamSettings streamSettings;
    try {
      streamSettings = StreamSettings.fromConfig(config);
      sessionSettings = SessionSettings.fromConfig(config);
      partitionSettings = PartitionMaintenance.Settings.fromConfig(config);
      pruningSettings = SessionPruning.Settings.fromConfig(config);
      trimmingSettings = JournalTrimming.Settings.fromConfig(config);
      detection = DetectionSettings.fromConfig(config);
      anomalySettings = AnomalySettings.fromConfig(config);
      patterns = ImmediateRules.Patterns.fromConfig(config);
    } catch (RuntimeException e) {
      throw new StartupException("configuration is invalid: " + e.getMessage(), e);
    }
    detection.fingerprintWarning().ifPresent(log::warn);
    UserAgents.warmUp(); // seconds of work: overlap it with the database start
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bindJvmMetrics(registry);
    Database database = Database.open(dbSettings, registry);
    ActorSystem<Void> system;
    try {
      system =
          ActorSystem.create(
              Behaviors.empty(),
              ClusterSettings.SYSTEM_NAME,
              runtimeConfig(config, clusterSettings, database.connection(), dbSettings));
    } catch (RuntimeException e) {
      database.close();
      throw new StartupException("cannot start the actor system: " + e.getMessage(), e);
    }
    try {
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
              "close-database",
              () -> {
                database.close();
                return CompletableFuture.completedFuture(Done.getInstance());
              });
      Cluster cluster = Cluster.get(system);
      if (clusterSettings.selfJoin()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      Clock clock = Clock.systemUTC();
      PartitionMaintenance partitions =
          new PartitionMaintenance(database.dataSource(), partitionSettings);
      partitions.run();
      ExecutionContextExecutor blockingPool =
          system.dispatchers().lookup(DispatcherSelector.blocking());
      var partitionTimer =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  partitionSettings.interval(),
                  partitionSettings.interval(),
                  Repeating.guarded("Partition maintenance", partitions::run),
                  blockingPool);
      AppendWriters writers = new AppendWriters(system, database, config, registry);
      AppendWriter<EngagementTable.Row> engagementWriter = writers.create(EngagementTable.table());
      AppendWriter<ObservationTable.Row> observationWriter =
          writers.create(ObservationTable.table());
      SubjectRollups rollups = new SubjectRollups();
      ThresholdRepository thresholdRepository = new ThresholdRepository(database.dataSource());
      ThresholdDirectory thresholds = new ThresholdDirectory(thresholdRepository);
      thresholds.refresh();
      Runnable announceThresholds =
          ThresholdSync.start(system, thresholds, anomalySettings.thresholdRefresh());
      FingerprintEntity.init(system, detection, clock, thresholds, anomalySettings);
      SessionEntity.init(system, sessionSettings, detection, rollups, clock);
      SessionQueries sessionQueries = new SessionQueries(database.dataSource());
      LiveEvents live = LiveEvents.get(system);
      SiteStream.init(
          system,
          streamSettings,
          live,
          siteId ->
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return sessionQueries.activeSessions(
                          siteId, clock.instant(), AnalyticsQueries.ACTIVE_WINDOW);
                    } catch (SQLException e) {
                      throw new java.util.concurrent.CompletionException(e);
                    }
                  },
                  blockingPool),
          clock);
      var liveCountTimer = live.start(streamSettings.statsInterval());
      SubjectEntity.init(system, thresholds, anomalySettings, clock);
      var subjectSharding = ClusterSharding.get(system);
      var rollupTimer =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  anomalySettings.siteRollupInterval(),
                  anomalySettings.siteRollupInterval(),
                  Repeating.guarded(
                      "Sending the anomaly counts",
                      () ->
                          rollups.drain(
                              (entityId, counts) ->
                                  subjectSharding
                                      .entityRefFor(SubjectEntity.ENTITY_KEY, entityId)
                                      .tell(new SubjectEntity.AddCounts(counts)))),
                  system.executionContext());
      DataSource projectionPool =
          database.newPool(
              "vigil-projection",
              config.getInt(
                  "pekko.projection.jdbc.blocking-jdbc-dispatcher.thread-pool-executor.fixed-pool-size"));
      SessionProjection.init(system, sessionSettings, projectionPool);
      FingerprintProjection.init(system, projectionPool);
      SubjectProjection.init(system, projectionPool);
      SiteTraffic siteTraffic = new SiteTraffic(detection.defaultSitePages());
      Decider decider =
          new Decider(
              system,
              detection,
              new ImmediateRules(patterns),
              siteTraffic,
              observationWriter,
              rollups);
      SessionReaper.init(system, sessionSettings, database.dataSource(), clock);
      // Pruning and trimming each hold a connection for a pass, up to 40 s, with statements that
      // may run longer than the API's query timeout: a pool of their own, off the API's.
      DataSource journalUpkeep = database.newPool("vigil-journal-upkeep", 2);
      SessionPruning pruning =
          new SessionPruning(journalUpkeep, pruningSettings, sessionSettings.tags(), clock);
      var pruningTimer =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  pruningSettings.interval(),
                  pruningSettings.interval(),
                  Repeating.guarded("Session journal pruning", pruning::run),
                  blockingPool);
      JournalTrimming trimming =
          new JournalTrimming(
              journalUpkeep,
              trimmingSettings,
              List.of(
                  SessionEntity.journal(sessionSettings),
                  FingerprintEntity.JOURNAL,
                  SubjectEntity.JOURNAL,
                  BudgetEntity.JOURNAL),
              clock);
      var trimmingTimer =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  trimmingSettings.interval(),
                  trimmingSettings.interval(),
                  Repeating.guarded("Journal trimming", trimming::run),
                  blockingPool);

      TenancyRepository tenancy = new TenancyRepository(database.dataSource());
      Optional<TenancyRepository.Bootstrap> bootstrap =
          bootstrapTenancy(tenancy, bootstrapSiteName);
      TenantDirectory directory = new TenantDirectory(tenancy);
      directory.refresh();
      Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
      var authTimer =
          system
              .scheduler()
              .scheduleWithFixedDelay(
                  authRefresh,
                  authRefresh,
                  Repeating.guarded("Reloading sites and tokens", directory::refresh),
                  system.executionContext());
      // Timers that use the database stop before its pools close.
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseServiceStop(),
              "stop-database-timers",
              () -> {
                authTimer.cancel();
                partitionTimer.cancel();
                pruningTimer.cancel();
                trimmingTimer.cancel();
                rollupTimer.cancel();
                liveCountTimer.cancel();
                return CompletableFuture.completedFuture(Done.getInstance());
              });

      Readiness readiness = new Readiness(system, database);
      readiness.markMigrated();
      Auth auth = new Auth(directory);
      Ledger ledger =
          Ledger.start(
              system,
              config,
              database.dataSource(),
              writers,
              projectionPool,
              auth,
              directory,
              registry,
              clock);
      ServerBinding binding =
          HttpServer.start(
                  system,
                  httpSettings,
                  new HttpMetrics(registry),
                  // Tried in this order until one takes the request: the GET-only ops routes
                  // first (a POST passes them at once), then the two hot paths, beacons and
                  // decisions, ahead of everything a person clicks.
                  List.of(
                      new OpsRoutes(readiness, registry).route(),
                      new CollectRoutes(
                              system,
                              directory,
                              engagementWriter,
                              siteTraffic,
                              httpSettings.maxBodyBytes(),
                              clock)
                          .route(),
                      new DecideRoutes(auth, decider, observationWriter, clock).route(),
                      new TrackerRoutes().route(),
                      new DashboardRoutes().route(),
                      new FingerprintRoutes(system, auth, detection, clock).route(),
                      new AnomalyRoutes(
                              auth,
                              new AnomalyQueries(database.dataSource()),
                              thresholdRepository,
                              announceThresholds,
                              blocking)
                          .route(),
                      new TenancyRoutes(auth, directory, tenancy, blocking).route(),
                      new SessionRoutes(auth, sessionQueries, blocking).route(),
                      new StreamRoutes(system, auth, directory, streamSettings, registry).route(),
                      new ClusterRoutes(
                              system,
                              auth,
                              List.of(
                                  SessionEntity.ENTITY_KEY,
                                  FingerprintEntity.ENTITY_KEY,
                                  SubjectEntity.ENTITY_KEY,
                                  BudgetEntity.ENTITY_KEY,
                                  SiteStream.ENTITY_KEY))
                          .route(),
                      new AnalyticsRoutes(
                              auth,
                              new AnalyticsQueries(database.dataSource()),
                              new BotQueries(database.dataSource()),
                              blocking,
                              clock)
                          .route(),
                      ledger.route()))
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      String url = httpSettings.publicUrl(binding.localAddress().getPort());
      log.info("Vigil listening on {}", url);
      return new VigilServer(system, database, binding, url, bootstrap);
    } catch (Exception e) {
      system.terminate();
      awaitQuietly(system.getWhenTerminated(), Duration.ofSeconds(10));
      database.close();
      if (e instanceof StartupException se) {
        throw se;
      }
      throw new StartupException("cannot start: " + rootMessage(e), e);
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public Database database() {
    return database;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public String publicUrl() {
    return publicUrl;
  }

  /** What the first start on an empty database created (empty on later starts). */
  public Optional<TenancyRepository.Bootstrap> bootstrap() {
    return bootstrap;
  }

  /** Runs CoordinatedShutdown and waits for it. */
  public CompletionStage<Done> shutdown(CoordinatedShutdown.Reason reason) {
    return CoordinatedShutdown.get(system).runAll(reason);
  }

  /** The pekko.* keys derived from Vigil's own settings, over the loaded configuration. */
  static Config runtimeConfig(
      Config config, ClusterSettings cluster, ConnectionInfo db, DatabaseSettings limits) {
    Map<String, Object> keys = new HashMap<>();
    for (String pool : List.of("slick", "slick-query")) {
      String prefix = "pekko-persistence-jdbc.shared-databases." + pool + ".db.";
      keys.put(prefix + "url", db.url());
      keys.put(prefix + "user", db.user());
      keys.put(prefix + "password", db.password());
      // Slick hands these to the driver: the journal's and projections' pools, like the writers',
      // give up a read that hears nothing for the socket timeout, and PostgreSQL cancels a
      // statement at the background limit before that (Database.pool).
      keys.put(prefix + "properties.socketTimeout", String.valueOf(limits.socketTimeoutSeconds()));
      long statementMillis = limits.backgroundStatementTimeout().toMillis();
      if (statementMillis > 0) {
        keys.put(prefix + "properties.options", "-c statement_timeout=" + statementMillis);
      }
    }
    Config database = ConfigFactory.parseMap(keys);
    return database.withFallback(cluster.toPekkoConfig()).withFallback(config).resolve();
  }

  private static Optional<TenancyRepository.Bootstrap> bootstrapTenancy(
      TenancyRepository tenancy, String siteName) {
    try {
      return tenancy.bootstrapIfEmpty(siteName);
    } catch (SQLException e) {
      throw new StartupException(
          "cannot create the first site and admin token: " + e.getMessage(), e);
    }
  }

  private static void bindJvmMetrics(PrometheusMeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  private static void awaitQuietly(CompletionStage<?> stage, Duration timeout) {
    try {
      stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception ignored) {
      // best effort while already failing
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
