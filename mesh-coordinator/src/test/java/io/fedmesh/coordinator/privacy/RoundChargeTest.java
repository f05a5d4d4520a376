package io.fedmesh.coordinator.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.proto.v1.DdgEncoding;
import io.fedmesh.proto.v1.DpSgdPlan;
import io.fedmesh.proto.v1.PrivacyPlan;
import io.fedmesh.proto.v1.RoundPlan;
import io.fedmesh.proto.v1.TrainingPlan;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A round's charge for one participant: DP-SGD's q and steps, the DDG hook, and what cannot be counted. */
class RoundChargeTest {
  static RoundPlan plan(int epochs, PrivacyPlan privacy) {
    return RoundPlan.newBuilder().setTraining(TrainingPlan.newBuilder().setEpochs(epochs)).setPrivacy(privacy).build();
  }

  static PrivacyPlan dpSgd(double sigma, int batch) {
    return PrivacyPlan.newBuilder().setDpSgd(DpSgdPlan.newBuilder().setClipNorm(1).setNoiseMultiplier(sigma).setBatchSize(batch)).build();
  }

  @Test
  void dpSgdIsTheSampledGaussianAtBatchOverExamplesForEpochsTimesTheBatchesOfAnEpoch() throws Exception {
    RoundCharge charge = RoundCharge.of(plan(3, dpSgd(1.1, 64)), 1000, DdgAccounting.NOT_YET);

    // q = 64 / 1000; an epoch is ceil(1000 / 64) = 16 batches; 3 epochs.
    assertThat(charge.parts()).containsExactly(new RoundCharge.Part(Mechanism.DP_SGD, RdpAccountant.sampledGaussian(0.064, 1.1, 48)));
    assertThat(charge.total()).isEqualTo(RdpAccountant.sampledGaussian(0.064, 1.1, 48));
  }

  @Test
  void aBatchLargerThanTheDataSamplesEveryExampleOncePerEpoch() throws Exception {
    assertThat(RoundCharge.of(plan(2, dpSgd(2, 500)), 100, DdgAccounting.NOT_YET).total())
        .isEqualTo(RdpAccountant.sampledGaussian(1.0, 2, 2));
  }

  @Test
  void aRoundWithoutParticipantSideDpCostsNothing() throws Exception {
    assertThat(RoundCharge.of(plan(1, PrivacyPlan.getDefaultInstance()), 1000, DdgAccounting.NOT_YET).parts()).isEmpty();
  }

  @Test
  void theDistributedDiscreteGaussianWithoutAnAccountantIsNeverFree() {
    PrivacyPlan ddg = PrivacyPlan.newBuilder().setDdg(DdgEncoding.newBuilder().setBits(16)).build();
    assertThatThrownBy(() -> RoundCharge.of(plan(1, ddg), 1000, DdgAccounting.NOT_YET))
        .isInstanceOf(RoundCharge.Unaccountable.class)
        .hasMessage("this node cannot account the distributed discrete Gaussian yet");
  }

  @Test
  void aDdgAccountantsChargeIsAddedToDpSgds() throws Exception {
    RdpBudget ddgRound = RdpAccountant.sampledGaussian(1.0, 5, 1); // stand-in: the full mechanism, no sampling
    PrivacyPlan both = dpSgd(1.1, 100).toBuilder().setDdg(DdgEncoding.newBuilder().setBits(16)).build();

    RoundCharge charge = RoundCharge.of(plan(1, both), 1000, e -> Optional.of(ddgRound));

    assertThat(charge.parts()).extracting(RoundCharge.Part::mechanism).containsExactly(Mechanism.DDG, Mechanism.DP_SGD);
    assertThat(charge.total()).isEqualTo(ddgRound.plus(RdpAccountant.sampledGaussian(0.1, 1.1, 10)));
  }

  @Test
  void dpSgdNeedsExamplesAndAPlanInRange() {
    assertThatThrownBy(() -> RoundCharge.of(plan(1, dpSgd(1, 10)), 0, DdgAccounting.NOT_YET))
        .hasMessage("DP-SGD cannot be accounted without local training examples");
    assertThatThrownBy(() -> RoundCharge.of(plan(1, dpSgd(1, 0)), 100, DdgAccounting.NOT_YET))
        .hasMessageStartingWith("the round's DP-SGD plan is out of range (batch size 0");
    assertThatThrownBy(() -> RoundCharge.of(plan(1, dpSgd(Double.NaN, 10)), 100, DdgAccounting.NOT_YET))
        .isInstanceOf(RoundCharge.Unaccountable.class);
    assertThatThrownBy(() -> RoundCharge.of(plan(0, dpSgd(1, 10)), 100, DdgAccounting.NOT_YET))
        .isInstanceOf(RoundCharge.Unaccountable.class);
  }
}
