package dev.vigil.stream;

import dev.vigil.tenancy.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;

/**
 * The live streams of one API token on this node. It subscribes to the topics of the sites its
 * connections watch and writes each event to each connection's bounded queue, keeping a position
 * per connection and site: an event that skips a number (a reconnect, a topic that was still
 * joining, a lost message) is filled in from the site's ring first, so a connection sees every
 * event of its sites once and in order, or a {@code reset} saying it cannot.
 *
 * <p>A connection whose queue is full gets {@code dropped} and is closed; others are not touched.
 * When a connection's stream ends (the client went away), it is removed; after the last one the hub
 * asks {@link StreamHubs} to stop it, which also ends its topic subscriptions.
 */
final class StreamHub {

  sealed interface Command {}

  /** A new connection; {@code resume} is null for a fresh one. */
  record Connect(
      Principal principal,
      String connectionId,
      Set<String> sites,
      boolean followNewSites,
      Set<String> kinds,
      Map<String, Cursor> resume,
      boolean unreadableResume,
      BoundedSourceQueue<ByteString> queue,
      ActorRef<Connected> replyTo)
      implements Command {}

  /** The answer to {@link Connect}: {@code accepted}, or refused because of the limit. */
  record Connected(boolean accepted, int limit) {}

  record Disconnected(String connectionId) implements Command {}

  /** The node is shutting down: every stream ends with {@code closed}, so clients reconnect. */
  enum CloseAll implements Command {
    INSTANCE
  }

  private record Delivered(SiteEvent event) implements Command {}

  private record ReplayDone(String connectionId, String siteId, SiteStream.Replayed result)
      implements Command {}

  private record ReplayFailed(String connectionId, String siteId, Cursor from, Throwable cause)
      implements Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** Thrown into a connection's queue when it falls behind; the route turns it into `dropped`. */
  static final class SlowConsumer extends RuntimeException {
    SlowConsumer() {
      super("slow consumer", null, false, false);
    }
  }

  /** Thrown into a connection's queue when its token no longer may watch. */
  static final class Revoked extends RuntimeException {
    Revoked() {
      super("revoked", null, false, false);
    }
  }

  private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(5);

  private final class Connection {
    final String id;
    final Set<String> sites;
    final boolean followNewSites;
    final Set<String> kinds;
    final BoundedSourceQueue<ByteString> queue;
    final Map<String, Cursor> cursors = new HashMap<>();

    /** Sites waiting for a replay, with the live events that arrived meanwhile. */
    final Map<String, List<SiteEvent>> held = new HashMap<>();

    boolean ready;

    Connection(
        String id,
        Set<String> sites,
        boolean followNewSites,
        Set<String> kinds,
        BoundedSourceQueue<ByteString> queue) {
      this.id = id;
      this.sites = new HashSet<>(sites);
      this.followNewSites = followNewSites;
      this.kinds = kinds;
      this.queue = queue;
    }

    String eventId() {
      return Cursor.encode(cursors);
    }
  }

  static Behavior<Command> create(
      String tokenId,
      StreamSettings settings,
      ActorRef<StreamHubs.Command> registry,
      Function<String, Optional<Principal>> principals,
      Supplier<Set<String>> allSites,
      AtomicInteger gauge) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.heartbeatInterval());
                  return new StreamHub(
                          tokenId, settings, registry, principals, allSites, gauge, ctx)
                      .behavior();
                }));
  }

  private final String tokenId;
  private final StreamSettings settings;
  private final ActorRef<StreamHubs.Command> registry;
  private final Function<String, Optional<Principal>> principals;
  private final Supplier<Set<String>> allSites;
  private final AtomicInteger gauge;
  private final ActorContext<Command> ctx;
  private final LiveEvents live;
  private final ClusterSharding sharding;
  private final ActorRef<SiteEvent> subscriber;
  private final Map<String, Connection> connections = new LinkedHashMap<>();
  private final Set<String> subscribed = new HashSet<>();
  private long connectsReceived;

  private StreamHub(
      String tokenId,
      StreamSettings settings,
      ActorRef<StreamHubs.Command> registry,
      Function<String, Optional<Principal>> principals,
      Supplier<Set<String>> allSites,
      AtomicInteger gauge,
      ActorContext<Command> ctx) {
    this.tokenId = tokenId;
    this.settings = settings;
    this.registry = registry;
    this.principals = principals;
    this.allSites = allSites;
    this.gauge = gauge;
    this.ctx = ctx;
    this.live = LiveEvents.get(ctx.getSystem());
    this.sharding = ClusterSharding.get(ctx.getSystem());
    this.subscriber = ctx.messageAdapter(SiteEvent.class, Delivered::new);
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Connect.class, this::onConnect)
        .onMessage(Disconnected.class, this::onDisconnected)
        .onMessage(Delivered.class, this::onDelivered)
        .onMessage(ReplayDone.class, this::onReplayDone)
        .onMessage(ReplayFailed.class, this::onReplayFailed)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(CloseAll.INSTANCE, this::onCloseAll)
        .build();
  }

  private Behavior<Command> onConnect(Connect c) {
    connectsReceived++;
    if (connections.size() >= settings.maxConnectionsPerUser()) {
      c.replyTo().tell(new Connected(false, settings.maxConnectionsPerUser()));
      c.queue().complete();
      idleCheck();
      return Behaviors.same();
    }
    Connection conn =
        new Connection(c.connectionId(), c.sites(), c.followNewSites(), c.kinds(), c.queue());
    connections.put(conn.id, conn);
    gauge.incrementAndGet();
    c.replyTo().tell(new Connected(true, settings.maxConnectionsPerUser()));
    if (c.unreadableResume()) {
      offer(conn, Frames.control(null, "reset", Map.of("reason", "unreadable Last-Event-ID")));
    }
    for (String site : conn.sites) {
      startSite(conn, site, c.resume() == null ? null : c.resume().get(site));
    }
    readyIfCaughtUp(conn);
    return Behaviors.same();
  }

  /** Subscribes if needed and asks the site's stream for the missed events or the position. */
  private void startSite(Connection conn, String site, Cursor from) {
    if (subscribed.add(site)) {
      live.topic(site).tell(Topic.subscribe(subscriber));
    }
    conn.held.putIfAbsent(site, new ArrayList<>());
    askReplay(conn, site, from);
  }

  private void askReplay(Connection conn, String site, Cursor from) {
    String connId = conn.id;
    ctx.ask(
        SiteStream.Replayed.class,
        sharding.entityRefFor(SiteStream.ENTITY_KEY, site),
        REPLAY_TIMEOUT,
        replyTo ->
            new SiteStream.Replay(
                from == null ? null : from.generation(), from == null ? 0 : from.seq(), replyTo),
        (result, failure) ->
            failure == null
                ? new ReplayDone(connId, site, result)
                : new ReplayFailed(connId, site, from, failure));
  }

  private Behavior<Command> onReplayDone(ReplayDone r) {
    Connection conn = connections.get(r.connectionId());
    if (conn == null || !conn.sites.contains(r.siteId())) {
      return Behaviors.same(); // gone, or the token may no longer see the site
    }
    SiteStream.Replayed result = r.result();
    Cursor before = conn.cursors.get(r.siteId());
    if (result.reset()) {
      conn.cursors.put(r.siteId(), new Cursor(result.generation(), result.seq()));
      offer(
          conn,
          Frames.control(
              conn.eventId(),
              "reset",
              Map.of(
                  "siteId",
                  r.siteId(),
                  "reason",
                  "the events since the last one received are no longer kept")));
    } else if (before != null && before.generation() != result.generation()) {
      // the site's stream restarted (its node left): what the old one sent last may be lost
      conn.cursors.put(r.siteId(), new Cursor(result.generation(), 0));
      offer(
          conn,
          Frames.control(
              conn.eventId(),
              "reset",
              Map.of("siteId", r.siteId(), "reason", "the site's stream restarted")));
      result.events().forEach(e -> apply(conn, e));
    } else if (before == null && result.events().isEmpty()) {
      conn.cursors.put(r.siteId(), new Cursor(result.generation(), result.seq()));
    } else {
      if (before == null) {
        // a resume: start just before the first missed event
        long first = result.events().isEmpty() ? result.seq() : result.events().get(0).seq() - 1;
        conn.cursors.put(r.siteId(), new Cursor(result.generation(), first));
      }
      for (SiteEvent e : result.events()) {
        apply(conn, e);
      }
    }
    List<SiteEvent> held = conn.held.remove(r.siteId());
    if (held != null) {
      for (SiteEvent e : held) {
        if (connections.containsKey(conn.id)) {
          deliver(conn, e);
        }
      }
    }
    readyIfCaughtUp(conn);
    return Behaviors.same();
  }

  private Behavior<Command> onReplayFailed(ReplayFailed f) {
    Connection conn = connections.get(f.connectionId());
    if (conn != null) {
      ctx.getLog().debug("replay of {} failed, asking again: {}", f.siteId(), f.cause().toString());
      askReplay(conn, f.siteId(), f.from());
    }
    return Behaviors.same();
  }

  private void readyIfCaughtUp(Connection conn) {
    if (!conn.ready && conn.held.isEmpty() && connections.containsKey(conn.id)) {
      conn.ready = true;
      offer(
          conn,
          Frames.control(
              conn.eventId(),
              "ready",
              Map.of(
                  "sites", conn.sites.stream().sorted().toList(),
                  "kinds", conn.kinds.stream().sorted().toList(),
                  "heartbeatSeconds", settings.heartbeatInterval().toSeconds())));
    }
  }

  private Behavior<Command> onDelivered(Delivered d) {
    for (Connection conn : List.copyOf(connections.values())) {
      deliver(conn, d.event());
    }
    return Behaviors.same();
  }

  /** A live event for one connection: in order, held while a replay runs, gaps filled first. */
  private void deliver(Connection conn, SiteEvent e) {
    if (!conn.sites.contains(e.siteId())) {
      return;
    }
    List<SiteEvent> held = conn.held.get(e.siteId());
    if (held != null) {
      if (held.size() >= settings.ringSize()) {
        drop(conn);
      } else {
        held.add(e);
      }
      return;
    }
    Cursor at = conn.cursors.get(e.siteId());
    boolean gap =
        e.generation() != at.generation()
            || (e.transientEvent() ? e.seq() > at.seq() : e.seq() > at.seq() + 1);
    if (gap) {
      List<SiteEvent> hold = new ArrayList<>();
      hold.add(e);
      conn.held.put(e.siteId(), hold);
      // a new generation (the site's stream restarted elsewhere) is read from its start
      askReplay(
          conn, e.siteId(), e.generation() != at.generation() ? new Cursor(e.generation(), 0) : at);
      return;
    }
    apply(conn, e);
  }

  /** Writes an event that is next in order (older ones are duplicates and skipped). */
  private void apply(Connection conn, SiteEvent e) {
    Cursor at = conn.cursors.get(e.siteId());
    if (!e.transientEvent()) {
      if (e.generation() == at.generation() && e.seq() <= at.seq()) {
        return;
      }
      conn.cursors.put(e.siteId(), new Cursor(e.generation(), e.seq()));
    }
    if (conn.kinds.isEmpty() || conn.kinds.contains(e.kind())) {
      offer(conn, Frames.site(conn.eventId(), e));
    }
  }

  private void offer(Connection conn, ByteString frame) {
    QueueOfferResult result = conn.queue.offer(frame);
    if (result == QueueOfferResult.dropped()) {
      drop(conn);
    } else if (result != QueueOfferResult.enqueued()) {
      remove(conn.id); // closed or failed: the client is gone
    }
  }

  private void drop(Connection conn) {
    if (remove(conn.id)) {
      conn.queue.fail(new SlowConsumer());
    }
  }

  private Behavior<Command> onCloseAll() {
    for (Connection conn : List.copyOf(connections.values())) {
      offer(
          conn,
          Frames.control(
              conn.eventId(),
              "closed",
              Map.of("cause", "shutdown", "reason", "server shutting down")));
      conn.queue.complete();
      remove(conn.id);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDisconnected(Disconnected d) {
    remove(d.connectionId());
    return Behaviors.same();
  }

  private boolean remove(String connectionId) {
    Connection conn = connections.remove(connectionId);
    if (conn == null) {
      return false;
    }
    gauge.decrementAndGet();
    Set<String> needed = new HashSet<>();
    connections.values().forEach(c -> needed.addAll(c.sites));
    for (String site : List.copyOf(subscribed)) {
      if (!needed.contains(site)) {
        live.topic(site).tell(Topic.unsubscribe(subscriber));
        subscribed.remove(site);
      }
    }
    idleCheck();
    return true;
  }

  private void idleCheck() {
    if (connections.isEmpty()) {
      registry.tell(new StreamHubs.HubIdle(tokenId, ctx.getSelf(), connectsReceived));
    }
  }

  /**
   * Re-reads the token every heartbeat: a revoked token's streams end with {@code closed}; a site
   * taken away is no longer delivered; an all-sites token's connections pick up new sites.
   */
  private Behavior<Command> onTick() {
    Optional<Principal> principal = principals.apply(tokenId);
    for (Connection conn : List.copyOf(connections.values())) {
      if (principal.isEmpty()) {
        if (remove(conn.id)) {
          conn.queue.fail(new Revoked());
        }
        continue;
      }
      Principal p = principal.get();
      conn.sites.removeIf(site -> !p.maySee(site));
      conn.cursors.keySet().removeIf(site -> !conn.sites.contains(site));
      conn.held.keySet().removeIf(site -> !conn.sites.contains(site));
      if (conn.followNewSites) {
        for (String site : allSites.get()) {
          if (p.maySee(site) && conn.sites.add(site)) {
            startSite(conn, site, null);
          }
        }
      }
    }
    return Behaviors.same();
  }
}
