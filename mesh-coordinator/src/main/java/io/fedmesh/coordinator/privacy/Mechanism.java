package io.fedmesh.coordinator.privacy;

import java.util.Arrays;

/** A mechanism a participant charges itself for (central DP is not one: the coordinator adds that noise, unchecked). */
public enum Mechanism {
  /** The distributed discrete Gaussian inside secure aggregation (client-level DP). */
  DDG("ddg"),
  /** DP-SGD in the participant's own training (record-level DP). */
  DP_SGD("dp-sgd");

  private final String label;

  Mechanism(String label) {
    this.label = label;
  }

  /** How the ledger file and the CLI name it. */
  public String label() {
    return label;
  }

  /** @throws IllegalArgumentException if {@code label} names no mechanism */
  public static Mechanism ofLabel(String label) {
    return Arrays.stream(values()).filter(m -> m.label.equals(label)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown mechanism '" + label + "' (known: ddg, dp-sgd)"));
  }
}
