package dev.vigil.anomaly;

import dev.vigil.CborSerializable;

/**
 * An exponentially weighted mean of a metric's samples. It may only judge a value once it has seen
 * {@code warmupSamples} samples, so a subject's first minutes never page anyone.
 */
public record Baseline(double mean, long samples) implements CborSerializable {
  public static final Baseline EMPTY = new Baseline(0, 0);

  public Baseline update(double value, double alpha) {
    return samples == 0
        ? new Baseline(value, 1)
        : new Baseline(mean + alpha * (value - mean), samples + 1);
  }

  public boolean warm(int warmupSamples) {
    return samples >= warmupSamples;
  }
}
