package dev.vigil.writer;

import com.typesafe.config.Config;
import dev.vigil.db.Database;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Creates the append writers of a node, each with its own connection pool, and flushes them in
 * CoordinatedShutdown's service-stop phase: after HTTP has stopped taking requests and before the
 * database closes, so every request that was still waiting is stored and acknowledged.
 */
public final class AppendWriters {
  private final ActorSystem<?> system;
  private final Database database;
  private final Config config;
  private final MeterRegistry registry;

  public AppendWriters(
      ActorSystem<?> system, Database database, Config config, MeterRegistry registry) {
    this.system = system;
    this.database = database;
    this.config = config;
    this.registry = registry;
  }

  public <T> AppendWriter<T> create(AppendWriter.Table<T> table) {
    WriterSettings settings = WriterSettings.fromConfig(config, table.name());
    AppendWriter<T> writer =
        AppendWriter.start(
            table,
            settings,
            database.newPool("vigil-writer-" + table.name(), settings.parallelism()),
            system,
            registry);
    CoordinatedShutdown.get(system)
        .addTask(CoordinatedShutdown.PhaseServiceStop(), "flush-" + table.name(), writer::close);
    return writer;
  }
}
