package dev.vigil.detection;

import dev.vigil.CborSerializable;

/**
 * Running mean and variance in O(1) memory (Welford's algorithm), for the coefficient of variation
 * of gaps between requests or between session starts.
 */
public record Welford(long count, double mean, double m2) implements CborSerializable {
  public static final Welford EMPTY = new Welford(0, 0, 0);

  public Welford add(double x) {
    long n = count + 1;
    double delta = x - mean;
    double newMean = mean + delta / n;
    return new Welford(n, newMean, m2 + delta * (x - newMean));
  }

  /** Population coefficient of variation (std-dev / mean); infinite when the mean is not > 0. */
  public double cv() {
    if (count == 0 || mean <= 0) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.sqrt(m2 / count) / mean;
  }
}
