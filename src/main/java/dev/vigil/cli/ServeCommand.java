package dev.vigil.cli;

import com.typesafe.config.Config;
import dev.vigil.Main;
import dev.vigil.VigilServer;
import dev.vigil.tenancy.TenancyRepository;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.CoordinatedShutdown;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import sun.misc.Signal;

/**
 * {@code vigil serve}: runs a node until SIGTERM or SIGINT, then shuts down cleanly and exits 0.
 */
@Command(name = "serve", description = "Run Vigil (HTTP API, tracker, dashboard).")
public final class ServeCommand implements Callable<Integer> {

  /** Why the node is stopping: a signal from the operator or the service manager. */
  private record SignalReason(String signal) implements CoordinatedShutdown.Reason {}

  @ParentCommand Main parent;

  @Override
  public Integer call() {
    Config config = Cli.loadConfig(parent.configFile(), false);
    VigilServer server = VigilServer.start(config);
    server.bootstrap().ifPresent(b -> printFirstStart(System.out, server.publicUrl(), b));
    for (String name : new String[] {"TERM", "INT"}) {
      // Handled here rather than by the JVM's hook so that a clean shutdown exits 0, not 143.
      Signal.handle(new Signal(name), s -> server.shutdown(new SignalReason(name)));
    }
    server.system().getWhenTerminated().toCompletableFuture().join();
    System.exit(0);
    return 0;
  }

  static void printFirstStart(PrintStream out, String url, TenancyRepository.Bootstrap b) {
    out.println();
    out.println("================ Vigil: first start ================");
    out.println("Dashboard:    " + url);
    out.println("Site:         " + b.site().site().id());
    out.println("  public key (tracker, not secret): " + b.site().site().publicKey());
    out.println("  server key (proxies and agents):  " + b.site().serverKey());
    out.println("Admin token:  " + b.adminToken().secret());
    out.println(
        "The server key and admin token are shown only now; Vigil keeps only their hashes.");
    out.println("=====================================================");
    out.println();
    out.flush();
  }
}
