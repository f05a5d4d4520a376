package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.LedgerRecord;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hashes of audit-chain records: SHA-256 of a record's canonical encoding, signature included. */
public final class LedgerRecords {
  /** What genesis points back to. */
  public static final ByteString NO_PREVIOUS = ByteString.copyFrom(new byte[32]);

  private LedgerRecords() {}

  public static ByteString hash(LedgerRecord record) {
    return ByteString.copyFrom(sha256(CanonicalEncoding.encode(record)));
  }

  public static String hex(ByteString hash) {
    return HexFormat.of().formatHex(hash.toByteArray());
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
