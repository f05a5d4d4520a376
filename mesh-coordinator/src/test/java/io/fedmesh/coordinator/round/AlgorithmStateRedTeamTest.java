package io.fedmesh.coordinator.round;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.InvalidVectorException;
import io.fedmesh.crypto.quantize.Modulus;
import io.fedmesh.crypto.quantize.Quantizer;
import io.fedmesh.ml.strategy.AdaptiveOptions;
import io.fedmesh.ml.train.TrainingOptions;
import io.fedmesh.ml.train.UpdateClipping;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A lying coordinator's global state of the wrong shape for SCAFFOLD, and a SCAFFOLD update whose control
 * half is over the clip (issue 17).
 */
class AlgorithmStateRedTeamTest {
  private static final int M = 52;

  private static FederationSettings scaffold(FederationSettings s) {
    return new FederationSettings(s.coordinator(), s.model(), s.inputShape(), 2, 1, "scaffold", 1.0,
        new TrainingOptions(TrainingOptions.Optimizer.SGD, 0.1, 1, 8, 0), 2, 100, 1.0, 1000, 1000, 1000, 0.2, 0.05, 100,
        false, 1.0, 0, 1e-5, io.fedmesh.coordinator.federation.PrivacySettings.central(), new AdaptiveOptions(0.9, 0.99, 1e-2));
  }

  /** Runs a SCAFFOLD round whose invitations say the global state has {@code floats} values; every participant's end. */
  private static RoundAttackHarness lie(long floats, int vectorLength) {
    RoundAttackHarness h = new RoundAttackHarness(4, M, RoundPlanner.MAX_CONCURRENT_UPLOADS, AlgorithmStateRedTeamTest::scaffold);
    h.tap = d -> {
      if (!d.message().hasInvitation()) {
        return List.of(d);
      }
      var m = d.message().toBuilder();
      var plan = m.getInvitationBuilder().getPlanBuilder();
      plan.getGlobalModelBuilder().setSizeBytes(floats * Float.BYTES);
      plan.getSecaggBuilder().setVectorLength(vectorLength);
      return List.of(new RoundAttackHarness.Delivery(d.from(), d.to(), m.build()));
    };
    h.start(1);
    h.run();
    h.drain();
    return h;
  }

  private static void allDeclinedUntrained(RoundAttackHarness h, String why) {
    assertTrue(h.trainings.isEmpty(), "nobody trained");
    for (var id : h.cohort) {
      RoundReport r = h.participantReports.get(id);
      assertTrue(r != null && !r.committed() && r.reason().contains(why), id.shortForm() + ": " + (r == null ? null : r.reason()));
    }
  }

  @Test
  void aStateThatIsNotAWholeNumberOfModelsIsDeclined() {
    allDeclinedUntrained(lie(M + 1, M), "does not fit scaffold");
  }

  @Test
  void aFedAdamShapedStateIsDeclined() {
    // [x | m | v] of the real model: 3 x 26 = 78 values, read by SCAFFOLD as a model of 39 with its c.
    allDeclinedUntrained(lie(3 * (M / 2), M), "vector length");
  }

  // The same lie with the SecAgg vector length made to fit (78 = 2 x 39) passes the plan's checks: the
  // engine cannot know the model's size. The node's local work refuses a global model of another size
  // than its model (mesh-node LocalStateRedTeamTest.aStateOfAnotherSizeIsTheCoordinatorsFaultNotTheKeptFiles).

  @Test
  void aControlHalfOverTheClipIsDeclinedByAnHonestEngineThoughTheModelHalfIsFine() {
    int n = 26;
    float[] summed = new float[2 * n];
    summed[0] = 0.5f; // model half well within 1.0
    Arrays.fill(summed, n, 2 * n, 0.9f); // control half: every coordinate within [-clip, clip], norm 0.9 sqrt(26) = 4.6
    assertFalse(P0FetchingModel.withinClip(summed, n, 1.0));
    summed[n + 1] = 0;
    Arrays.fill(summed, n, 2 * n, 0);
    summed[n] = 1.0f;
    assertTrue(P0FetchingModel.withinClip(summed, n, 1.0));
  }

  /**
   * What SecAgg's quantiser does with a malicious client's over-clip input: a coordinate outside
   * [-clip, clip] is refused, but it bounds coordinates, not the L2 norm. A client that skips its engine's
   * check contributes up to clip x sqrt(2n) per half, not clip (a known limit: see the report).
   */
  @Test
  void theQuantiserBoundsCoordinatesNotTheNorm() {
    Quantizer q = new Quantizer(1.0, 16, 8, Modulus.BITS_32);
    float[] over = new float[52];
    Arrays.fill(over, 1.0f);
    assertTrue(UpdateClipping.norm(over) > 7);
    q.quantize(over, 255, new SecureRandom()); // accepted
    over[3] = 1.5f;
    assertThrows(InvalidVectorException.class, () -> q.quantize(over, 255, new SecureRandom()));
  }
}
