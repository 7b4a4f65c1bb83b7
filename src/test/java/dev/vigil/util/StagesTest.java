package dev.vigil.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

class StagesTest {
  @Test
  void stepsAfterAScalaStageRunOnTheThreadThatCompletesIt() throws Exception {
    Promise<String> promise = Promise.apply();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CompletableFuture<Integer> next =
        Stages.direct(FutureConverters.asJava(promise.future()))
            .thenApply(
                s -> {
                  ranOn.set(Thread.currentThread());
                  return s.length();
                });
    Thread completer = new Thread(() -> promise.success("four"), "completer");
    completer.start();
    completer.join();
    assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo(4);
    assertThat(ranOn.get()).isSameAs(completer);
  }

  @Test
  void aFailureIsPassedOn() {
    Promise<String> promise = Promise.apply();
    CompletableFuture<String> plain = Stages.direct(FutureConverters.asJava(promise.future()));
    promise.failure(new IllegalStateException("boom"));
    assertThatThrownBy(() -> plain.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("boom");
  }
}
