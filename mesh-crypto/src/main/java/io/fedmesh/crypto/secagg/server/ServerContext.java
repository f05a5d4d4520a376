package io.fedmesh.crypto.secagg.server;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.RoundKeys;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.WorkMeter;

/** The round's parameters and keys, shared by every server state. */
record ServerContext(SecAggParameters params, RoundKeys keys, WorkMeter meter, java.util.List<ProtocolViolation> violations,
    java.util.List<Complaint> complaints) {

  ServerState abortUnlessEnough(Phase phase, int have, String who) {
    int t = params.threshold();
    return have < t ? new ServerAborted(new AbortReason(phase, "only " + have + " of " + params.clients()
        + " clients " + who + "; threshold is " + t)) : null;
  }

  void checkSender(int from, int claimed) {
    if (claimed != from) {
      throw new ProtocolViolation(ProtocolViolation.Code.INCONSISTENT, from,
          "message claims to be from client " + claimed);
    }
  }
}
