package io.fedmesh.crypto.secagg.shared;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.AdvertiseKeys;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Signed key advertisements: a client binds its two round keys and its seed commitment to its
 * identity (the key whose hash is its node id in the cohort) and to the round's exact parameters, so
 * neither a substituted key nor a changed parameter can pass unnoticed.
 */
public final class Advertisements {

  /** Why an advertisement cannot be trusted. */
  public enum Problem {
    /** It carries no identity key or no signature. */
    UNSIGNED,
    /** Its identity key is malformed, or not the one whose hash the cohort lists for that client. */
    IDENTITY_MISMATCH,
    /** It was made for other round parameters. */
    PARAMETER_MISMATCH,
    /** The signature does not verify: some field was changed after signing (a substituted key). */
    BAD_SIGNATURE
  }

  private static final com.google.protobuf.Descriptors.FieldDescriptor SIGNATURE =
      AdvertiseKeys.getDescriptor().findFieldByNumber(AdvertiseKeys.SIGNATURE_FIELD_NUMBER);

  private Advertisements() {}

  /** Adds the identity key and parameter digest to {@code unsigned} and signs it. */
  public static AdvertiseKeys sign(AdvertiseKeys.Builder unsigned, SigningKey identity, SecAggParameters params) {
    AdvertiseKeys body = unsigned.clearSignature()
        .setIdentityKey(ByteString.copyFrom(identity.verifyingKey().subjectPublicKeyInfo()))
        .setParamsDigest(ByteString.copyFrom(params.digest()))
        .build();
    byte[] signature = identity.sign(CanonicalEncoding.signingInput(body, SIGNATURE));
    return body.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  /** What is wrong with {@code ad} for a round with {@code params}, or empty if it is good. */
  public static Optional<Problem> check(AdvertiseKeys ad, SecAggParameters params) {
    if (ad.getIdentityKey().isEmpty() || ad.getSignature().isEmpty()) {
      return Optional.of(Problem.UNSIGNED);
    }
    VerifyingKey key;
    try {
      key = VerifyingKey.fromSubjectPublicKeyInfo(ad.getIdentityKey().toByteArray());
    } catch (InvalidKeyMaterialException e) {
      return Optional.of(Problem.IDENTITY_MISMATCH);
    }
    NodeId listed = NodeId.ofBytes(params.config().getCohort(ad.getClient()).getSha256().toByteArray());
    if (!key.nodeId().equals(listed)) {
      return Optional.of(Problem.IDENTITY_MISMATCH);
    }
    if (!MessageDigest.isEqual(ad.getParamsDigest().toByteArray(), params.digest())) {
      return Optional.of(Problem.PARAMETER_MISMATCH);
    }
    byte[] input = CanonicalEncoding.signingInput(ad, SIGNATURE);
    return key.verify(input, ad.getSignature().toByteArray()) ? Optional.empty() : Optional.of(Problem.BAD_SIGNATURE);
  }
}
