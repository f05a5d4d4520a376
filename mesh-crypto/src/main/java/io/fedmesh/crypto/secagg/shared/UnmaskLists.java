package io.fedmesh.crypto.secagg.shared;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.INCONSISTENT;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.InvalidKeyMaterialException;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.SurvivorListSignature;
import io.fedmesh.proto.v1.SurvivorListStatement;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The two lists an unmask request is answered by: the survivors (whose self-mask seeds are revealed)
 * and the clients that dropped after sharing (whose mask keys are). Checked on arrival: each strictly
 * ascending, inside the cohort and disjoint, since a client on both would have both secrets revealed
 * and its input unmasked. In malicious-server mode, what clients sign and compare in the consistency check.
 */
public record UnmaskLists(int[] survivors, int[] dropped) {

  public UnmaskLists {
    survivors = survivors.clone();
    dropped = dropped.clone();
  }

  public static UnmaskLists of(Collection<Integer> survivors, Collection<Integer> dropped) {
    return new UnmaskLists(survivors.stream().mapToInt(Integer::intValue).sorted().toArray(),
        dropped.stream().mapToInt(Integer::intValue).sorted().toArray());
  }

  /**
   * The lists as a server sent them.
   *
   * @throws ProtocolViolation (offender the server) if a list is not strictly ascending, names a client
   *     outside the cohort of {@code n}, or the two share a client
   */
  public static UnmaskLists parse(List<Integer> survivors, List<Integer> dropped, int n) {
    UnmaskLists lists = new UnmaskLists(ascending(survivors, n, "survivors"), ascending(dropped, n, "dropped"));
    for (int c : lists.dropped) {
      if (lists.survived(c)) {
        // Revealing both secrets of one client would unmask its input: refuse the request outright.
        throw new ProtocolViolation(INCONSISTENT, -1, "client " + c + " is listed as both survivor and dropped");
      }
    }
    return lists;
  }

  public boolean survived(int client) {
    return Arrays.binarySearch(survivors, client) >= 0;
  }

  public boolean dropped(int client) {
    return Arrays.binarySearch(dropped, client) >= 0;
  }

  /**
   * What survivors sign: these lists, bound to the round's parameters and the graph the signer computed.
   * Encoded once, then signed or checked against any number of signatures.
   */
  public Statement statement(SecAggParameters params, NeighbourGraph graph) {
    SurvivorListStatement.Builder statement = SurvivorListStatement.newBuilder()
        .setParamsDigest(ByteString.copyFrom(params.digest()))
        .setGraphSeed(ByteString.copyFrom(graph.seed()));
    Arrays.stream(survivors).forEach(statement::addSurvivors);
    Arrays.stream(dropped).forEach(statement::addDropped);
    return new Statement(CanonicalEncoding.signingInput(statement.build(), null));
  }

  /** The signing input of a {@link SurvivorListStatement}. */
  public static final class Statement {
    private final byte[] signingInput;

    private Statement(byte[] signingInput) {
      this.signingInput = signingInput;
    }

    /** This client's signature over the statement. */
    public SurvivorListSignature sign(SigningKey identity, int me) {
      return SurvivorListSignature.newBuilder().setClient(me)
          .setSignature(ByteString.copyFrom(identity.sign(signingInput))).build();
    }

    /**
     * Whether {@code signature} is the signature over the statement of the identity in
     * {@code advertisement} (an advertisement the caller has already checked against the cohort).
     */
    public boolean signedBy(AdvertiseKeys advertisement, SurvivorListSignature signature) {
      try {
        VerifyingKey key = VerifyingKey.fromSubjectPublicKeyInfo(advertisement.getIdentityKey().toByteArray());
        return key.verify(signingInput, signature.getSignature().toByteArray());
      } catch (InvalidKeyMaterialException e) {
        return false;
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnmaskLists other && Arrays.equals(survivors, other.survivors) && Arrays.equals(dropped, other.dropped);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(survivors) + Arrays.hashCode(dropped);
  }

  @Override
  public String toString() {
    return "survivors " + Arrays.toString(survivors) + ", dropped " + Arrays.toString(dropped);
  }

  private static int[] ascending(List<Integer> list, int n, String what) {
    int[] out = new int[list.size()];
    int previous = -1;
    for (int i = 0; i < out.length; i++) {
      int c = list.get(i);
      // uint32 on the wire: 2^31 and above arrive negative.
      if (c < 0 || c >= n) {
        throw new ProtocolViolation(NOT_IN_ROUND, -1, what + " names client " + Integer.toUnsignedString(c) + " outside the cohort");
      }
      if (c <= previous) {
        throw new ProtocolViolation(INCONSISTENT, -1, what + " is not strictly ascending at client " + c);
      }
      out[i] = previous = c;
    }
    return out;
  }
}
