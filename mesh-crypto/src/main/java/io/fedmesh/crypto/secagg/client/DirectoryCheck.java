package io.fedmesh.crypto.secagg.client;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.KeyDirectory;
import java.util.Map;
import java.util.TreeMap;

/** The checks every key directory must pass before a client uses any of it. */
final class DirectoryCheck {
  private DirectoryCheck() {}

  /**
   * The directory's advertisements by client.
   *
   * @throws ProtocolViolation if it is out of order, names clients outside the cohort, holds keys or
   *     commitments of the wrong length, or lacks this client's own advertisement exactly as sent
   */
  static Map<Integer, AdvertiseKeys> check(ClientContext ctx, KeyDirectory directory, AdvertiseKeys mine) {
    Map<Integer, AdvertiseKeys> keys = new TreeMap<>();
    boolean malicious = ctx.params().maliciousServer();
    int previous = -1;
    for (AdvertiseKeys entry : directory.getKeysList()) {
      int c = entry.getClient();
      if (c < 0 || c >= ctx.params().clients()) {
        throw new ProtocolViolation(NOT_IN_ROUND, -1, "key directory names client " + Integer.toUnsignedString(c)
            + " outside the cohort");
      }
      if (c <= previous) {
        throw new ProtocolViolation(INCONSISTENT, -1, "key directory is not in strictly ascending client order");
      }
      if (entry.getShareKey().size() != 32 || entry.getMaskKey().size() != 32 || entry.getSeedCommitment().size() != 32
          || (malicious && entry.getGraphCommitment().size() != 32)) {
        throw new ProtocolViolation(WRONG_LENGTH, -1, "client " + c + "'s keys and commitments are not 32 bytes each");
      }
      previous = c;
      keys.put(c, entry);
    }
    if (!mine.equals(keys.get(ctx.me()))) {
      throw new ProtocolViolation(INCONSISTENT, -1, "key directory does not hold this client's own advertisement");
    }
    return keys;
  }
}
