package dev.vigil;

import dev.vigil.cli.ServeCommand;
import dev.vigil.cli.SitesCommand;
import dev.vigil.cli.TokensCommand;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code vigil} command: {@code serve}, {@code sites ...}, {@code tokens ...}. */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    version = "vigil 0.1.0",
    description = "Live traffic, bot defense and AI ledger service.",
    subcommands = {ServeCommand.class, SitesCommand.class, TokensCommand.class})
public final class Main {

  @Option(
      names = "--config",
      description = "Configuration file (default: conf/application.conf, else the shipped one).",
      scope = CommandLine.ScopeType.INHERIT)
  Path config;

  /** The configuration file named on the command line, if any. */
  public Optional<Path> configFile() {
    return Optional.ofNullable(config);
  }

  /**
   * With 2 cores or fewer the JDK's common pool has a parallelism of 1, and then every
   * CompletableFuture "async" step without an executor starts a new thread (JDK's
   * ThreadPerTaskExecutor) — in libraries too. Give the pool 2 workers unless the operator chose;
   * this runs before anything touches the pool.
   */
  static void guardCommonPool() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(key, "2");
    }
  }

  public static void main(String[] args) {
    guardCommonPool();
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof StartupException || e instanceof IllegalArgumentException) {
            // One line the operator can act on, not a stack trace.
            commandLine.getErr().println("vigil: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    System.exit(cli.execute(args));
  }
}
