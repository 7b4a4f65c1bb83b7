package dev.vigil.stream;

import dev.vigil.tenancy.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;

/**
 * The live streams of one API token on this node. Per site it keeps one <b>feed</b>: the topic
 * subscription and the position of the last event, checked once for gaps (a topic still joining, a
 * lost message) which are filled from the site's ring before anything goes on. A connection that is
 * in step with the feed is listed under the kinds it asked for, so an event costs work only for the
 * connections that want it: ten thousand streams watching anomalies are not touched by a thousand
 * session events a second.
 *
 * <p>A connection that resumes (Last-Event-ID) first catches up on its own: it replays the site's
 * ring from its position, then the feed's events that arrived meanwhile (it holds at most ring-size
 * of them; when more came, it replays again from where those end, {@value #CATCH_UP_ROUNDS} replays
 * at most), then joins the feed — so it sees every event once and in order, or a {@code reset}
 * saying it cannot. Its event ids are the positions of all its sites, so it can resume on any node.
 *
 * <p>A connection whose queue is full gets {@code dropped} and is closed; others are not touched.
 * When a connection's stream ends (the client went away) it is removed; after the last one the hub
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

  /** A feed's replay (its first position, or a gap); {@code connectionId} null. */
  private record Replayed(String connectionId, String siteId, SiteStream.Replayed result)
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

  /**
   * The replays a resuming connection asks for at most. Each round sends what the ring and the held
   * events cover; a site whose events keep coming faster than that would keep a connection catching
   * up, neither joining the feed nor getting ready, so after the last round it is reset to the
   * feed's position.
   */
  static final int CATCH_UP_ROUNDS = 3;

  private static final String ALL_KINDS = "*";

  /** One site as this hub follows it. */
  private static final class Feed {
    final String site;

    /** The last event applied; null until the first position is known. */
    Cursor at;

    /** Non-null while a replay runs: live events wait here. */
    List<SiteEvent> held;

    /** Connections in step with the feed, by the kind they asked for ({@code *}: all). */
    final Map<String, Set<Connection>> joined = new HashMap<>();

    /** Connections replaying on their own before they join. */
    final Set<Connection> catchingUp = new LinkedHashSet<>();

    Feed(String site) {
      this.site = site;
    }
  }

  /** A resuming connection's own position in one site until it joins the feed. */
  private static final class CatchUp {
    Cursor at;

    /** The feed's events while the connection's replay runs: at most ring-size of them. */
    final List<SiteEvent> held = new ArrayList<>();

    /** The feed's position at the last kept (not transient) event left out; null if none was. */
    Cursor leftOut;

    /** The replays answered so far. */
    int rounds;

    CatchUp(Cursor at) {
      this.at = at;
    }
  }

  private static final class Connection {
    final String id;
    final Set<String> sites;
    final boolean followNewSites;
    final Set<String> kinds;
    final BoundedSourceQueue<ByteString> queue;
    final Map<String, CatchUp> catchingUp = new HashMap<>();

    /** After joining: the feed's events up to here were already sent by the replay. */
    final Map<String, Cursor> sentUpTo = new HashMap<>();

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

    boolean wants(String kind) {
      return kinds.isEmpty() || kinds.contains(kind);
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
  private final Map<String, Feed> feeds = new HashMap<>();
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
        .onMessage(Delivered.class, d -> onEvent(d.event()))
        .onMessage(Replayed.class, this::onReplayed)
        .onMessage(ReplayFailed.class, this::onReplayFailed)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(CloseAll.INSTANCE, this::onCloseAll)
        .onSignal(PostStop.class, stop -> onPostStop())
        .build();
  }

  // ---- connections ----

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
      watch(conn, site, c.resume() == null ? null : c.resume().get(site));
    }
    readyIfCaughtUp(conn);
    return Behaviors.same();
  }

  /** Starts following a site for a connection: from now (join) or from its position (catch up). */
  private void watch(Connection conn, String site, Cursor from) {
    Feed feed =
        feeds.computeIfAbsent(
            site,
            s -> {
              Feed f = new Feed(s);
              live.topic(s).tell(Topic.subscribe(subscriber));
              f.held = new ArrayList<>();
              askReplay(null, s, null); // the feed's first position
              return f;
            });
    if (from == null) {
      join(feed, conn, null);
    } else {
      conn.catchingUp.put(site, new CatchUp(from));
      feed.catchingUp.add(conn);
      askReplay(conn.id, site, from);
    }
  }

  private void join(Feed feed, Connection conn, Cursor sentUpTo) {
    feed.catchingUp.remove(conn);
    conn.catchingUp.remove(feed.site);
    if (sentUpTo != null) {
      conn.sentUpTo.put(feed.site, sentUpTo);
    }
    if (conn.kinds.isEmpty()) {
      feed.joined.computeIfAbsent(ALL_KINDS, k -> new LinkedHashSet<>()).add(conn);
    } else {
      conn.kinds.forEach(k -> feed.joined.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(conn));
    }
  }

  private void unwatch(Connection conn, String site) {
    conn.catchingUp.remove(site);
    conn.sentUpTo.remove(site);
    Feed feed = feeds.get(site);
    if (feed == null) {
      return;
    }
    feed.catchingUp.remove(conn);
    feed.joined.values().forEach(set -> set.remove(conn));
    feed.joined.values().removeIf(Set::isEmpty);
    if (feed.joined.isEmpty() && feed.catchingUp.isEmpty()) {
      live.topic(site).tell(Topic.unsubscribe(subscriber));
      feeds.remove(site);
    }
  }

  private void readyIfCaughtUp(Connection conn) {
    if (conn.ready || !conn.catchingUp.isEmpty() || !connections.containsKey(conn.id)) {
      return;
    }
    for (String site : conn.sites) {
      Feed feed = feeds.get(site);
      if (feed != null && feed.at == null) {
        return; // its feed does not know where the site is yet
      }
    }
    conn.ready = true;
    offer(
        conn,
        Frames.control(
            eventId(conn),
            "ready",
            Map.of(
                "sites", conn.sites.stream().sorted().toList(),
                "kinds", conn.kinds.stream().sorted().toList(),
                "heartbeatSeconds", settings.heartbeatInterval().toSeconds())));
  }

  /** The connection's position in each of its sites. */
  private String eventId(Connection conn) {
    Map<String, Cursor> at = new TreeMap<>();
    for (String site : conn.sites) {
      CatchUp cu = conn.catchingUp.get(site);
      Feed feed = feeds.get(site);
      Cursor c = cu != null ? cu.at : feed == null ? null : feed.at;
      if (c != null) {
        at.put(site, c);
      }
    }
    return Cursor.encode(at);
  }

  // ---- events ----

  private Behavior<Command> onEvent(SiteEvent e) {
    Feed feed = feeds.get(e.siteId());
    if (feed == null) {
      return Behaviors.same();
    }
    if (feed.held != null) {
      if (feed.held.size() < settings.ringSize()) {
        feed.held.add(e);
      } // beyond that, the replay brings them back (or says reset)
      return Behaviors.same();
    }
    boolean newGeneration = e.generation() != feed.at.generation();
    boolean gap = e.transientEvent() ? e.seq() > feed.at.seq() : e.seq() > feed.at.seq() + 1;
    if (newGeneration || gap) {
      feed.held = new ArrayList<>(List.of(e));
      // a new generation (the site's stream restarted elsewhere) is read from its start
      askReplay(null, feed.site, newGeneration ? new Cursor(e.generation(), 0) : feed.at);
      return Behaviors.same();
    }
    apply(feed, e);
    return Behaviors.same();
  }

  /** An event next in the feed's order: to the catching-up (held) and the joined who want it. */
  private void apply(Feed feed, SiteEvent e) {
    if (!e.transientEvent()) {
      if (e.generation() == feed.at.generation() && e.seq() <= feed.at.seq()) {
        return; // already applied
      }
      feed.at = new Cursor(e.generation(), e.seq());
    }
    for (Connection conn : feed.catchingUp) {
      CatchUp cu = conn.catchingUp.get(feed.site);
      if (cu.held.size() < settings.ringSize()) {
        cu.held.add(e);
      } else if (!e.transientEvent()) {
        cu.leftOut = feed.at; // a replay from the ring brings it back (or says reset)
      }
    }
    Set<Connection> byKind = feed.joined.get(e.kind());
    Set<Connection> all = feed.joined.get(ALL_KINDS);
    if (byKind != null || all != null) {
      ByteString body = Frames.siteBody(e);
      send(feed, byKind, e, body);
      send(feed, all, e, body);
    }
  }

  private void send(Feed feed, Set<Connection> targets, SiteEvent e, ByteString body) {
    if (targets == null) {
      return;
    }
    for (Connection conn : List.copyOf(targets)) {
      Cursor sent = conn.sentUpTo.get(feed.site);
      if (sent != null && !e.transientEvent()) {
        if (sent.generation() == e.generation() && e.seq() <= sent.seq()) {
          continue; // the connection's replay already sent it
        }
        conn.sentUpTo.remove(feed.site);
      }
      offer(conn, Frames.withId(eventId(conn), body));
    }
  }

  private void askReplay(String connectionId, String site, Cursor from) {
    ctx.ask(
        SiteStream.Replayed.class,
        sharding.entityRefFor(SiteStream.ENTITY_KEY, site),
        REPLAY_TIMEOUT,
        replyTo ->
            new SiteStream.Replay(
                from == null ? null : from.generation(), from == null ? 0 : from.seq(), replyTo),
        (result, failure) ->
            failure == null
                ? new Replayed(connectionId, site, result)
                : new ReplayFailed(connectionId, site, from, failure));
  }

  private Behavior<Command> onReplayFailed(ReplayFailed f) {
    boolean stillWanted =
        f.connectionId() == null
            ? feeds.containsKey(f.siteId())
            : connections.containsKey(f.connectionId())
                && connections.get(f.connectionId()).catchingUp.containsKey(f.siteId());
    if (stillWanted) {
      ctx.getLog().debug("replay of {} failed, asking again: {}", f.siteId(), f.cause().toString());
      askReplay(f.connectionId(), f.siteId(), f.from());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReplayed(Replayed r) {
    if (r.connectionId() == null) {
      feedReplayed(r.siteId(), r.result());
    } else {
      connectionReplayed(r.connectionId(), r.siteId(), r.result());
    }
    return Behaviors.same();
  }

  private void feedReplayed(String site, SiteStream.Replayed result) {
    Feed feed = feeds.get(site);
    if (feed == null || feed.held == null) {
      return;
    }
    if (feed.at == null) {
      feed.at = new Cursor(result.generation(), result.seq()); // first position: from now on
    } else if (result.reset() || feed.at.generation() != result.generation()) {
      String reason =
          result.reset()
              ? "the events since the last one received are no longer kept"
              : "the site's stream restarted";
      feed.at =
          result.reset()
              ? new Cursor(result.generation(), result.seq())
              : new Cursor(result.generation(), 0);
      for (Connection conn : joinedConnections(feed)) {
        conn.sentUpTo.remove(site);
        offer(
            conn, Frames.control(eventId(conn), "reset", Map.of("siteId", site, "reason", reason)));
      }
      if (!result.reset()) {
        result.events().forEach(e -> apply(feed, e));
      }
    } else {
      result.events().forEach(e -> apply(feed, e));
    }
    List<SiteEvent> held = feed.held;
    feed.held = null;
    // ready before the held events, so a client's first event is always `ready`
    for (Connection conn : List.copyOf(connections.values())) {
      if (conn.sites.contains(site)) {
        readyIfCaughtUp(conn);
      }
    }
    for (SiteEvent e : held) {
      if (feeds.get(site) == feed) {
        onEvent(e);
      }
    }
  }

  private void connectionReplayed(String connectionId, String site, SiteStream.Replayed result) {
    Connection conn = connections.get(connectionId);
    CatchUp cu = conn == null ? null : conn.catchingUp.get(site);
    Feed feed = feeds.get(site);
    if (cu == null || feed == null) {
      return; // gone, or the token may no longer see the site
    }
    if (result.reset()) {
      resetTo(
          conn,
          cu,
          site,
          new Cursor(result.generation(), result.seq()),
          "the events since the last one received are no longer kept");
    } else {
      for (SiteEvent e : result.events()) {
        catchUp(conn, cu, e);
      }
    }
    for (SiteEvent e : List.copyOf(cu.held)) {
      catchUp(conn, cu, e);
    }
    cu.held.clear();
    if (cu.leftOut != null && !reached(cu.at, cu.leftOut) && connections.containsKey(conn.id)) {
      cu.leftOut = null;
      if (++cu.rounds < CATCH_UP_ROUNDS) {
        // events came faster than the replay answered: ask again from where the held ones end
        askReplay(conn.id, site, cu.at);
        return;
      }
      // still behind after the last replay: move to the feed's position and tell the client
      resetTo(conn, cu, site, feed.at, "the site's events came faster than they could be replayed");
    }
    if (connections.containsKey(conn.id)) {
      join(feed, conn, cu.at);
      readyIfCaughtUp(conn);
    }
  }

  /** Moves a catching-up connection to {@code at} and tells the client why with {@code reset}. */
  private void resetTo(Connection conn, CatchUp cu, String site, Cursor at, String reason) {
    cu.at = at;
    offer(conn, Frames.control(eventId(conn), "reset", Map.of("siteId", site, "reason", reason)));
  }

  /** One event for a catching-up connection: sent if it is past its position. */
  private void catchUp(Connection conn, CatchUp cu, SiteEvent e) {
    if (!e.transientEvent()) {
      if (e.generation() == cu.at.generation() && e.seq() <= cu.at.seq()) {
        return;
      }
      cu.at = new Cursor(e.generation(), e.seq());
    }
    if (conn.wants(e.kind())) {
      offer(conn, Frames.withId(eventId(conn), Frames.siteBody(e)));
    }
  }

  /** Whether a position is at or past another of the same generation. */
  private static boolean reached(Cursor at, Cursor target) {
    return at.generation() == target.generation() && at.seq() >= target.seq();
  }

  private static Set<Connection> joinedConnections(Feed feed) {
    Set<Connection> all = new LinkedHashSet<>();
    feed.joined.values().forEach(all::addAll);
    return all;
  }

  // ---- writing, closing ----

  private void offer(Connection conn, ByteString frame) {
    if (!connections.containsKey(conn.id)) {
      return;
    }
    QueueOfferResult result = conn.queue.offer(frame);
    if (result == QueueOfferResult.dropped()) {
      if (remove(conn.id)) {
        conn.queue.fail(new SlowConsumer());
      }
    } else if (result != QueueOfferResult.enqueued()) {
      remove(conn.id); // closed or failed: the client is gone
    }
  }

  private Behavior<Command> onCloseAll() {
    for (Connection conn : List.copyOf(connections.values())) {
      offer(
          conn,
          Frames.control(
              eventId(conn),
              "closed",
              Map.of("cause", "shutdown", "reason", "server shutting down")));
      conn.queue.complete();
      remove(conn.id);
    }
    return Behaviors.same();
  }

  /**
   * A hub stops by itself only after its last connection left; one that stops with connections left
   * has failed. Each of them ends with {@code closed} ({@code "cause":"error"}), so its client
   * reconnects, to a new hub, and resumes from its last event id, rather than hearing heartbeats
   * from a stream nothing feeds any more; and the open-streams gauge counts them out.
   */
  private Behavior<Command> onPostStop() {
    for (Connection conn : List.copyOf(connections.values())) {
      connections.remove(conn.id);
      gauge.decrementAndGet(); // before the stream ends, so whoever sees it end sees it counted out
      conn.queue.offer(
          Frames.control(
              eventId(conn),
              "closed",
              Map.of("cause", "error", "reason", "the stream's hub failed; reconnect")));
      conn.queue.complete();
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
    for (String site : List.copyOf(conn.sites)) {
      unwatch(conn, site);
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
      for (String site : List.copyOf(conn.sites)) {
        if (!p.maySee(site)) {
          conn.sites.remove(site);
          unwatch(conn, site);
        }
      }
      if (conn.followNewSites) {
        for (String site : allSites.get()) {
          if (p.maySee(site) && conn.sites.add(site)) {
            watch(conn, site, null);
          }
        }
      }
    }
    return Behaviors.same();
  }
}
