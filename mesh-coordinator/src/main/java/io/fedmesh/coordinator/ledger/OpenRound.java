package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.RoundStarted;
import java.util.Optional;

/**
 * The round the ledger has started and not yet ended: who started it in which term, and, once
 * unmasking is authorised, the survivor digest and the hash of the authorising record.
 */
public record OpenRound(RoundStarted started, NodeId coordinator, long term, Optional<ByteString> survivorsDigest,
                        Optional<ByteString> unmaskRecord, long unmaskSequence) {
  public long round() {
    return started.getRound();
  }

  public boolean unmaskAuthorised() {
    return survivorsDigest.isPresent();
  }

  OpenRound authorised(ByteString digest, ByteString record, long sequence) {
    return new OpenRound(started, coordinator, term, Optional.of(digest), Optional.of(record), sequence);
  }
}
