package io.fedmesh.coordinator.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import org.junit.jupiter.api.Test;

/** The cap check: under, exactly at and over the cap, no cap, and epsilon rounded up in the reason. */
class SpendCheckTest {
  private static final RdpBudget SPENT = RdpAccountant.sampledGaussian(0.1, 1.0, 50);
  private static final RdpBudget ROUND = RdpAccountant.sampledGaussian(0.1, 1.0, 10);
  private static final double AFTER = SPENT.plus(ROUND).epsilon(1e-5).epsilon();

  @Test
  void aRoundUnderTheCapPasses() {
    assertThat(SpendCheck.check("card-fraud", SPENT, ROUND, new PrivacyCap(AFTER + 0.01, 1e-5))).isEmpty();
  }

  @Test
  void aRoundThatLandsExactlyOnTheCapPasses() {
    assertThat(SpendCheck.check("card-fraud", SPENT, ROUND, new PrivacyCap(AFTER, 1e-5))).isEmpty();
  }

  @Test
  void aRoundOverTheCapIsDeclinedWithTheSpendRoundedUp() {
    double cap = Math.nextDown(AFTER);
    var reason = SpendCheck.check("card-fraud", SPENT, ROUND, new PrivacyCap(cap, 1e-5));

    assertThat(reason).hasValueSatisfying(r -> {
      assertThat(r).startsWith("this round would take this participant's spend in card-fraud to epsilon ")
          .endsWith(" (own cap " + SpendCheck.plain(cap) + " at delta 0.00001); declining");
      double printed = Double.parseDouble(r.replaceAll(".* to epsilon ([0-9.]+) .*", "$1"));
      assertThat(printed).isGreaterThanOrEqualTo(AFTER); // never understated
    });
  }

  @Test
  void theCapIsCheckedAtItsOwnDelta() {
    double atLooseDelta = SPENT.plus(ROUND).epsilon(0.05).epsilon();
    // Within the cap at delta 0.05, over it at 1e-5: the cap's delta decides.
    assertThat(SpendCheck.check("f", SPENT, ROUND, new PrivacyCap(atLooseDelta, 0.05))).isEmpty();
    assertThat(SpendCheck.check("f", SPENT, ROUND, new PrivacyCap(atLooseDelta, 1e-5))).isPresent();
  }

  @Test
  void withoutACapEveryRoundPasses() {
    RdpBudget unbounded = RdpAccountant.sampledGaussian(0.1, 0, 1);
    assertThat(SpendCheck.check("f", SPENT, unbounded, null)).isEmpty();
  }

  @Test
  void anUnboundedRoundIsDeclinedAsInfinity() {
    RdpBudget unbounded = RdpAccountant.sampledGaussian(0.1, 0, 1);
    assertThat(SpendCheck.check("f", SPENT, unbounded, new PrivacyCap(1000, 1e-5)))
        .hasValue("this round would take this participant's spend in f to epsilon infinity (own cap 1000 at delta 0.00001); declining");
  }

  @Test
  void roundingIsUpward() {
    assertThat(SpendCheck.roundedUp(8.40001)).isEqualTo("8.401");
    assertThat(SpendCheck.roundedUp(8.25)).isEqualTo("8.25"); // exact in binary: nothing to round
    assertThat(SpendCheck.roundedUp(8.4)).isEqualTo("8.401"); // the double is 8.40000000000000035...
    assertThat(SpendCheck.roundedUp(0.123456)).isEqualTo("0.1235");
  }
}
