package dev.vigil.detection.corpus;

import com.typesafe.config.Config;
import dev.vigil.detection.DetectionSettings;
import dev.vigil.detection.FingerprintSignals;
import dev.vigil.detection.Fingerprinter;
import dev.vigil.detection.FiredSignal;
import dev.vigil.detection.ImmediateClass;
import dev.vigil.detection.ImmediateRules;
import dev.vigil.detection.RequestFacts;
import dev.vigil.detection.SessionSignals;
import dev.vigil.detection.ThrottleState;
import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Request;
import dev.vigil.detection.corpus.VigilAnswers.Answer;
import dev.vigil.engagement.UserAgents;
import dev.vigil.fingerprint.Assessor;
import dev.vigil.fingerprint.Decision;
import dev.vigil.fingerprint.SiteTraffic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Vigil's decisions on a corpus without a node: the same pure classes the entities call
 * (fingerprint, immediate rules, session and fingerprint signals, {@link Assessor}), wired the way
 * {@code SessionEntity} and {@code FingerprintEntity} wire them, in strict time order, in memory.
 * It exists for calibration — a sweep of limits over several seeds takes seconds instead of a
 * replay per setting — and {@code EvaluationCorpusIT} checks that it agrees with the real node.
 */
public final class OfflineVigil {
  private static final long BASE = Instant.parse("2025-06-01T00:00:00Z").toEpochMilli();
  private static final String SITE = "site";

  private static final class Visit {
    SessionSignals signals;
    String sessionClass = "human";
    String fingerprint;
  }

  private static final class Device {
    FingerprintSignals signals = FingerprintSignals.EMPTY;
    ThrottleState throttle = ThrottleState.NORMAL;
  }

  private final DetectionSettings settings;
  private final ImmediateRules rules;
  private final Fingerprinter fingerprinter;
  private final Assessor assessor;
  private final SiteTraffic traffic;
  private final Map<String, Visit> visits = new HashMap<>();
  private final Map<String, Device> devices = new HashMap<>();
  private final Map<String, String> cookies = new HashMap<>();
  private int minted;

  private OfflineVigil(Config config) {
    this.settings = DetectionSettings.fromConfig(config);
    this.rules = new ImmediateRules(ImmediateRules.Patterns.fromConfig(config));
    this.fingerprinter = Fingerprinter.of(settings);
    this.assessor = new Assessor(settings);
    this.traffic = new SiteTraffic(settings.defaultSitePages());
  }

  /** Every actor's answers under {@code config} (a resolved Vigil configuration). */
  public static Map<Integer, List<Answer>> run(Corpus corpus, Config config) {
    OfflineVigil v = new OfflineVigil(config);
    Map<Integer, List<Answer>> out = new HashMap<>();
    corpus.actors().forEach(a -> out.put(a.id(), new ArrayList<>()));
    for (Corpus.Scheduled s : corpus.schedule()) {
      if (s.step() instanceof Request r) {
        out.get(s.actor().id()).add(v.decide(s.actor().id(), r));
      } else if (s.step() instanceof Beacons b) {
        v.beacons(s.actor().id(), b);
      }
    }
    return out;
  }

  private Answer decide(int actor, Request r) {
    Instant at = Instant.ofEpochMilli(BASE + r.at());
    RequestFacts f =
        new RequestFacts(
            at,
            r.ip(),
            r.method(),
            SyntheticSite.HOST,
            r.path(),
            r.query(),
            r.userAgent(),
            r.accept(),
            r.acceptLanguage(),
            r.secChUa(),
            r.secChUaPlatform(),
            r.secChUaMobile(),
            r.referer(),
            r.https(),
            null,
            null,
            null);
    String key = r.sessionKey() == null ? null : actor + "/" + r.sessionKey();
    String sessionId = key == null ? null : cookies.get(key);
    if (sessionId == null) {
      sessionId = "s" + minted++;
      if (key != null) {
        cookies.put(key, sessionId);
      }
    }
    // Decider.prepare
    String fingerprint = fingerprinter.fingerprint(SITE, f);
    ImmediateClass immediate = rules.classify(f, UserAgents.parse(r.userAgent())).orElse(null);
    if (f.isPageRequest() && immediate == null) {
      traffic.pageSeen(SITE, f.path());
    }
    // SessionEntity.onObserveRequest
    Visit visit = visits.computeIfAbsent(sessionId, k -> new Visit());
    SessionSignals before = visit.signals != null ? visit.signals : SessionSignals.opened(at);
    visit.signals = before.onRequest(f, settings.limits().browserMajorFloor());
    visit.fingerprint = fingerprint;
    List<FiredSignal> fired =
        visit.signals.evaluate(at, settings, traffic.pages(SITE), traffic.runsTracker(SITE));
    // FingerprintEntity.onAssess, and the Classify it sends back
    Device device = devices.computeIfAbsent(fingerprint, k -> new Device());
    var input =
        new Assessor.Input(
            sessionId,
            before.requests() == 0,
            at,
            r.ip(),
            f.isPageRequest(),
            false,
            fired,
            immediate,
            visit.sessionClass,
            true);
    Assessor.Outcome outcome = assessor.assess(fingerprint, device.signals, device.throttle, input);
    device.signals = outcome.signals();
    device.throttle = outcome.throttle();
    visit.sessionClass = outcome.sessionClass();
    Decision d = outcome.decision();
    return new Answer(d.action().wire(), d.level().wire(), d.score(), d.classes(), d.reasons());
  }

  /** CollectRoutes and SessionEntity.onRecordBeacons: every event counts, the device learns. */
  private void beacons(int actor, Beacons b) {
    Visit visit = visits.get(cookies.get(actor + "/" + b.sessionKey()));
    traffic.beaconsSeen(SITE);
    for (int i = 0; i < b.events().size(); i++) {
      visit.signals = visit.signals.onBeacon();
    }
    Device device = devices.get(visit.fingerprint);
    device.signals = device.signals.onBeacon(cookies.get(actor + "/" + b.sessionKey()));
  }
}
