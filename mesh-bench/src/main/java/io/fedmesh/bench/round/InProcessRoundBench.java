package io.fedmesh.bench.round;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.coordinator.round.InProcessRounds;
import io.fedmesh.coordinator.round.RoundReport;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.ml.strategy.FedAvg;
import io.fedmesh.proto.v1.ModelRef;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The same rounds in one process: {@link InProcessRounds} with the federation's settings, {@code n}
 * participants with {@link SyntheticWork}, the coordinator's strategy (FedAvg, as the node's driver
 * builds it), a fresh nonce and the last committed model every round, and a {@link SecureRandom} per
 * party as on a node. Messages pass through one queue without envelopes, signatures, TLS or copies to
 * a socket, and every party runs on this thread: the protocol's own cost.
 */
final class InProcessRoundBench {
  private InProcessRoundBench() {}

  /** Wall time of each round in milliseconds: a warm-up round first (not returned), then {@code rounds}. */
  static double[] run(FederationSettings settings, int n, int rounds, int m) {
    SecureRandom random = new SecureRandom();
    List<InProcessRounds.Member> members = new ArrayList<>();
    List<NodeId> cohort = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SigningKey key = SigningKey.generate(random);
      members.add(new InProcessRounds.Member(key.verifyingKey().nodeId(), key,
          new SyntheticWork(settings.clipNorm(), settings.classes(), 1000L + i), BenchFederation.policy(), new SecureRandom(),
          false));
      cohort.add(key.verifyingKey().nodeId());
    }
    InProcessRounds engine = new InProcessRounds(BenchFederation.NAME, settings, members);
    FedAvg strategy = new FedAvg(settings.training(), 1.0, settings.serverLearningRate(), settings.clipNorm());
    float[] global = new float[m];
    double[] wall = new double[rounds];
    for (int r = 0; r <= rounds; r++) {
      byte[] nonce = new byte[32];
      random.nextBytes(nonce);
      long start = System.nanoTime();
      RoundReport report = engine.run(r + 1, cohort, global, "in-process bench", strategy, nonce);
      if (!report.committed() || report.contributors() != n) {
        throw new IllegalStateException("in-process round " + (r + 1) + " with " + n + " participants did not commit with all: "
            + (report.committed() ? report.contributors() + " contributors" : report.reason()));
      }
      global = engine.model(ModelRef.newBuilder().setSha256(ByteString.fromHex(report.modelSha256())).build(), m);
      long took = System.nanoTime() - start;
      if (r > 0) {
        wall[r - 1] = took / 1e6;
      }
    }
    return wall;
  }
}
