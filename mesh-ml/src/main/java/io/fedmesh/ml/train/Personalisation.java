package io.fedmesh.ml.train;

import java.util.List;

/**
 * How participants personalise the federation's model (FedPer, Arivazhagan et al. 2019, and local
 * fine-tuning): layers named here stay with each participant and are never sent; each participant may
 * also fine-tune the global model on its own data before it evaluates it.
 *
 * @param privateLayers parameter-name prefixes of the private layers (for example the head, "04Linear"
 *     for an MLP with one hidden layer, or "fc2." for a brought PyTorch model); empty: every layer is shared
 * @param fineTuneEpochs local epochs of fine-tuning before the personalised evaluation; 0: none
 */
public record Personalisation(List<String> privateLayers, int fineTuneEpochs) {
  public Personalisation {
    privateLayers = List.copyOf(privateLayers);
    for (String p : privateLayers) {
      if (p.isBlank() || p.length() > 200) {
        throw new IllegalArgumentException("a private layer is named by a non-empty prefix of at most 200 characters, got '"
            + p + "'");
      }
    }
    if (fineTuneEpochs < 0 || fineTuneEpochs > 1000) {
      throw new IllegalArgumentException("fine-tuning epochs must be in [0, 1000], got " + fineTuneEpochs);
    }
  }

  /** No private layers, no fine-tuning. */
  public static Personalisation none() {
    return new Personalisation(List.of(), 0);
  }

  /** Whether participants evaluate a personalised model beside the global one. */
  public boolean enabled() {
    return !privateLayers.isEmpty() || fineTuneEpochs > 0;
  }
}
