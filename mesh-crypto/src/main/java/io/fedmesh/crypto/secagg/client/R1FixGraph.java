package io.fedmesh.crypto.secagg.client;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.GraphNonce;
import io.fedmesh.proto.v1.SecAggMessage;
import java.util.Map;

/**
 * Malicious-server mode, waiting for the key directory. On it: reveal the graph nonce. The nonce was
 * committed to in the advertisement and is revealed only now that the directory (who is in the
 * graph) is fixed, so the server could not choose the directory, nor a colluding client its keys, to
 * steer the graph's seed: that seed hashes this client's own nonce, unknown to both until now.
 */
record R1FixGraph(Secrets secrets, AdvertiseKeys mine) implements ClientState {
  @Override
  public Phase phase() {
    return Phase.FIX_GRAPH;
  }

  @Override
  public Transition onMessage(ClientContext ctx, SecAggMessage message) {
    if (!message.hasKeyDirectory()) {
      return ClientState.super.onMessage(ctx, message);
    }
    Map<Integer, AdvertiseKeys> keys = DirectoryCheck.check(ctx, message.getKeyDirectory(), mine);
    int t = ctx.params().threshold();
    if (keys.size() < t) {
      return Transition.to(new ClientAborted(new AbortReason(phase(),
          "only " + keys.size() + " clients advertised keys; threshold is " + t)));
    }
    SecAggMessage reveal = SecAggMessage.newBuilder().setRound(ctx.params().round())
        .setGraphNonce(GraphNonce.newBuilder().setClient(ctx.me()).setNonce(ByteString.copyFrom(secrets.graphNonce())))
        .build();
    return Transition.to(new R1ShareKeys(secrets, mine, message.getKeyDirectory()), reveal);
  }
}
