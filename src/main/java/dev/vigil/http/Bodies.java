package dev.vigil.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.util.ByteString;

/** A request's whole body, for routes that parse it themselves. */
public final class Bodies {
  private static final long TIMEOUT_MILLIS = 5_000;

  private Bodies() {}

  /**
   * The body's bytes, at most {@code maxBytes} of them (a larger body fails the stage with Pekko's
   * {@code EntityStreamSizeException}, which the error handler answers with 413).
   *
   * <p>A body that arrived whole — it had a Content-Length, as the tracker's and agents' requests
   * do — is used as it is. {@code toStrict} with a byte limit runs a stream even for a body already
   * in memory: a new stream actor per request, measured at about a tenth of the collect path's CPU.
   * A chunked body is collected by that stream, up to the limit.
   */
  public static CompletionStage<ByteString> whole(
      HttpEntity entity, long maxBytes, ClassicActorSystemProvider system) {
    if (entity instanceof HttpEntity.Strict strict && strict.getData().size() <= maxBytes) {
      return CompletableFuture.completedFuture(strict.getData());
    }
    return entity.toStrict(TIMEOUT_MILLIS, maxBytes, system).thenApply(HttpEntity.Strict::getData);
  }
}
