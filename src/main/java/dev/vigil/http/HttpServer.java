package dev.vigil.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Binds every capability's routes behind the shared error handling and request metrics, and hands
 * the binding to CoordinatedShutdown: on shutdown the port is unbound first, then in-flight
 * requests get {@code shutdownGrace} to finish.
 */
public final class HttpServer {
  private HttpServer() {}

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, HttpSettings settings, HttpMetrics metrics, List<Route> routes) {
    Route all = concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
    // Built once: the DSL runs a directive's inner supplier for every request, and the rejection
    // handler is Pekko's default one with each of its cases rewrapped.
    RejectionHandler rejections = Errors.rejectionHandler();
    Route root =
        metrics.instrument(
            handleExceptions(
                Errors.exceptionHandler(), () -> handleRejections(rejections, () -> all)));
    return Http.get(system)
        .newServerAt(settings.iface(), settings.port())
        .bind(root)
        .thenApply(binding -> binding.addToCoordinatedShutdown(settings.shutdownGrace(), system));
  }
}
