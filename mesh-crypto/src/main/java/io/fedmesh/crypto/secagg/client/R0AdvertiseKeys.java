package io.fedmesh.crypto.secagg.client;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.HashCommitment;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.SecAggMessage;

/**
 * Before the round: on start, make this round's two key pairs and advertise their public halves with
 * a commitment to the self-mask seed; in malicious-server mode also commit to a graph nonce and sign.
 */
record R0AdvertiseKeys() implements ClientState {
  @Override
  public Phase phase() {
    return Phase.ADVERTISE_KEYS;
  }

  @Override
  public Transition start(ClientContext ctx) {
    X25519KeyPair shareKeys = X25519.generate(ctx.random());
    X25519KeyPair maskKeys = X25519.generate(ctx.random());
    ctx.meter().keyGenerations(2);
    // The self-mask seed is made now, so the advertisement can commit to it before any share exists.
    Secrets secrets = new Secrets(shareKeys, maskKeys, fresh(ctx), fresh(ctx));
    AdvertiseKeys.Builder keys = AdvertiseKeys.newBuilder()
        .setClient(ctx.me())
        .setShareKey(ByteString.copyFrom(shareKeys.publicKey()))
        .setMaskKey(ByteString.copyFrom(maskKeys.publicKey()))
        .setSeedCommitment(ByteString.copyFrom(HashCommitment.SELF_MASK_SEED.of(secrets.selfMaskSeed())));
    AdvertiseKeys advertisement;
    ClientState next;
    if (ctx.params().maliciousServer()) {
      keys.setGraphCommitment(ByteString.copyFrom(HashCommitment.GRAPH_NONCE.of(secrets.graphNonce())));
      advertisement = Advertisements.sign(keys, ctx.identity(), ctx.params());
      next = new R1FixGraph(secrets, advertisement);
    } else {
      advertisement = keys.build();
      next = new R1ShareKeys(secrets, advertisement, null);
    }
    return Transition.to(next, SecAggMessage.newBuilder().setRound(ctx.params().round())
        .setAdvertiseKeys(advertisement).build());
  }

  private static byte[] fresh(ClientContext ctx) {
    byte[] value = new byte[32];
    ctx.random().nextBytes(value);
    return value;
  }
}
