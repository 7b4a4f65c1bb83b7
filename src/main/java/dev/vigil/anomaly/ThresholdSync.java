package dev.vigil.anomaly;

import dev.vigil.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Keeps every node's {@link ThresholdDirectory} current: an edit through the API is announced on
 * the cluster topic {@code anomaly-thresholds}, and every node (the editing one included) reloads
 * at once; a periodic reload covers an announcement lost while a node was joining.
 */
public final class ThresholdSync {

  /** The announcement: thresholds changed, reload them. */
  public record ThresholdsChanged() implements CborSerializable {}

  private ThresholdSync() {}

  /** Starts the subscriber and the periodic reload; returns what announces an edit. */
  public static Runnable start(
      ActorSystem<?> system, ThresholdDirectory directory, Duration refresh) {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ActorRef<Topic.Command<ThresholdsChanged>> topic =
        system.systemActorOf(
            Topic.create(ThresholdsChanged.class, "anomaly-thresholds"),
            "anomaly-thresholds-topic",
            Props.empty());
    ActorRef<ThresholdsChanged> reloader =
        system.systemActorOf(
            Behaviors.receive(ThresholdsChanged.class)
                .onAnyMessage(
                    m -> {
                      CompletableFuture.runAsync(directory::refresh, blocking);
                      return Behaviors.same();
                    })
                .build(),
            "anomaly-thresholds-reloader",
            Props.empty());
    topic.tell(Topic.subscribe(reloader));
    Cancellable timer =
        system
            .scheduler()
            .scheduleWithFixedDelay(
                refresh,
                refresh,
                () -> reloader.tell(new ThresholdsChanged()),
                system.executionContext());
    // no reload once the node stops serving: the database's pools close after it
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-threshold-reload",
            () -> {
              timer.cancel();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    return () -> topic.tell(Topic.publish(new ThresholdsChanged()));
  }
}
