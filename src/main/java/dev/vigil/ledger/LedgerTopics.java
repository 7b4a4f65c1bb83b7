package dev.vigil.ledger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The pub-sub topics of the ledger, one per site ({@code ledger-<siteId>}), started on first use on
 * each node. Topics of the same name on the nodes of a cluster find each other, so a live stream
 * subscribed on any node gets what any node publishes.
 */
public final class LedgerTopics implements Extension {

  /** Registers the extension: one instance per actor system. */
  public static final class Id extends ExtensionId<LedgerTopics> {
    private static final Id INSTANCE = new Id();

    @Override
    public LedgerTopics createExtension(ActorSystem<?> system) {
      return new LedgerTopics(system);
    }
  }

  private final ActorSystem<?> system;
  private final ConcurrentHashMap<String, ActorRef<Topic.Command<LedgerEvent>>> topics =
      new ConcurrentHashMap<>();

  private LedgerTopics(ActorSystem<?> system) {
    this.system = system;
  }

  public static LedgerTopics get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  public static String topicName(String siteId) {
    return "ledger-" + siteId;
  }

  /** The site's topic: send it {@code Topic.subscribe(ref)} to receive {@link LedgerEvent}s. */
  public ActorRef<Topic.Command<LedgerEvent>> topic(String siteId) {
    return topics.computeIfAbsent(
        siteId,
        id ->
            system.systemActorOf(
                Topic.create(LedgerEvent.class, topicName(id)),
                "ledger-topic-" + URLEncoder.encode(id, StandardCharsets.UTF_8),
                Props.empty()));
  }

  public void publish(LedgerEvent event) {
    topic(event.siteId()).tell(Topic.publish(event));
  }
}
