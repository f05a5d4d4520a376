package io.fedmesh.coordinator.ledger;

import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.RoundPlan;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The digest an unmask authorisation and its endorsements name: SHA-256 over the round's whole plan
 * (its canonical encoding: federation, round, coordinator, cohort, round nonce, parameters) and the
 * unmask request's survivor and dropped slot lists. The coordinator computes it from the plan it
 * announced and the request it is about to send, a participant from the plan it accepted and the request
 * it received; they match only for the same instance of the round and the same lists, so endorsements of
 * one instance cannot unmask another instance with the same round number.
 */
public final class SurvivorDigest {
  private SurvivorDigest() {}

  public static byte[] of(RoundPlan plan, int[] survivors, int[] dropped) {
    byte[] planHash = LedgerRecords.sha256(CanonicalEncoding.encode(plan));
    ByteBuffer b = ByteBuffer.allocate(32 + 32 + 8 + 4 * (survivors.length + dropped.length));
    b.put("fedmesh/unmask-survivors/v2".getBytes(StandardCharsets.US_ASCII));
    b.put(planHash);
    b.putInt(survivors.length);
    for (int s : survivors) {
      b.putInt(s);
    }
    b.putInt(dropped.length);
    for (int d : dropped) {
      b.putInt(d);
    }
    return LedgerRecords.sha256(java.util.Arrays.copyOf(b.array(), b.position()));
  }
}
