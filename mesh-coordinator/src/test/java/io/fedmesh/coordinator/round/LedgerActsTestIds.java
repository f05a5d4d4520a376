package io.fedmesh.coordinator.round;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;

/** Node ids as the protocol carries them, for tests of this package. */
final class LedgerActsTestIds {
  private LedgerActsTestIds() {}

  static io.fedmesh.proto.v1.NodeId proto(NodeId id) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(id.toBytes())).build();
  }
}
