package io.fedmesh.crypto.secagg.server;

import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.DUPLICATE;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_A_NEIGHBOUR;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.NOT_IN_ROUND;
import static io.fedmesh.crypto.secagg.shared.ProtocolViolation.Code.WRONG_LENGTH;

import io.fedmesh.crypto.secagg.shared.AbortReason;
import io.fedmesh.crypto.secagg.shared.NeighbourGraph;
import io.fedmesh.crypto.secagg.shared.Phase;
import io.fedmesh.crypto.secagg.shared.ProtocolViolation;
import io.fedmesh.crypto.secagg.shared.SecAggParameters;
import io.fedmesh.crypto.secagg.shared.Words;
import io.fedmesh.crypto.AuthenticationFailedException;
import io.fedmesh.crypto.aead.AesGcmKey;
import io.fedmesh.crypto.secagg.shared.ShareBundle;
import io.fedmesh.crypto.secagg.shared.ShareCommitments;
import io.fedmesh.proto.v1.AdvertiseKeys;
import io.fedmesh.proto.v1.EncryptedShares;
import io.fedmesh.proto.v1.ShareComplaint;
import io.fedmesh.proto.v1.ShareKeys;
import io.fedmesh.proto.v1.MaskedInputChunk;
import io.fedmesh.proto.v1.SecAggMessage;
import io.fedmesh.proto.v1.SurvivorList;
import io.fedmesh.proto.v1.UnmaskRequest;
import java.util.ArrayList;
import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.Objects;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Phase 2: collect masked inputs chunk by chunk into one running sum (mod 2^32).
 *
 * <p>A client's chunks are staged (kept as received, no copy) until its input is complete and only
 * then added, because a client that stops half way must leave no trace in the sum: its partial chunks
 * could only be removed by revealing both of its secrets, which would unmask them. Memory is O(m) for
 * the sum plus the chunks of uploads in progress (O(m) in all when inputs arrive one after another, as
 * in-process), never O(n m).
 */
final class S2CollectMaskedInput implements ServerState {
  private final ServerContext ctx;
  private final TreeMap<Integer, AdvertiseKeys> keys;
  private final NeighbourGraph graph;
  private final Set<Integer> sharers;
  private final TreeMap<Integer, ShareKeys> dealt;
  private final Set<Integer> complained = new TreeSet<>();
  private final int[] sum;
  private final Map<Integer, ByteString[]> staged = new HashMap<>();
  private final TreeSet<Integer> complete = new TreeSet<>();
  /** Clients whose upload the driver gave up ({@link #dropUpload}): their chunks are forgotten and refused. */
  private final Set<Integer> abandoned = new TreeSet<>();

  S2CollectMaskedInput(ServerContext ctx, TreeMap<Integer, AdvertiseKeys> keys, NeighbourGraph graph,
      TreeMap<Integer, ShareKeys> dealt) {
    this.ctx = ctx;
    this.keys = keys;
    this.graph = graph;
    this.dealt = dealt;
    this.sharers = new TreeSet<>(dealt.keySet());
    this.sum = new int[ctx.params().words()];
    ctx.meter().held(4L * sum.length);
  }

  @Override
  public Phase phase() {
    return Phase.MASKED_INPUT;
  }

  @Override
  public void onMessage(int from, SecAggMessage message) {
    if (message.hasShareComplaint()) {
      onComplaint(from, message.getShareComplaint());
      return;
    }
    if (!message.hasMaskedInputChunk()) {
      ServerState.super.onMessage(from, message);
    }
    MaskedInputChunk chunk = message.getMaskedInputChunk();
    ctx.checkSender(from, chunk.getClient());
    if (!sharers.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "did not share keys this round");
    }
    if (complained.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "left the round with a complaint");
    }
    if (abandoned.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "its upload was given up");
    }
    SecAggParameters p = ctx.params();
    // uint32 on the wire: an index of 2^31 or more arrives negative.
    if (chunk.getCount() != p.chunkCount() || chunk.getIndex() < 0 || chunk.getIndex() >= p.chunkCount()) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "chunk " + chunk.getIndex() + " of " + chunk.getCount()
          + ", expected " + p.chunkCount() + " chunks");
    }
    int index = chunk.getIndex();
    if (chunk.getWords().size() != p.wordsInChunk(index) * 4) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "chunk " + index + " has " + chunk.getWords().size()
          + " bytes, expected " + p.wordsInChunk(index) * 4);
    }
    ByteString[] existing = staged.get(from);
    if (complete.contains(from) || (existing != null && existing[index] != null)) {
      throw new ProtocolViolation(DUPLICATE, from, "chunk " + index + " already received");
    }
    // Every check passed: only now does the message change anything.
    ByteString[] chunks = existing != null ? existing : new ByteString[p.chunkCount()];
    staged.put(from, chunks);
    // Staging keeps the chunks as they arrived (no copy); a complete upload is added in one pass.
    chunks[index] = chunk.getWords();
    ctx.meter().held(chunk.getWords().size());
    if (Arrays.stream(chunks).allMatch(Objects::nonNull)) {
      for (int c = 0; c < chunks.length; c++) {
        Words.addInto(chunks[c], sum, c * p.chunkWords());
      }
      staged.remove(from);
      ctx.meter().held(-4L * p.words());
      complete.add(from);
    }
  }

  /**
   * A holder leaves the round naming a dealer and revealing the key of the dealer's shares to it. The
   * dealer's own ciphertext (signed by the dealer in malicious-server mode) is opened with that key:
   * AES-GCM authenticates it, so what it holds is what the dealer sent, and a share in it that is
   * outside the field or does not open the dealer's commitment is the dealer's fault, provably.
   */
  private void onComplaint(int from, ShareComplaint complaint) {
    ctx.checkSender(from, complaint.getClient());
    int dealer = complaint.getDealer();
    if (!sharers.contains(from) || complete.contains(from) || staged.containsKey(from) || complained.contains(from)
        || abandoned.contains(from)) {
      throw new ProtocolViolation(NOT_IN_ROUND, from, "may complain only once, before sending any masked input");
    }
    EncryptedShares share = dealt.containsKey(dealer) ? dealt.get(dealer).getSharesList().stream()
        .filter(s -> s.getTo() == from).findFirst().orElse(null) : null;
    if (share == null) {
      throw new ProtocolViolation(NOT_A_NEIGHBOUR, from, "complains about client " + Integer.toUnsignedString(dealer)
          + ", which dealt it no shares");
    }
    if (!complaint.getShareKey().isEmpty() && complaint.getShareKey().size() != AesGcmKey.KEY_BYTES) {
      throw new ProtocolViolation(WRONG_LENGTH, from, "a complaint's key must be empty or " + AesGcmKey.KEY_BYTES + " bytes");
    }
    Complaint.Finding finding;
    String detail;
    try {
      if (complaint.getShareKey().isEmpty()) {
        throw new AuthenticationFailedException("no key");
      }
      byte[] plaintext = new AesGcmKey(complaint.getShareKey().toByteArray()).open(share.getCiphertext().toByteArray(),
          ShareCommitments.associatedData(ctx.keys(), dealer, from, share.getSeedCommitment(), share.getKeyCommitment()));
      ShareBundle bundle = ShareBundle.decode(plaintext, from);
      if (bundle == null) {
        finding = Complaint.Finding.DEALER_AT_FAULT;
        detail = "dealt client " + from + " a share outside the field";
      } else if (!ShareCommitments.opens(ctx.params(), dealer, bundle, share)) {
        finding = Complaint.Finding.DEALER_AT_FAULT;
        detail = "dealt client " + from + " shares that do not match its own commitments";
      } else {
        finding = Complaint.Finding.COMPLAINER_AT_FAULT;
        detail = "complained about good shares from client " + dealer;
      }
    } catch (AuthenticationFailedException e) {
      finding = Complaint.Finding.UNPROVEN;
      detail = complaint.getShareKey().isEmpty() ? "client " + from + " could not open client " + dealer + "'s shares to it"
          : "client " + from + "'s key does not open client " + dealer + "'s shares to it";
    }
    complained.add(from);
    ctx.complaints().add(new Complaint(from, dealer, finding, detail));
    if (finding == Complaint.Finding.DEALER_AT_FAULT) {
      ctx.violations().add(new ProtocolViolation(ProtocolViolation.Code.BAD_DEALING, dealer, detail));
    } else if (finding == Complaint.Finding.COMPLAINER_AT_FAULT) {
      ctx.violations().add(new ProtocolViolation(ProtocolViolation.Code.INCONSISTENT, from, detail));
    }
  }

  @Override
  public void dropUpload(int client) {
    if (complete.contains(client) || complained.contains(client)) {
      return;
    }
    abandoned.add(client);
    ByteString[] chunks = staged.remove(client);
    if (chunks != null) {
      ctx.meter().held(-Arrays.stream(chunks).filter(Objects::nonNull).mapToLong(ByteString::size).sum());
    }
  }

  @Override
  public boolean everyoneAnswered() {
    return complete.size() + complained.size() == sharers.size();
  }

  /**
   * Why unmasking must not happen, or null. The survivors' inputs must stay joined by pairwise masks
   * (Bell et al.: the honest survivors' graph stays connected): if they split into groups, unmasking
   * would reveal each group's sum, and a lone survivor's input alone. So: at least two survivors, and
   * one connected group in the neighbour graph.
   */
  private String splitSurvivors() {
    if (complete.size() < 2) {
      return "only " + complete.size() + " survivor: unmasking would reveal a single input";
    }
    return graph.connected(complete.stream().mapToInt(Integer::intValue).toArray()) ? null
        : "the " + complete.size() + " survivors are not all joined by pairwise masks: unmasking would reveal partial sums";
  }

  @Override
  public Transition close() {
    // Partial uploads: those clients count as dropped, and their chunks are forgotten.
    staged.values().forEach(c -> ctx.meter().held(-Arrays.stream(c).filter(Objects::nonNull).mapToLong(ByteString::size).sum()));
    staged.clear();
    ServerState abort = ctx.abortUnlessEnough(phase(), complete.size(), "sent their whole masked input");
    if (abort != null) {
      return new Transition(abort, List.of());
    }
    if (complete.size() < ctx.params().minSurvivors()) {
      return new Transition(new ServerAborted(new AbortReason(phase(), "only " + complete.size() + " of "
          + ctx.params().clients() + " clients survived; an unmask needs at least " + ctx.params().minSurvivors())), List.of());
    }
    String split = splitSurvivors();
    if (split != null) {
      return new Transition(new ServerAborted(new AbortReason(phase(), split)), List.of());
    }
    TreeSet<Integer> dropped = new TreeSet<>(sharers);
    dropped.removeAll(complete);
    SecAggMessage.Builder request = SecAggMessage.newBuilder().setRound(ctx.params().round());
    ServerState next;
    if (ctx.params().maliciousServer()) {
      request.setSurvivorList(SurvivorList.newBuilder().addAllSurvivors(complete).addAllDropped(dropped));
      next = new S2bCollectListSignatures(ctx, keys, graph, sum, complete, dropped, dealt);
    } else {
      request.setUnmaskRequest(UnmaskRequest.newBuilder().addAllSurvivors(complete).addAllDropped(dropped));
      next = new S3CollectUnmasking(ctx, keys, graph, sum, complete, dropped, complete, dealt);
    }
    SecAggMessage message = request.build();
    List<Outgoing> out = new ArrayList<>(complete.size());
    for (int c : complete) {
      out.add(new Outgoing(c, message));
    }
    return new Transition(next, out);
  }
}
