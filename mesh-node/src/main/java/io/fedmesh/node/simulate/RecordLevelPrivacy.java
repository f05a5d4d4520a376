package io.fedmesh.node.simulate;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.ml.data.Dataset;
import io.fedmesh.ml.privacy.DpGuarantee;
import io.fedmesh.ml.privacy.RdpAccountant;
import io.fedmesh.ml.privacy.RdpBudget;
import io.fedmesh.ml.train.dpsgd.DpSgdOptions;
import java.util.List;
import java.util.Locale;

/**
 * What DP-SGD spends of each simulated client's records: per round it takes part in, the sampled
 * Gaussian at q = batch / its rows for epochs x ceil(rows / batch) steps (what the participant's own
 * ledger charges). Reported as an upper bound, as if every client took part in every round, and for the
 * client whose records pay most (the one with the fewest rows, since q is largest there).
 */
final class RecordLevelPrivacy {
  private RecordLevelPrivacy() {}

  static String describe(FederationSettings settings, List<Dataset> clients, int rounds, double delta) {
    var d = settings.privacy().dpSgd();
    DpSgdOptions options = new DpSgdOptions(d.clipNorm(), d.noiseMultiplier(), d.batchSize());
    int fewest = clients.stream().mapToInt(Dataset::size).min().orElse(0);
    if (fewest < d.batchSize()) {
      return String.format(Locale.ROOT, "record-level privacy: a client has %d rows, fewer than the batch size %d: it declines"
          + " DP-SGD rounds", fewest, d.batchSize());
    }
    long steps = (long) settings.training().epochs() * options.stepsPerEpoch(fewest) * rounds;
    RdpBudget spent = RdpAccountant.sampledGaussian(options.samplingRate(fewest), d.noiseMultiplier(), steps);
    DpGuarantee g = spent.epsilon(delta);
    return String.format(Locale.ROOT, "record-level privacy (DP-SGD, nominal as above): each client's records are "
        + "(epsilon %s, delta %g)-DP at most (the client with the fewest rows, %d, as if in all %d rounds: q %g, sigma %g, "
        + "%d steps)", g.epsilonRoundedUp(6), delta, fewest, rounds, options.samplingRate(fewest), d.noiseMultiplier(), steps);
  }
}
