package dev.vigil.stream;

import dev.vigil.tenancy.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * This node's hubs, one per API token with an open stream. It starts a hub for a token's first
 * connection and stops it when the hub reports it has none left — unless a connection was handed to
 * it in the meantime (counted), so no connection ever lands on a stopping hub. It watches each hub:
 * one that failed is forgotten, and the token's next connection starts a new one.
 */
final class StreamHubs {

  sealed interface Command {}

  record Open(StreamHub.Connect connect) implements Command {}

  /** A connection's stream ended (client gone, dropped, or refused). */
  record Closed(String tokenId, String connectionId) implements Command {}

  /** Ends every stream of the node (shutdown). */
  enum CloseAll implements Command {
    INSTANCE
  }

  record HubIdle(String tokenId, ActorRef<StreamHub.Command> hub, long connectsReceived)
      implements Command {}

  private record Hub(ActorRef<StreamHub.Command> ref, long connectsSent) {}

  static Behavior<Command> create(
      StreamSettings settings,
      Function<String, Optional<Principal>> principals,
      Supplier<Set<String>> allSites,
      AtomicInteger gauge) {
    return Behaviors.setup(
        ctx -> new StreamHubs(settings, principals, allSites, gauge, ctx).behavior());
  }

  private final StreamSettings settings;
  private final Function<String, Optional<Principal>> principals;
  private final Supplier<Set<String>> allSites;
  private final AtomicInteger gauge;
  private final ActorContext<Command> ctx;
  private final Map<String, Hub> hubs = new HashMap<>();
  private long hubCount;

  private StreamHubs(
      StreamSettings settings,
      Function<String, Optional<Principal>> principals,
      Supplier<Set<String>> allSites,
      AtomicInteger gauge,
      ActorContext<Command> ctx) {
    this.settings = settings;
    this.principals = principals;
    this.allSites = allSites;
    this.gauge = gauge;
    this.ctx = ctx;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Open.class, this::onOpen)
        .onMessage(Closed.class, this::onClosed)
        .onMessage(HubIdle.class, this::onIdle)
        .onMessageEquals(
            CloseAll.INSTANCE,
            () -> {
              hubs.values().forEach(h -> h.ref().tell(StreamHub.CloseAll.INSTANCE));
              return Behaviors.same();
            })
        .onSignal(Terminated.class, this::onStopped)
        .build();
  }

  private Behavior<Command> onOpen(Open open) {
    String tokenId = open.connect().principal().tokenId();
    Hub hub = hubs.get(tokenId);
    if (hub == null) {
      ActorRef<StreamHub.Command> ref =
          ctx.spawn(
              StreamHub.create(tokenId, settings, ctx.getSelf(), principals, allSites, gauge),
              "hub-" + (++hubCount));
      ctx.watch(ref);
      hub = new Hub(ref, 0);
    }
    hub.ref().tell(open.connect());
    hubs.put(tokenId, new Hub(hub.ref(), hub.connectsSent() + 1));
    return Behaviors.same();
  }

  private Behavior<Command> onClosed(Closed closed) {
    Hub hub = hubs.get(closed.tokenId());
    if (hub != null) {
      hub.ref().tell(new StreamHub.Disconnected(closed.connectionId()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onIdle(HubIdle idle) {
    Hub hub = hubs.get(idle.tokenId());
    if (hub != null
        && hub.ref().equals(idle.hub())
        && hub.connectsSent() == idle.connectsReceived()) {
      hubs.remove(idle.tokenId());
      ctx.stop(hub.ref());
    }
    return Behaviors.same();
  }

  /**
   * A hub stopped (a plain watch, so that the failure Pekko notes for a child that failed is
   * cleared). One that failed is forgotten, so the token's next connection starts a new one instead
   * of waiting on a dead one (its own connections were closed as it stopped). A hub stopped when
   * idle was forgotten already.
   */
  private Behavior<Command> onStopped(Terminated stopped) {
    hubs.values().removeIf(hub -> hub.ref().equals(stopped.getRef()));
    return Behaviors.same();
  }
}
