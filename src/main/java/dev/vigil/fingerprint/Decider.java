package dev.vigil.fingerprint;

import dev.vigil.anomaly.SubjectRollups;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.Fingerprinter;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.ImmediateRules;
import dev.vigil.detection.ThrottleLevel;
import dev.vigil.engagement.ClientInfo;
import dev.vigil.engagement.UserAgents;
import dev.vigil.session.SessionEntity;
import dev.vigil.stream.LiveEvents;
import dev.vigil.tenancy.Site;
import dev.vigil.util.Stages;
import dev.vigil.writer.AppendWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The decision path shared by the JSON and nginx forms, and by observations: fingerprint the
 * request, classify what one request shows, and ask the session entity, which forwards to the
 * fingerprint entity that answers. Nothing here reads the database. Decisions are recorded as
 * observations without waiting for the write; when the entities do not answer in time the edge
 * fails open (or closed) as configured, and says so in the reason.
 */
public final class Decider {
  private final ClusterSharding sharding;
  private final DetectionSettings settings;
  private final Fingerprinter fingerprinter;
  private final ImmediateRules rules;
  private final SiteTraffic traffic;
  private final AppendWriter<ObservationTable.Row> observations;
  private final SubjectRollups rollups;
  private final LiveEvents live;

  public Decider(
      ActorSystem<?> system,
      DetectionSettings settings,
      ImmediateRules rules,
      SiteTraffic traffic,
      AppendWriter<ObservationTable.Row> observations,
      SubjectRollups rollups) {
    this.sharding = ClusterSharding.get(system);
    this.live = LiveEvents.get(system);
    this.settings = settings;
    this.fingerprinter = Fingerprinter.of(settings);
    this.rules = rules;
    this.traffic = traffic;
    this.observations = observations;
    this.rollups = rollups;
  }

  /** Decides a request before it is served; never fails (timeouts become fail-open/closed). */
  public CompletionStage<Decision> decide(Site site, DecisionRequest request) {
    long trace = DecisionStage.nextTrace();
    DecisionStage stage = DecisionStage.start(trace, "decide");
    DecisionStage preparing = DecisionStage.start(trace, "prepare");
    Prepared p = prepare(site, request);
    DecisionStage.end(preparing);
    // Stages.direct: the ask's stage is Scala's CompletableFuture, whose every step would go to
    // the JDK's default async executor — a new thread per decision with 2 cores or fewer.
    CompletableFuture<Decision> answer =
        Stages.direct(
            sharding
                .entityRefFor(SessionEntity.ENTITY_KEY, request.sessionId())
                .<Decision>ask(replyTo -> p.command(trace, replyTo), settings.decideTimeout()));
    return answer.handle(
        (answered, e) -> {
          DecisionStage.end(stage);
          Decision d = e == null ? answered : failed(p.fingerprintId(), e);
          // recorded for reports; the answer does not wait for this write
          observations.append(List.of(row(site, request, p.fingerprintId(), "decision", d)));
          boolean bot = SessionClass.isBot(d.classes().get(0));
          rollups.siteRequest(site.id(), request.facts().at(), bot);
          live.countDecision(site.id(), bot);
          return d;
        });
  }

  /** Feeds an observation (already stored) to the entities; no answer. */
  public void observe(Site site, DecisionRequest request) {
    Prepared p = prepare(site, request);
    sharding.entityRefFor(SessionEntity.ENTITY_KEY, request.sessionId()).tell(p.command(0, null));
  }

  public String fingerprint(Site site, DecisionRequest request) {
    return fingerprinter.fingerprint(site.id(), request.facts());
  }

  public ObservationTable.Row row(
      Site site, DecisionRequest r, String fingerprintId, String source, Decision d) {
    return new ObservationTable.Row(
        r.id(),
        site.id(),
        r.sessionId(),
        fingerprintId,
        source,
        r.facts(),
        d == null ? null : d.action().wire());
  }

  private record Prepared(
      String fingerprintId,
      ClientInfo client,
      ImmediateClass immediate,
      Site site,
      DecisionRequest request,
      int sitePages,
      boolean runsTracker) {

    /** A decision's command when replyTo is set (trace 0: untraced), else an observation's. */
    SessionEntity.Command command(
        long trace, org.apache.pekko.actor.typed.ActorRef<Decision> replyTo) {
      return new SessionEntity.ObserveRequest(
          site.id(),
          fingerprintId,
          request.facts(),
          client,
          immediate,
          sitePages,
          runsTracker,
          trace,
          replyTo);
    }
  }

  private Prepared prepare(Site site, DecisionRequest request) {
    var facts = request.facts();
    String fp = fingerprinter.fingerprint(site.id(), facts);
    ClientInfo client = UserAgents.parse(facts.userAgent());
    ImmediateClass immediate = rules.classify(facts, client).orElse(null);
    if (facts.isPageRequest() && immediate == null) {
      traffic.pageSeen(site.id(), facts.path());
    }
    return new Prepared(
        fp,
        client,
        immediate,
        site,
        request,
        traffic.pages(site.id()),
        traffic.runsTracker(site.id()));
  }

  private Decision failed(String fingerprintId, Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
    String why = cause instanceof TimeoutException ? "timeout" : "unavailable";
    return settings.failMode() == DetectionSettings.FailMode.OPEN
        ? new Decision(
            Decision.Action.ALLOW,
            ThrottleLevel.NORMAL,
            0,
            List.of("unknown"),
            List.of("vigil_" + why + ":fail_open"),
            0,
            fingerprintId)
        : new Decision(
            Decision.Action.BLOCK,
            ThrottleLevel.NORMAL,
            0,
            List.of("unknown"),
            List.of("vigil_" + why + ":fail_closed"),
            5,
            fingerprintId);
  }
}
