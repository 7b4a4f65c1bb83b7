package dev.vigil.detection.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.detection.corpus.Trace.Beacons;
import dev.vigil.detection.corpus.Trace.Request;
import dev.vigil.detection.corpus.VigilAnswers.Answer;
import dev.vigil.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replays a corpus through a running Vigil over its real HTTP APIs: each request as {@code POST
 * /v1/decide} (server key, explicit timestamp, the visit's cookie once Vigil has minted it), each
 * beacon batch as {@code POST /v1/collect} for the same session id. Steps go out in time order in
 * rounds of trace time; within a round each thread takes whole groups of actors (an actor, or the
 * people behind one office address), so every actor's own order is kept exactly.
 *
 * <p>A bot's steps after its first verdict are not sent: only its first verdict is measured, and
 * all it shares with other actors is the site's learnt page count. People replay in full.
 */
public final class CorpusReplay {
  /**
   * Trace time replayed per round: actors in different lanes may interleave freely within it, never
   * across it. Half an hour keeps the lanes busy; nothing in detection shared between actors of
   * different lanes (the site's learnt page count, whether it runs the tracker) moves on that
   * scale.
   */
  private static final long WINDOW = 30 * 60_000L;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String baseUrl;
  private final String serverKey;
  private final String publicKey;
  private final long base;
  private final Map<String, String> sessions = new ConcurrentHashMap<>();
  private final Map<Integer, List<Answer>> answers = new ConcurrentHashMap<>();
  private final Set<Integer> caught = ConcurrentHashMap.newKeySet();
  private final AtomicInteger decisions = new AtomicInteger();
  private final AtomicInteger batches = new AtomicInteger();

  /** What a replay cost: wall time, CPU of this JVM (server and client), calls sent. */
  public record Stats(Duration wall, Duration cpu, int decisions, int batches) {}

  private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

  /**
   * @param base the epoch milliseconds the corpus's time zero is replayed at
   */
  public CorpusReplay(String baseUrl, String serverKey, String publicKey, long base) {
    this.baseUrl = baseUrl;
    this.serverKey = serverKey;
    this.publicKey = publicKey;
    this.base = base;
  }

  public int decisionsSent() {
    return decisions.get();
  }

  public int batchesSent() {
    return batches.get();
  }

  /** Every actor's answers, in request order; throws if any call failed. */
  public Map<Integer, List<Answer>> replay(Corpus corpus, int threads) throws Exception {
    for (Actor a : corpus.actors()) {
      answers.put(a.id(), new ArrayList<>());
    }
    List<Corpus.Scheduled> schedule = corpus.schedule();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      int from = 0;
      while (from < schedule.size()) {
        long end = (schedule.get(from).step().at() / WINDOW + 1) * WINDOW;
        List<List<Corpus.Scheduled>> lanes = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          lanes.add(new ArrayList<>());
        }
        while (from < schedule.size() && schedule.get(from).step().at() < end) {
          Corpus.Scheduled s = schedule.get(from++);
          lanes.get(Math.floorMod(s.actor().group().hashCode(), threads)).add(s);
        }
        List<Future<?>> running = new ArrayList<>();
        for (List<Corpus.Scheduled> lane : lanes) {
          if (!lane.isEmpty()) {
            running.add(pool.submit(() -> lane.forEach(this::send)));
          }
        }
        for (Future<?> f : running) {
          f.get();
        }
        if (failures.size() > 20) {
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (!failures.isEmpty()) {
      throw new AssertionError(
          failures.size()
              + " replay calls failed, first: "
              + failures.subList(0, Math.min(5, failures.size())));
    }
    return answers;
  }

  private void send(Corpus.Scheduled s) {
    if (caught.contains(s.actor().id())) {
      return;
    }
    try {
      if (s.step() instanceof Request r) {
        decide(s.actor(), r);
      } else if (s.step() instanceof Beacons b) {
        collect(s.actor(), b);
      }
    } catch (IOException | RuntimeException e) {
      failures.add(s.actor().id() + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.add("interrupted");
    }
  }

  private void decide(Actor actor, Request r) throws IOException, InterruptedException {
    String key = r.sessionKey() == null ? null : actor.id() + "/" + r.sessionKey();
    String sid = key == null ? null : sessions.get(key);
    String body = CorpusJson.decision(r, base, sid).toString();
    decisions.incrementAndGet();
    HttpResponse<String> res =
        http.send(
            post("/v1/decide", "application/json", body)
                .header("Authorization", "Bearer " + serverKey)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      failures.add("decide " + res.statusCode() + " " + res.body() + " for " + body);
      return;
    }
    JsonNode n = Json.MAPPER.readTree(res.body());
    if (key != null && sid == null) {
      sessions.put(key, n.path("sessionId").asText());
    }
    List<String> classes = new ArrayList<>();
    n.path("classes").forEach(c -> classes.add(c.asText()));
    List<String> reasons = new ArrayList<>();
    n.path("reasons").forEach(c -> reasons.add(c.asText()));
    Answer answer =
        new Answer(
            n.path("action").asText(),
            n.path("level").asText(),
            n.path("score").asInt(),
            classes,
            reasons);
    answers.get(actor.id()).add(answer);
    if (actor.kind().bot() && (answer.bot() || answer.refused())) {
      caught.add(actor.id());
    }
  }

  private void collect(Actor actor, Beacons b) throws IOException, InterruptedException {
    String sid = sessions.get(actor.id() + "/" + b.sessionKey());
    if (sid == null) {
      failures.add("beacons before the visit's first answer: actor " + actor.id());
      return;
    }
    String body = CorpusJson.beacons(b, base, publicKey, sid).toString();
    batches.incrementAndGet();
    HttpResponse<String> res =
        http.send(
            post("/v1/collect", "text/plain", body).header("User-Agent", b.userAgent()).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode n = res.statusCode() == 202 ? Json.MAPPER.readTree(res.body()) : null;
    if (n == null || !n.path("rejected").isEmpty()) {
      failures.add("collect " + res.statusCode() + " " + res.body());
    }
  }

  private HttpRequest.Builder post(String path, String contentType, String body) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }
}
