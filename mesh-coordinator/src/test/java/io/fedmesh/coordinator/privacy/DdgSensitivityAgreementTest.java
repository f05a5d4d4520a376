package io.fedmesh.coordinator.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.ddg.DdgSpec;
import io.fedmesh.crypto.noise.DiscreteGaussian;
import io.fedmesh.ml.privacy.DdgEncoding;
import org.junit.jupiter.api.Test;

/**
 * The conditional rounding bound is written twice, on either side of a module boundary: the encoder
 * enforces {@link DdgSpec#normBound()} (mesh-crypto) and the accountant charges for
 * {@link DdgEncoding#l2Sensitivity()} (mesh-ml), which do not depend on each other. Privacy needs the two
 * to be the same number; this module sees both, so it holds them to it.
 */
class DdgSensitivityAgreementTest {
  @Test
  void theEncodersNormBoundIsTheAccountantsSensitivity() {
    double[][] cases = {{1, 1e-4, 0}, {1, 1e-4, Math.exp(-0.5)}, {0.5, 0x1p-28, Math.exp(-0.5)}, {10, 0.01, 0.9}, {1, 1, 0.1}};
    for (int d : new int[] {1, 64, 32_768}) {
      for (double[] c : cases) {
        DdgSpec spec = new DdgSpec(32, c[1], c[2], c[0], DiscreteGaussian.ofVariance(1, 1), d, new byte[DdgSpec.SEED_BYTES], 5);
        DdgEncoding encoding = new DdgEncoding(5, d, c[0], c[1], c[2]);
        assertThat(spec.normBound()).as("clip %s, gamma %s, beta %s, d %d", c[0], c[1], c[2], d)
            .isEqualTo(encoding.l2Sensitivity());
      }
    }
  }
}
