package io.fedmesh.crypto.secagg;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.NodeId;
import io.fedmesh.proto.v1.SecAggConfig;
import java.util.Random;

/** Builders for rounds in tests: a config, and updates whose quantisation is exact. */
final class SecAggFixtures {
  /** With clip = 2^15 - 1 and 16 value bits the scale is 1: integer updates quantise without rounding. */
  static final double EXACT_CLIP = (1 << 15) - 1;

  private SecAggFixtures() {}

  static SecAggConfig.Builder config(int n, int k, int t, int m) {
    SecAggConfig.Builder b = SecAggConfig.newBuilder()
        .setFederation(FederationId.newBuilder().setName("card-fraud"))
        .setRound(7)
        .setVectorLength(m)
        .setNeighbours(k)
        .setThreshold(t)
        .setClip(EXACT_CLIP)
        .setValueBits(16)
        .setWeightBits(4)
        .setChunkWords(Math.max(1, (m + 1) / 3)); // several chunks, the last one short
    for (int i = 0; i < n; i++) {
      byte[] id = new byte[32];
      id[0] = (byte) i;
      id[1] = (byte) (i >> 8);
      id[31] = 1;
      b.addCohort(NodeId.newBuilder().setSha256(ByteString.copyFrom(id)));
    }
    return b;
  }

  /** A malicious-server config: the mode, a coordinator and a round nonce (fixed, for tests). */
  static SecAggConfig.Builder malicious(SecAggConfig.Builder b) {
    byte[] coordinator = new byte[32];
    coordinator[0] = (byte) 0xC0;
    byte[] nonce = new byte[16];
    nonce[0] = 7;
    return b.setMaliciousServer(true).setCoordinator(NodeId.newBuilder().setSha256(ByteString.copyFrom(coordinator)))
        .setRoundNonce(ByteString.copyFrom(nonce));
  }

  static SecAggParameters params(int n, int k, int t, int m) {
    return new SecAggParameters(config(n, k, t, m).build());
  }

  static float[][] integerUpdates(int n, int m, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][m];
    for (int c = 0; c < n; c++) {
      for (int i = 0; i < m; i++) {
        x[c][i] = r.nextInt(2 * (int) EXACT_CLIP + 1) - (int) EXACT_CLIP;
      }
    }
    return x;
  }

  static long[] weights(int n, long seed) {
    Random r = new Random(seed);
    long[] w = new long[n];
    for (int c = 0; c < n; c++) {
      w[c] = 1 + r.nextInt(15);
    }
    return w;
  }
}
