package dev.vigil.testkit;

import dev.vigil.VigilConfig;
import dev.vigil.anomaly.AnomalySettings;
import dev.vigil.anomaly.SubjectEntity;
import dev.vigil.anomaly.SubjectRollups;
import dev.vigil.ledger.BudgetEntity;
import dev.vigil.ledger.LedgerSettings;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Measures the heap a live anomaly subject or budget entity holds, for the divisor of their {@code
 * max-live = auto}: spawns {@code n} of them directly (without sharding's bookkeeping), gives each
 * one input, and divides the growth of the heap after full collections by {@code n}. Not a test:
 * run it by hand (BENCHMARKS.md, "Live caps for anomaly subjects and budgets").
 *
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xmx2g -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     dev.vigil.testkit.EntityHeap subject 20000
 * </pre>
 */
public final class EntityHeap {
  private EntityHeap() {}

  public static void main(String[] a) throws Exception {
    if (a.length != 2 || !(a[0].equals("subject") || a[0].equals("budget"))) {
      System.err.println("usage: EntityHeap subject|budget <count>");
      System.exit(2);
    }
    String kind = a[0];
    int n = Integer.parseInt(a[1]);
    ActorTestKit kit = ActorTestKit.create(EntityTestKit.config());
    var config = VigilConfig.resolve(VigilConfig.shipped());
    Clock clock = Clock.systemUTC();
    Instant now = clock.instant();
    // warm up the classes with a few, then measure
    List<ActorRef<?>> refs = new ArrayList<>();
    spawn(kit, kind, config, clock, now, 0, 100, refs);
    long before = settled();
    spawn(kit, kind, config, clock, now, 100, 100 + n, refs);
    long after = settled();
    System.out.printf(
        "%s: %d entities, %.0f bytes each (heap %d -> %d)%n",
        kind, n, (after - before) / (double) n, before, after);
    System.exit(refs.size() == 100 + n ? 0 : 1); // not a graceful shutdown: nothing to keep
  }

  static void spawn(
      ActorTestKit kit,
      String kind,
      com.typesafe.config.Config config,
      Clock clock,
      Instant now,
      int from,
      int to,
      List<ActorRef<?>> refs) {
    if (kind.equals("subject")) {
      AnomalySettings s = AnomalySettings.fromConfig(config);
      for (int i = from; i < to; i++) {
        ActorRef<SubjectEntity.Command> r =
            kit.spawn(
                SubjectEntity.create("user:s1:user-" + i, m -> Optional.empty(), s, clock),
                "e" + i);
        r.tell(
            new SubjectEntity.AddCounts(
                new SubjectRollups.Counts("s1", "user", "user-" + i, now, 3, 0)));
        refs.add(r);
      }
    } else {
      LedgerSettings s = LedgerSettings.fromConfig(config);
      for (int i = from; i < to; i++) {
        ActorRef<BudgetEntity.Command> r =
            kit.spawn(BudgetEntity.create("s1:user:user-" + i, s, clock, e -> {}), "e" + i);
        r.tell(new BudgetEntity.RecordSpend(1234, now));
        refs.add(r);
      }
    }
  }

  static long settled() throws Exception {
    long last = -1;
    for (int round = 0; round < 20; round++) {
      Thread.sleep(1000);
      System.gc();
      Thread.sleep(300);
      long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (last > 0 && Math.abs(used - last) < last / 200) {
        return used;
      }
      last = used;
    }
    throw new IllegalStateException("the heap did not settle after 20 full collections");
  }
}
