package io.fedmesh.coordinator.round;

import io.fedmesh.coordinator.federation.FederationSettings;
import io.fedmesh.crypto.identity.NodeId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Who is invited to a round, from the federation's participants that are up: with DP each one
 * independently with the sampling rate (Poisson sampling, which the accountant assumes), otherwise a
 * uniform subset of that fraction; at most the federation's maximum. The cohort is sorted by node id,
 * so a participant's client index depends on nothing the coordinator chooses.
 */
public final class CohortSelection {
  private CohortSelection() {}

  /** @param random a DRBG on a node (the choice must not be predictable); seeded only in simulation */
  public static List<NodeId> choose(List<NodeId> candidates, FederationSettings settings, Random random) {
    List<NodeId> pool = new ArrayList<>(candidates);
    pool.sort(Comparator.comparing(NodeId::toString));
    List<NodeId> chosen = new ArrayList<>();
    if (settings.noiseMultiplier() > 0) {
      for (NodeId node : pool) {
        if (random.nextDouble() < settings.sampling()) {
          chosen.add(node);
        }
      }
    } else {
      Collections.shuffle(pool, random);
      chosen.addAll(pool.subList(0, Math.max(Math.min(pool.size(), 1), (int) Math.round(settings.sampling() * pool.size()))));
    }
    if (chosen.size() > settings.maxParticipants()) {
      Collections.shuffle(chosen, random);
      chosen = new ArrayList<>(chosen.subList(0, settings.maxParticipants()));
    }
    chosen.sort(Comparator.comparing(NodeId::toString));
    return chosen;
  }
}
