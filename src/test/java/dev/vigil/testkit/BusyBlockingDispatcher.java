package dev.vigil.testkit;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * Every thread of a system's shared blocking dispatcher held, as slow API queries would hold them,
 * until closed: for tests that a path does not wait behind that pool.
 */
public final class BusyBlockingDispatcher implements AutoCloseable {
  private final CountDownLatch release = new CountDownLatch(1);

  private BusyBlockingDispatcher() {}

  /** Holds all of {@code system}'s blocking threads; returns once every one of them is held. */
  public static BusyBlockingDispatcher hold(ActorSystem<?> system) throws InterruptedException {
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    int threads =
        system
            .settings()
            .config()
            .getInt(
                "pekko.actor.default-blocking-io-dispatcher.thread-pool-executor.fixed-pool-size");
    BusyBlockingDispatcher busy = new BusyBlockingDispatcher();
    CountDownLatch held = new CountDownLatch(threads);
    for (int i = 0; i < threads; i++) {
      blocking.execute(
          () -> {
            held.countDown();
            try {
              busy.release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    if (!held.await(10, TimeUnit.SECONDS)) {
      busy.close();
      throw new IllegalStateException("not every blocking thread could be held");
    }
    return busy;
  }

  /** Lets the held threads go. */
  @Override
  public void close() {
    release.countDown();
  }
}
