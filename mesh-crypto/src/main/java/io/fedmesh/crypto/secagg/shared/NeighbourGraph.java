package io.fedmesh.crypto.secagg.shared;

import io.fedmesh.crypto.mask.MaskGenerator;
import io.fedmesh.proto.canonical.CanonicalEncoding;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.GraphNonces;
import io.fedmesh.proto.v1.KeyDirectory;
import java.util.Arrays;

/**
 * The SecAgg+ communication graph (Bell et al. 2020): a Harary graph H(k, n) (each node joined to the
 * k/2 nearest on either side of a ring) over the clients that advertised keys, laid on the ring in an
 * order drawn from a seed, so nobody picks who neighbours whom. k = n - 1 is the complete graph of
 * classic SecAgg. Immutable.
 */
public final class NeighbourGraph {
  private final int[] ring;      // ring position -> client index
  private final int[] position;  // client index -> ring position, -1 if absent
  private final int halfDegree;
  private final boolean complete;
  private final byte[] seed;

  /**
   * @param members the clients in the graph, ascending
   * @param k the degree asked for; a graph of fewer than k + 1 members is complete
   * @param seed 32 bytes that fix the ring order
   */
  public NeighbourGraph(int[] members, int k, byte[] seed, int cohortSize) {
    int n = members.length;
    this.seed = seed.clone();
    ring = members.clone();
    // Fisher-Yates with unbiased draws from an AES-CTR stream keyed by the seed.
    MaskGenerator stream = new MaskGenerator(seed, "graph");
    int[] word = new int[1];
    for (int i = n - 1; i > 0; i--) {
      long bound = i + 1L;
      long limit = (1L << 32) - ((1L << 32) % bound);
      long draw;
      do {
        stream.next(word, 0, 1);
        draw = word[0] & 0xFFFFFFFFL;
      } while (draw >= limit);
      int j = (int) (draw % bound);
      int tmp = ring[i];
      ring[i] = ring[j];
      ring[j] = tmp;
    }
    position = new int[cohortSize];
    Arrays.fill(position, -1);
    for (int p = 0; p < n; p++) {
      position[ring[p]] = p;
    }
    complete = k >= n - 1;
    halfDegree = k / 2;
  }

  /**
   * The graph of a round. Its ring order is drawn from the seed that hashes the round's config, the
   * directory and, in malicious-server mode, every advertiser's revealed graph nonce ({@code nonces};
   * null otherwise). Its members are the clients in {@code directory}, or in malicious-server mode the
   * whole cohort (Bell et al.): there, a server that shows a client a smaller directory cannot make the
   * graph smaller and surround the client with its accomplices; absent clients are neighbours that
   * dropped. The server and every client call this with the same directory and nonces and get the same graph.
   */
  public static NeighbourGraph forRound(SecAggParameters params, KeyDirectory directory, GraphNonces nonces) {
    int[] members = params.maliciousServer() ? java.util.stream.IntStream.range(0, params.clients()).toArray()
        : directory.getKeysList().stream().mapToInt(AdvertiseKeys::getClient).sorted().toArray();
    byte[] seed = RoundKeys.graphSeed(params.canonicalConfig(), CanonicalEncoding.encode(directory),
        nonces == null ? new byte[0] : CanonicalEncoding.encode(nonces));
    return new NeighbourGraph(members, params.neighbours(), seed, params.clients());
  }

  /** The clients in ring order (position 0 first): who a server that knows the graph would cut where. */
  public int[] ringOrder() {
    return ring.clone();
  }

  public boolean contains(int client) {
    return client >= 0 && client < position.length && position[client] >= 0;
  }

  /** The neighbours of {@code client}, ascending; empty if it is not in the graph. */
  public int[] neighbours(int client) {
    if (!contains(client)) {
      return new int[0];
    }
    int n = ring.length;
    if (complete) {
      return Arrays.stream(ring).filter(c -> c != client).sorted().toArray();
    }
    int p = position[client];
    int[] out = new int[2 * halfDegree];
    for (int d = 1; d <= halfDegree; d++) {
      out[2 * d - 2] = ring[(p + d) % n];
      out[2 * d - 1] = ring[(p - d + n) % n];
    }
    Arrays.sort(out);
    return out;
  }

  public boolean areNeighbours(int a, int b) {
    if (a == b || !contains(a) || !contains(b)) {
      return false;
    }
    if (complete) {
      return true;
    }
    int n = ring.length;
    int d = Math.abs(position[a] - position[b]);
    return Math.min(d, n - d) <= halfDegree;
  }

  /**
   * Whether {@code members} induce one connected subgraph (an empty or single member set counts as
   * connected). Two members of a Harary graph are adjacent exactly when at most k/2 ring positions
   * apart, so the members stay joined unless two or more of the cyclic gaps between consecutive
   * members' positions exceed k/2. O(m log m), no neighbour lists.
   *
   * @throws IllegalArgumentException if a member is not in the graph
   */
  public boolean connected(int[] members) {
    if (members.length <= 1 || complete) {
      for (int c : members) {
        if (!contains(c)) {
          throw new IllegalArgumentException("client " + c + " is not in the graph");
        }
      }
      return true;
    }
    int[] at = new int[members.length];
    for (int i = 0; i < at.length; i++) {
      if (!contains(members[i])) {
        throw new IllegalArgumentException("client " + members[i] + " is not in the graph");
      }
      at[i] = position[members[i]];
    }
    Arrays.sort(at);
    int wideGaps = at[0] + ring.length - at[at.length - 1] > halfDegree ? 1 : 0;
    for (int i = 1; i < at.length && wideGaps < 2; i++) {
      if (at[i] - at[i - 1] > halfDegree) {
        wideGaps++;
      }
    }
    return wideGaps < 2;
  }

  /** The seed the ring order was drawn from: what survivor-list signatures bind, so signers share one view. */
  public byte[] seed() {
    return seed.clone();
  }

  public int size() {
    return ring.length;
  }
}
