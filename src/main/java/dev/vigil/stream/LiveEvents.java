package dev.vigil.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vigil.http.Json;
import dev.vigil.util.Repeating;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Where the rest of Vigil hands live events over: routes call {@link #publish} after the fact is
 * stored (a committed row), entities when they have decided on it (a session does not wait for its
 * journal write: see {@code SessionEntity}), and count what the {@code stats} event reports. Events
 * go to the site's {@link SiteStream}, which numbers them and publishes them on the site's pub-sub
 * topic ({@code live-<siteId>}); topics of one name on all nodes find each other, so a stream on
 * any node gets what any node publishes.
 *
 * <p>Until {@link #start} is called (a server does; entity tests do not) publishing does nothing.
 */
public final class LiveEvents implements Extension {

  /** Registers the extension: one instance per actor system. */
  public static final class Id extends ExtensionId<LiveEvents> {
    private static final Id INSTANCE = new Id();

    @Override
    public LiveEvents createExtension(ActorSystem<?> system) {
      return new LiveEvents(system);
    }
  }

  private static final class Counts {
    final LongAdder events = new LongAdder();
    final LongAdder decisions = new LongAdder();
    final LongAdder bots = new LongAdder();
  }

  private final ActorSystem<?> system;
  private final ConcurrentHashMap<String, ActorRef<Topic.Command<SiteEvent>>> topics =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counts> counts = new ConcurrentHashMap<>();
  private volatile ClusterSharding sharding;

  private LiveEvents(ActorSystem<?> system) {
    this.system = system;
  }

  public static LiveEvents get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /**
   * Starts publishing ({@link SiteStream} must be initialised) and sends this node's counts to each
   * site's stream every {@code interval}.
   */
  public Cancellable start(Duration interval) {
    sharding = ClusterSharding.get(system);
    return system
        .scheduler()
        .scheduleWithFixedDelay(
            interval,
            interval,
            Repeating.guarded("Sending the live counts", this::drainCounts),
            system.executionContext());
  }

  public boolean started() {
    return sharding != null;
  }

  /** Publishes an event of the site; {@code payload} is serialised to JSON here. */
  public void publish(String siteId, String type, Instant at, Object payload) {
    ClusterSharding s = sharding;
    if (s == null || siteId == null) {
      return;
    }
    s.entityRefFor(SiteStream.ENTITY_KEY, siteId)
        .tell(new SiteStream.Publish(type, at, json(payload), false));
  }

  /** One event of {@link #publishAll}: its type, time and payload (serialised to JSON there). */
  public record Item(String type, Instant at, Object payload) {}

  /**
   * Publishes several events of one site, in order, as one message to its stream: a ledger write of
   * 100 calls is one message instead of 100 through sharding to the one actor every one of the
   * site's events passes.
   */
  public void publishAll(String siteId, List<Item> items) {
    ClusterSharding s = sharding;
    if (s == null || siteId == null || items.isEmpty()) {
      return;
    }
    List<SiteStream.Publish> events = new ArrayList<>(items.size());
    for (Item i : items) {
      events.add(new SiteStream.Publish(i.type(), i.at(), json(i.payload()), false));
    }
    s.entityRefFor(SiteStream.ENTITY_KEY, siteId).tell(new SiteStream.PublishAll(events));
  }

  /** Beacons stored for the site. */
  public void countEvents(String siteId, int n) {
    if (sharding != null) {
      counts.computeIfAbsent(siteId, id -> new Counts()).events.add(n);
    }
  }

  /** A decision answered for the site; {@code bot}: for a session classed as a bot. */
  public void countDecision(String siteId, boolean bot) {
    if (sharding != null) {
      Counts c = counts.computeIfAbsent(siteId, id -> new Counts());
      c.decisions.increment();
      if (bot) {
        c.bots.increment();
      }
    }
  }

  private void drainCounts() {
    for (Map.Entry<String, Counts> entry : counts.entrySet()) {
      Counts c = entry.getValue();
      long e = c.events.sumThenReset();
      long d = c.decisions.sumThenReset();
      long b = c.bots.sumThenReset();
      if (e + d > 0) {
        sharding
            .entityRefFor(SiteStream.ENTITY_KEY, entry.getKey())
            .tell(new SiteStream.AddCounts(e, d, b));
      }
    }
  }

  /** The site's topic on this node: send it {@code Topic.subscribe(ref)} to get its events. */
  public ActorRef<Topic.Command<SiteEvent>> topic(String siteId) {
    return topics.computeIfAbsent(
        siteId,
        id ->
            system.systemActorOf(
                Topic.create(SiteEvent.class, "live-" + id),
                "live-topic-" + URLEncoder.encode(id, StandardCharsets.UTF_8),
                Props.empty()));
  }

  static String json(Object payload) {
    try {
      return Json.MAPPER.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("live event payload is not serialisable: " + e, e);
    }
  }
}
