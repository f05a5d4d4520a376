package io.fedmesh.crypto.secagg.client;

import io.fedmesh.crypto.agreement.X25519;
import io.fedmesh.crypto.agreement.X25519KeyPair;
import io.fedmesh.crypto.secagg.shared.Advertisements;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.SeedCommitment;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.SecAggMessage;

/** Before the round: on start, make this round's two key pairs and advertise their public halves. */
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
    byte[] selfMaskSeed = new byte[32];
    ctx.random().nextBytes(selfMaskSeed);
    AdvertiseKeys.Builder keys = AdvertiseKeys.newBuilder()
        .setClient(ctx.me())
        .setShareKey(com.google.protobuf.ByteString.copyFrom(shareKeys.publicKey()))
        .setMaskKey(com.google.protobuf.ByteString.copyFrom(maskKeys.publicKey()))
        .setSeedCommitment(com.google.protobuf.ByteString.copyFrom(SeedCommitment.of(selfMaskSeed)));
    AdvertiseKeys advertisement = ctx.identity() == null ? keys.build()
        : Advertisements.sign(keys, ctx.identity(), ctx.params());
    SecAggMessage advertise = SecAggMessage.newBuilder()
        .setRound(ctx.params().round())
        .setAdvertiseKeys(advertisement)
        .build();
    return Transition.to(new R1ShareKeys(shareKeys, maskKeys, selfMaskSeed, advertise.getAdvertiseKeys()), advertise);
  }
}
