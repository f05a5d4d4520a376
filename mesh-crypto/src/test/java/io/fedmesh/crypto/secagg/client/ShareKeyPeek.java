package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;

/** Tests only: the key of {@code dealer}'s shares to a client waiting for its shares, as a malicious holder knows it. */
public final class ShareKeyPeek {
  private ShareKeyPeek() {}

  public static byte[] keyFromDealer(SecAggClient holder, SecAggParameters params, int holderIndex, int dealer) {
    R2MaskedInput state = (R2MaskedInput) holder.state();
    return new RoundKeys(params, new WorkMeter()).shareKeyBytes(state.shareSecrets().get(dealer), dealer, holderIndex);
  }
}
