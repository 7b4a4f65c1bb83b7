package dev.vigil.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * The configuration the event-sourced entities' tests run on: one local actor system, the
 * persistence testkit's in-memory journal (whose writes a test can fail), and manual time, so a
 * test moves the entities' timers by hand in step with their {@link MutableClock}.
 */
public final class EntityTestKit {
  private EntityTestKit() {}

  public static Config config() {
    return ManualTime.config()
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"));
  }
}
