package dev.vigil.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * CompletionStages from Pekko's Java API are Scala's {@code CompletableFuture} subclass, which
 * turns every {@code thenApply}, {@code handle}, {@code whenComplete} and {@code exceptionally}
 * into its async form on the JDK's default executor. With 2 cores or fewer that executor starts a
 * new thread per task: one per decision on the edge's hot path, a sixth of the dispatcher's CPU in
 * the decide profile (BENCHMARKS.md). {@link #direct} hands such a stage's outcome to a plain JDK
 * future on the thread that completes it, so what follows runs there, as the JDK's own stages do.
 */
public final class Stages {
  /** Runs a task on the calling thread. */
  public static final Executor SAME_THREAD = Runnable::run;

  private Stages() {}

  /** A plain JDK future completed with the stage's outcome on the completing thread. */
  public static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error == null) {
            plain.complete(value);
          } else {
            plain.completeExceptionally(error);
          }
        },
        SAME_THREAD);
    return plain;
  }
}
