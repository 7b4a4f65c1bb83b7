package dev.vigil.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

/** Running mean and population coefficient of variation in O(1) memory. */
class WelfordTest {

  @Test
  void matchesThePopulationMeanAndDeviation() {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population standard deviation 2
    Welford w = Welford.EMPTY;
    for (double x : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) {
      w = w.add(x);
    }

    assertThat(w.count()).isEqualTo(8);
    assertThat(w.mean()).isCloseTo(5.0, offset(1e-12));
    assertThat(w.cv()).isCloseTo(0.4, offset(1e-12));
  }

  @Test
  void constantValuesHaveNoVariation() {
    Welford w = Welford.EMPTY.add(1000).add(1000).add(1000);

    assertThat(w.cv()).isZero();
  }

  @Test
  void variationIsInfiniteWithoutValuesOrWithoutAPositiveMean() {
    assertThat(Welford.EMPTY.cv()).isInfinite();
    assertThat(Welford.EMPTY.add(0).add(0).cv()).isInfinite();
  }
}
