package io.fedmesh.coordinator.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The digest an unmask authorisation and its endorsements name: SHA-256 over the federation, the
 * round, and the unmask request's survivor and dropped slot lists. The coordinator computes it from
 * the request it is about to send, a participant from the request it received; they match only for
 * the same lists.
 */
public final class SurvivorDigest {
  private SurvivorDigest() {}

  public static byte[] of(String federation, long round, int[] survivors, int[] dropped) {
    byte[] name = federation.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(32 + name.length + 8 + 8 + 4 * (survivors.length + dropped.length));
    b.put("fedmesh/unmask-survivors/v1".getBytes(StandardCharsets.US_ASCII));
    b.putInt(name.length).put(name).putLong(round);
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
