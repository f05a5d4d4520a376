package io.fedmesh.node.gossip;

import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.Ack;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.IndirectProbe;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.MemberUpdate;
import io.fedmesh.proto.v1.Probe;
import io.fedmesh.proto.v1.SyncRequest;
import io.fedmesh.proto.v1.SyncResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One node's SWIM membership, sans-I/O (Das et al. 2002; suspicion and refutation as in memberlist):
 * feed it the clock ({@link #tick}) and the messages it receives, send what it returns. No sockets,
 * threads or clocks inside: the same engine runs in a simulated network in tests and benchmarks, and
 * over gRPC in a node. Not thread-safe: one caller at a time.
 *
 * <p>Each probe interval it probes the next member of a shuffled round-robin order; without an ack
 * within the probe timeout it asks {@code indirectChecks} others to probe it; without any ack by the
 * end of the interval it suspects the member, which is declared dead after the suspicion timeout
 * unless it refutes with a higher incarnation, signed by itself. News rides on every message.
 */
public final class SwimNode {
  /** What this node believes about a member. */
  public record Member(NodeId id, MemberState state, long incarnation, long sinceMillis) {}

  /** Who has reported a suspicion, beyond the first (Lifeguard's independent confirmations). */
  private final Map<NodeId, java.util.Set<NodeId>> confirmations = new HashMap<>();

  /** A message to send. */
  public record Outbound(NodeId to, GossipMessage message) {}

  /**
   * Decides whether ALIVE news may add or refresh a member: signed by its subject, with a certificate
   * that admits it. Called on the engine's thread, only for news newer than what the node holds, and at
   * most once per subject per message.
   */
  @FunctionalInterface
  public interface NewsCheck {
    /** @param from the peer that passed the news on (as the transport authenticated it) */
    boolean admits(NodeId from, MemberUpdate update, long nowMillis);
  }

  private static final class Broadcast {
    final MemberUpdate update;
    int transmits;

    Broadcast(MemberUpdate update) {
      this.update = update;
    }
  }

  private record Relay(NodeId requester, long sequence, NodeId target, long createdMillis) {}

  private final NodeId self;
  private final SigningKey key;
  private final String address;
  private final byte[] certificate;
  private final NewsCheck check;
  private final SwimParameters params;
  private final Random random;
  private long incarnation;
  private MemberUpdate ownAlive;
  private final Map<NodeId, Member> members = new TreeMap<>();
  private final Map<NodeId, MemberUpdate> aliveUpdates = new HashMap<>();
  private String raftAddress = "";
  private final Map<NodeId, io.fedmesh.crypto.signature.VerifyingKey> identityKeys = new HashMap<>();
  private final Map<NodeId, Broadcast> broadcasts = new HashMap<>();
  private final Map<Long, Relay> relays = new HashMap<>();
  private final List<NodeId> probeOrder = new ArrayList<>();
  private int probeIndex;
  private long sequence;
  // The probe of the current interval.
  private NodeId probeTarget;
  private long probeSequence;
  private long probeStartedAt = Long.MIN_VALUE;
  private boolean probeAcked;
  private boolean indirectSent;
  private final java.util.Set<NodeId> helpers = new java.util.HashSet<>();
  private long refusedUpdates;
  private long version;
  /** When this node's own probe of a member last went unanswered (cleared when it answers one). */
  private final Map<NodeId, Long> lastFailedProbe = new HashMap<>();
  private int suspects;
  /** The relay each relayed member announced (parsed once, from its ALIVE news). */
  private final Map<NodeId, NodeId> vias = new HashMap<>();
  /** Behind a firewall: the relay this node is attached through (null while it has none, or when reachable). */
  private NodeId via;
  /** Members whose stream to this node (as their relay) is open. */
  private final java.util.Set<NodeId> attachedHere = new java.util.HashSet<>();
  /**
   * Relayed members whose suspicion comes from the one who can tell (their relay, or this node's own
   * grace period running out): these get the shortest suspicion timeout, since nobody else can confirm.
   */
  private final java.util.Set<NodeId> vouchedSuspicions = new java.util.HashSet<>();
  /** Relayed members nobody vouches for right now (relay dead, or stream to this node closed), since when. */
  private final Map<NodeId, Long> unvouchedSince = new HashMap<>();
  /** Round-trip times of acked direct probes since the last {@link #drainProbeRoundTrips}, in ms. */
  private final List<Long> probeRoundTrips = new ArrayList<>();
  private long lastSyncMillis;
  private long startedMillis = Long.MIN_VALUE;

  /**
   * @param incarnation where this node starts counting; a node that restarts must start above what it
   *     used before (its start time in milliseconds does), so its new ALIVE news wins over old news
   */
  public SwimNode(SigningKey key, long incarnation, SwimParameters params, Random random) {
    this(key, incarnation, "", params, random);
  }

  /** @param address HOST:PORT where this node takes gossip, announced (signed) in its ALIVE news */
  public SwimNode(SigningKey key, long incarnation, String address, SwimParameters params, Random random) {
    this(key, incarnation, address, new byte[0], u -> true, params, random);
  }

  /**
   * @param certificate this node's DER certificate, carried in its ALIVE news
   * @param admit which ALIVE news (already signature-checked) may add or refresh a member: a node admits
   *     only members whose certificate its CA issued and has not revoked, so nobody can fill the table
   *     with made-up members
   */
  public SwimNode(SigningKey key, long incarnation, String address, byte[] certificate,
      java.util.function.Predicate<MemberUpdate> admit, SwimParameters params, Random random) {
    this(key, incarnation, address, certificate, (from, update, now) -> AliveUpdates.valid(update) && admit.test(update),
        params, random);
  }

  /**
   * @param check the whole check of ALIVE news (signature and admission): a runner passes one that
   *     caches results and charges each sender for the checks its news costs
   */
  public SwimNode(SigningKey key, long incarnation, String address, byte[] certificate, NewsCheck check,
      SwimParameters params, Random random) {
    this.address = address;
    this.certificate = certificate.clone();
    this.check = check;
    this.key = key;
    this.self = key.verifyingKey().nodeId();
    this.params = params;
    this.random = random;
    this.incarnation = incarnation;
    this.ownAlive = AliveUpdates.sign(key, incarnation, address, null, this.certificate);
  }

  /**
   * Announces this node's Raft endpoint in its ALIVE news from now on (a new incarnation, so the news
   * outranks what it said before). Call before the node joins, or the mesh learns it with the next news.
   */
  public void advertiseRaft(String raftAddress) {
    this.raftAddress = raftAddress;
    incarnation = Math.addExact(incarnation, 1);
    ownAlive = AliveUpdates.sign(key, incarnation, address, via, certificate, raftAddress);
    enqueue(self, ownAlive);
  }

  /** The Raft endpoint {@code node} announced in its admitted ALIVE news, or empty. */
  public java.util.Optional<String> raftAddress(NodeId node) {
    MemberUpdate alive = node.equals(self) ? ownAlive : aliveUpdates.get(node);
    return alive == null || alive.getRaftAddress().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(alive.getRaftAddress());
  }

  /** The identity key {@code node} announced in its admitted ALIVE news (its hash is the node id), or empty. */
  public java.util.Optional<io.fedmesh.crypto.signature.VerifyingKey> identityKey(NodeId node) {
    return java.util.Optional.ofNullable(node.equals(self) ? key.verifyingKey() : identityKeys.get(node));
  }

  /** The DER certificate {@code node} carried in its admitted ALIVE news, or empty. */
  public java.util.Optional<com.google.protobuf.ByteString> certificate(NodeId node) {
    MemberUpdate alive = node.equals(self) ? ownAlive : aliveUpdates.get(node);
    return alive == null ? java.util.Optional.empty() : java.util.Optional.of(alive.getCertificate());
  }

  /**
   * Applies the admission rule again to every member's latest ALIVE news (the rule changed: the CA's
   * revocation list did). A member whose news it now refuses is forgotten at once, with its key, its
   * route and the news about it still being spread: not merely marked dead, since its refutation, which
   * a dead member may send, would be refused as well. News of it that arrives later is refused the same way.
   *
   * @param admit the admission rule, uncached (the caches of the news check may hold the old list's verdicts)
   * @return the members forgotten
   */
  public List<NodeId> readmit(java.util.function.Predicate<MemberUpdate> admit) {
    List<NodeId> evicted = new ArrayList<>();
    for (Map.Entry<NodeId, MemberUpdate> e : new ArrayList<>(aliveUpdates.entrySet())) {
      if (!admit.test(e.getValue())) {
        forget(e.getKey());
        evicted.add(e.getKey());
      }
    }
    return evicted;
  }

  private void forget(NodeId node) {
    Member old = members.remove(node);
    if (old != null && old.state() == MemberState.MEMBER_STATE_SUSPECT) {
      suspects--;
    }
    aliveUpdates.remove(node);
    identityKeys.remove(node);
    vias.remove(node);
    broadcasts.remove(node);
    confirmations.remove(node);
    vouchedSuspicions.remove(node);
    unvouchedSince.remove(node);
    lastFailedProbe.remove(node);
    attachedHere.remove(node);
    helpers.remove(node);
    relays.values().removeIf(r -> r.requester().equals(node) || r.target().equals(node));
    if (node.equals(probeTarget)) {
      probeTarget = null;
    }
    version++;
  }

  /** The relay {@code node} said it is attached through (in its own signed ALIVE news), or empty. */
  public java.util.Optional<NodeId> via(NodeId node) {
    if (node.equals(self)) {
      return java.util.Optional.ofNullable(via);
    }
    MemberUpdate alive = aliveUpdates.get(node);
    return alive == null || !alive.hasVia() ? java.util.Optional.empty() : java.util.Optional.ofNullable(nodeId(alive.getVia()));
  }

  /**
   * This node, behind a firewall, now has a stream to {@code relay}: it announces so in new ALIVE news
   * (a higher incarnation, so it outranks news of an earlier relay), probes only its relay from now on,
   * and pulls the membership from it.
   */
  public List<Outbound> attachedVia(NodeId relay, long nowMillis) {
    if (!address.isEmpty()) {
      throw new IllegalStateException("a node with an address is reached directly, not via a relay");
    }
    via = relay;
    version++;
    incarnation = Math.addExact(incarnation, 1);
    ownAlive = AliveUpdates.sign(key, incarnation, address, via, certificate, raftAddress);
    enqueue(self, ownAlive);
    // A probe started over the old stream says nothing about the new one.
    probeTarget = null;
    probeStartedAt = nowMillis;
    return join(List.of(relay), nowMillis);
  }

  /** {@code node}'s stream to this node opened: while it stays open, this node vouches for it if it is relayed here. */
  public void attached(NodeId node) {
    attachedHere.add(node);
  }

  /** {@code node}'s stream to this node closed. */
  public void detached(NodeId node) {
    attachedHere.remove(node);
  }

  /**
   * When this node's own probe of {@code node} last went unanswered, if its latest probe did (not what
   * others say: a firewalled node leaves its relay on its own evidence only).
   */
  public java.util.OptionalLong failedProbeSince(NodeId node) {
    Long at = lastFailedProbe.get(node);
    return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
  }

  /** Round-trip times (ms) of the direct probes acked since the last call. */
  public List<Long> drainProbeRoundTrips() {
    List<Long> out = List.copyOf(probeRoundTrips);
    probeRoundTrips.clear();
    return out;
  }

  /** Where {@code node} said it takes gossip (in its own signed ALIVE news), or empty. */
  public java.util.Optional<String> address(NodeId node) {
    MemberUpdate alive = aliveUpdates.get(node);
    return alive == null || alive.getAddress().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(alive.getAddress());
  }

  public NodeId id() {
    return self;
  }

  public long incarnation() {
    return incarnation;
  }

  /** Updates refused (a bad signature on ALIVE news, an update about an unknown node's suspicion). */
  public long refusedUpdates() {
    return refusedUpdates;
  }

  /** Records a member's new state; counts suspects and bumps the version readers compare against. */
  private void put(Member m) {
    Member old = members.put(m.id(), m);
    if (old != null && old.state() == MemberState.MEMBER_STATE_SUSPECT) {
      suspects--;
    }
    if (m.state() == MemberState.MEMBER_STATE_SUSPECT) {
      suspects++;
    }
    version++;
  }

  /**
   * Grows whenever membership, an address or a relay changes: a runner republishes what it derives
   * from the membership (routes, gauges) only when this moved, not on every tick.
   */
  public long version() {
    return version;
  }

  /** How many members this node knows, itself included. */
  public int size() {
    return members.size() + 1;
  }

  /** What this node believes about {@code node}, or null if it does not know it. */
  public Member member(NodeId node) {
    return node.equals(self) ? new Member(self, MemberState.MEMBER_STATE_ALIVE, incarnation, 0) : members.get(node);
  }

  /** Every member this node knows, itself included, by id. */
  public Map<NodeId, Member> members() {
    Map<NodeId, Member> out = new TreeMap<>(members);
    out.put(self, new Member(self, MemberState.MEMBER_STATE_ALIVE, incarnation, 0));
    return out;
  }

  /** Joining: ask each seed for the whole membership (with this node's own ALIVE news attached). */
  public List<Outbound> join(List<NodeId> seeds, long nowMillis) {
    List<Outbound> out = new ArrayList<>();
    for (NodeId seed : seeds) {
      if (!seed.equals(self)) {
        out.add(new Outbound(seed, message(next(), seed).setSyncRequest(SyncRequest.getDefaultInstance())
            .addUpdates(ownAlive).build()));
      }
    }
    return out;
  }

  /** Time passes: start the next probe, escalate an unanswered one, expire suspicions. */
  public List<Outbound> tick(long nowMillis) {
    List<Outbound> out = new ArrayList<>();
    expireSuspicions(nowMillis);
    checkVouching(nowMillis);
    // An indirect probe whose target never answered: its requester stopped waiting one interval ago.
    relays.values().removeIf(r -> nowMillis > r.createdMillis() + params.probeIntervalMillis());
    if (probeTarget != null && !probeAcked && !indirectSent && nowMillis >= probeStartedAt + params.probeTimeoutMillis()) {
      indirectSent = true;
      // A member behind this node's relay stream, or this node's own relay seen from behind a firewall,
      // has one path only: others asked to probe it would go the same way.
      List<NodeId> candidates = relayOf(probeTarget) != null || via != null ? new ArrayList<>() : liveMembers(probeTarget);
      Collections.shuffle(candidates, random);
      for (NodeId helper : candidates.subList(0, Math.min(params.indirectChecks(), candidates.size()))) {
        helpers.add(helper);
        out.add(new Outbound(helper, message(probeSequence, helper)
            .setIndirectProbe(IndirectProbe.newBuilder().setTarget(AliveUpdates.id(probeTarget))).build()));
      }
    }
    if (nowMillis >= probeStartedAt + params.probeIntervalMillis()) {
      if (probeTarget != null && !probeAcked) {
        lastFailedProbe.put(probeTarget, nowMillis);
        suspect(probeTarget, nowMillis);
      }
      startProbe(nowMillis, out);
    }
    if (startedMillis == Long.MIN_VALUE) {
      startedMillis = nowMillis;
    }
    // While young, a node pulls often: the seed it joined through may not yet know the nodes that
    // started with it (a whole mesh starting at once), and waiting a full interval would be slow.
    long syncEvery = nowMillis - startedMillis < params.syncIntervalMillis()
        ? 2 * params.probeIntervalMillis() : params.syncIntervalMillis();
    if (nowMillis >= lastSyncMillis + syncEvery) {
      lastSyncMillis = nowMillis;
      List<NodeId> live = liveMembers(null);
      if (via != null) {
        live = List.of(via); // behind a firewall, the relay is the one peer it talks to
      }
      if (!live.isEmpty()) {
        NodeId peer = live.get(random.nextInt(live.size()));
        out.add(new Outbound(peer, message(next(), peer).setSyncRequest(SyncRequest.getDefaultInstance()).addUpdates(ownAlive).build()));
      }
    }
    return out;
  }

  /** A message from {@code from} (as the transport authenticated it). */
  public List<Outbound> onMessage(NodeId from, GossipMessage message, long nowMillis) {
    for (MemberUpdate update : newest(message.getUpdatesList())) {
      apply(update, from, nowMillis);
    }
    List<Outbound> out = new ArrayList<>();
    switch (message.getBodyCase()) {
      case PROBE -> out.add(new Outbound(from, message(message.getSequence(), from)
          .setAck(Ack.newBuilder().setFrom(AliveUpdates.id(self))).build()));
      case ACK -> {
        NodeId acked = nodeId(message.getAck().getFrom());
        // Only the probed member itself, or a member asked to probe it, can answer for it.
        if (acked != null && acked.equals(probeTarget) && message.getSequence() == probeSequence
            && (from.equals(probeTarget) || helpers.contains(from))) {
          if (!probeAcked && from.equals(probeTarget)) {
            probeRoundTrips.add(nowMillis - probeStartedAt);
          }
          lastFailedProbe.remove(acked);
          probeAcked = true;
        }
        Relay relay = relays.get(message.getSequence());
        // Only the probed member's own ack is passed on: a guessed sequence from anyone else is not.
        if (relay != null && acked != null && acked.equals(relay.target()) && from.equals(relay.target())) {
          relays.remove(message.getSequence());
          out.add(new Outbound(relay.requester(), message(relay.sequence(), relay.requester()).setAck(message.getAck()).build()));
        }
      }
      case INDIRECT_PROBE -> {
        NodeId target = nodeId(message.getIndirectProbe().getTarget());
        if (target != null && !target.equals(self)) {
          long s = next();
          relays.put(s, new Relay(from, message.getSequence(), target, nowMillis));
          out.add(new Outbound(target, message(s, target).setProbe(Probe.newBuilder().setTarget(AliveUpdates.id(target))).build()));
        }
      }
      case SYNC_REQUEST -> {
        SyncResponse.Builder all = SyncResponse.newBuilder().addMembers(ownAlive);
        for (Member m : members.values()) {
          MemberUpdate alive = aliveUpdates.get(m.id());
          if (alive != null) {
            all.addMembers(alive);
          }
          if (m.state() != MemberState.MEMBER_STATE_ALIVE) {
            all.addMembers(report(m.id(), m.state(), m.incarnation()));
          }
        }
        out.add(new Outbound(from, message(message.getSequence(), from).setSyncResponse(all).build()));
      }
      case SYNC_RESPONSE -> newest(message.getSyncResponse().getMembersList()).forEach(u -> apply(u, from, nowMillis));
      case BODY_NOT_SET -> { }
    }
    return out;
  }

  private void startProbe(long nowMillis, List<Outbound> out) {
    helpers.clear();
    probeStartedAt = nowMillis;
    probeAcked = false;
    indirectSent = false;
    probeTarget = nextTarget();
    if (probeTarget != null) {
      probeSequence = next();
      out.add(new Outbound(probeTarget, message(probeSequence, probeTarget)
          .setProbe(Probe.newBuilder().setTarget(AliveUpdates.id(probeTarget))).build()));
    }
  }

  /**
   * The member the next probe will most likely go to (the next in the round-robin order), if known:
   * a runner can open the connection to it ahead of time, so the probe's timeout measures the member,
   * not a TLS handshake.
   */
  public java.util.Optional<NodeId> upcomingProbeTarget() {
    if (via != null) {
      return java.util.Optional.of(via);
    }
    for (int i = probeIndex; i < probeOrder.size(); i++) {
      if (probeable(probeOrder.get(i))) {
        return java.util.Optional.of(probeOrder.get(i));
      }
    }
    return java.util.Optional.empty(); // the pass ends: the next order is not drawn yet
  }

  /** Round-robin over a shuffled order, reshuffled each pass, skipping the dead (SWIM's time-bounded completeness). */
  private NodeId nextTarget() {
    if (!address.isEmpty() || via == null) {
      return nextReachableTarget();
    }
    return members.containsKey(via) ? via : null; // behind a firewall: the relay is the only member it can see for itself
  }

  private NodeId nextReachableTarget() {
    for (int attempts = 0; attempts < 2; attempts++) {
      while (probeIndex < probeOrder.size()) {
        NodeId candidate = probeOrder.get(probeIndex++);
        if (probeable(candidate)) {
          return candidate;
        }
      }
      probeOrder.clear();
      probeOrder.addAll(members.keySet());
      Collections.shuffle(probeOrder, random);
      probeIndex = 0;
    }
    return null;
  }

  /** Live members reachable directly (not behind a relay), except {@code except}. */
  /** Not dead, and reached directly, or relayed through this node's open stream (a relayed member is probed by its relay alone). */
  private boolean probeable(NodeId candidate) {
    Member m = members.get(candidate);
    NodeId relay = relayOf(candidate);
    return m != null && m.state() != MemberState.MEMBER_STATE_DEAD
        && (relay == null || relay.equals(self) && attachedHere.contains(candidate));
  }

  private List<NodeId> liveMembers(NodeId except) {
    List<NodeId> out = new ArrayList<>();
    for (Member m : members.values()) {
      if (m.state() == MemberState.MEMBER_STATE_ALIVE && !m.id().equals(except) && relayOf(m.id()) == null) {
        out.add(m.id());
      }
    }
    return out;
  }

  private void suspect(NodeId node, long nowMillis) {
    Member m = members.get(node);
    // Already suspect (news from others): this failed probe is an independent confirmation.
    if (m != null && m.state() != MemberState.MEMBER_STATE_DEAD) {
      apply(report(node, MemberState.MEMBER_STATE_SUSPECT, m.incarnation()), self, nowMillis);
    }
  }

  private void expireSuspicions(long nowMillis) {
    if (suspects == 0) {
      return;
    }
    for (Member m : new ArrayList<>(members.values())) {
      if (m.state() != MemberState.MEMBER_STATE_SUSPECT) {
        continue;
      }
      // Nobody but its relay can probe a relayed member, so nobody could confirm: when the relay says
      // so, or its grace period ran out here, the shortest timeout applies. Anyone else's word about it
      // gets the longest, as an unconfirmed suspicion does.
      int confirmed = relayOf(m.id()) != null && vouchedSuspicions.contains(m.id()) ? params.indirectChecks()
          : Math.max(0, confirmations.getOrDefault(m.id(), java.util.Set.of()).size() - 1);
      if (nowMillis >= m.sinceMillis() + params.suspicionTimeoutMillis(members.size() + 1, confirmed)) {
        apply(report(m.id(), MemberState.MEMBER_STATE_DEAD, m.incarnation()), self, nowMillis);
      }
    }
  }

  /**
   * The relay vouches for a member behind it while the member's stream to it is open (at the relay) and
   * while the relay is not dead (everywhere else). A member unvouched for the grace period is suspected,
   * and from there SWIM runs as for any member: it refutes by announcing itself via a new relay.
   */
  private void checkVouching(long nowMillis) {
    if (vias.isEmpty()) {
      return;
    }
    for (Member m : new ArrayList<>(members.values())) {
      NodeId relay = relayOf(m.id());
      boolean vouched = relay == null || m.state() != MemberState.MEMBER_STATE_ALIVE
          || (relay.equals(self) ? attachedHere.contains(m.id())
              : members.containsKey(relay) && members.get(relay).state() != MemberState.MEMBER_STATE_DEAD);
      if (vouched) {
        unvouchedSince.remove(m.id());
      } else if (nowMillis >= unvouchedSince.computeIfAbsent(m.id(), id -> nowMillis) + params.relayGraceMillis()) {
        unvouchedSince.remove(m.id());
        suspect(m.id(), nowMillis);
        vouchedSuspicions.add(m.id());
      }
    }
  }

  /** The relay a member announced, or null if it is reached directly. */
  private NodeId relayOf(NodeId node) {
    return vias.get(node);
  }

  /**
   * SWIM's precedence: higher incarnation wins; at equal incarnation DEAD beats SUSPECT beats ALIVE.
   * SUSPECT and DEAD news may not name an incarnation above the subject's latest signed ALIVE one
   * (only the subject can start an incarnation), and a suspicion counts as a confirmation only when
   * its reporter is the peer that sent it ({@code from}, authenticated by the transport).
   */
  private void apply(MemberUpdate update, NodeId from, long nowMillis) {
    NodeId node = nodeId(update.getNode());
    if (node == null) {
      refusedUpdates++;
      return;
    }
    long inc = update.getIncarnation();
    if (node.equals(self)) {
      if (update.getState() != MemberState.MEMBER_STATE_ALIVE) {
        // Someone thinks this node is suspect or dead: refute with a higher incarnation, signed. If it
        // already has, the news still travelling is stale: spread the refutation again, first in the
        // reply to whoever just repeated it. News about an incarnation this node never announced is
        // forged (pushing the counter to overflow would make it unable to refute ever after).
        if (inc > incarnation) {
          refusedUpdates++;
          return;
        }
        if (inc == incarnation) {
          incarnation = Math.addExact(incarnation, 1);
          ownAlive = AliveUpdates.sign(key, incarnation, address, via, certificate, raftAddress);
        }
        enqueue(self, ownAlive);
      }
      return;
    }
    Member m = members.get(node);
    switch (update.getState()) {
      case MEMBER_STATE_ALIVE -> {
        if (m != null && inc <= m.incarnation()) {
          return; // old news: not worth a signature check
        }
        if (!check.admits(from, update, nowMillis)) {
          refusedUpdates++;
          return;
        }
        confirmations.remove(node);
        vouchedSuspicions.remove(node);
        put(new Member(node, MemberState.MEMBER_STATE_ALIVE, inc, nowMillis));
        if (!aliveUpdates.containsKey(node) || !aliveUpdates.get(node).getIdentityKey().equals(update.getIdentityKey())) {
          try {
            identityKeys.put(node, io.fedmesh.crypto.signature.VerifyingKey.fromSubjectPublicKeyInfo(update.getIdentityKey().toByteArray()));
          } catch (CryptoException e) {
            refusedUpdates++; // cannot happen after valid(), which parsed the same bytes
            return;
          }
        }
        aliveUpdates.put(node, update);
        NodeId relay = update.hasVia() ? nodeId(update.getVia()) : null;
        if (relay == null) {
          vias.remove(node);
        } else {
          vias.put(node, relay);
        }
        version++;
        enqueue(node, update);
      }
      case MEMBER_STATE_SUSPECT -> {
        if (m == null || inc > m.incarnation() && aliveUpdates.containsKey(node)
            && inc > aliveUpdates.get(node).getIncarnation()) {
          refusedUpdates++;
          return;
        }
        boolean newer = (m.state() == MemberState.MEMBER_STATE_ALIVE && inc >= m.incarnation())
            || (m.state() == MemberState.MEMBER_STATE_SUSPECT && inc > m.incarnation());
        NodeId reporter = nodeId(update.getReporter());
        if (newer) {
          put(new Member(node, MemberState.MEMBER_STATE_SUSPECT, inc, nowMillis));
          confirmations.put(node, new java.util.HashSet<>());
          vouchedSuspicions.remove(node);
          enqueue(node, update);
        }
        if (reporter != null && reporter.equals(relayOf(node)) && (from.equals(reporter) || newer)) {
          vouchedSuspicions.add(node); // the relay itself says so
        }
        java.util.Set<NodeId> confirmed = confirmations.computeIfAbsent(node, n -> new java.util.HashSet<>());
        if (reporter != null && reporter.equals(from) && m.state() != MemberState.MEMBER_STATE_DEAD
            && inc == members.get(node).incarnation() && confirmed.size() <= params.indirectChecks()
            && confirmed.add(reporter) && !newer) {
          enqueue(node, update); // a new, independent confirmation: worth spreading too
        }
      }
      case MEMBER_STATE_DEAD -> {
        if (m == null || aliveUpdates.containsKey(node) && inc > aliveUpdates.get(node).getIncarnation()) {
          refusedUpdates++;
          return;
        }
        if (m.state() != MemberState.MEMBER_STATE_DEAD && inc >= m.incarnation()) {
          confirmations.remove(node);
          put(new Member(node, MemberState.MEMBER_STATE_DEAD, inc, nowMillis));
          enqueue(node, update);
        }
      }
      default -> refusedUpdates++;
    }
  }

  /**
   * The news of one message, with only the highest-incarnation ALIVE update per subject: the others
   * would lose to it anyway, and checking each would let one message cost a signature and certificate
   * check per copy (a peer re-signing its own ALIVE at rising incarnations). Other news is kept as is.
   */
  static List<MemberUpdate> newest(List<MemberUpdate> updates) {
    Map<com.google.protobuf.ByteString, Integer> best = new HashMap<>();
    int alive = 0;
    for (int i = 0; i < updates.size(); i++) {
      MemberUpdate u = updates.get(i);
      if (u.getState() == MemberState.MEMBER_STATE_ALIVE) {
        alive++;
        Integer j = best.get(u.getNode().getSha256());
        if (j == null || updates.get(j).getIncarnation() < u.getIncarnation()) {
          best.put(u.getNode().getSha256(), i);
        }
      }
    }
    if (best.size() == alive) {
      return updates; // one ALIVE per subject already, as honest nodes send
    }
    List<MemberUpdate> out = new ArrayList<>(updates.size());
    for (int i = 0; i < updates.size(); i++) {
      MemberUpdate u = updates.get(i);
      if (u.getState() != MemberState.MEMBER_STATE_ALIVE || best.get(u.getNode().getSha256()) == i) {
        out.add(u);
      }
    }
    return out;
  }

  private MemberUpdate report(NodeId node, MemberState state, long inc) {
    return MemberUpdate.newBuilder().setNode(AliveUpdates.id(node)).setState(state).setIncarnation(inc)
        .setReporter(AliveUpdates.id(self)).build();
  }

  /** Newer news about a node replaces older news still being spread. */
  private void enqueue(NodeId node, MemberUpdate update) {
    broadcasts.put(node, new Broadcast(update));
  }

  /**
   * A message to {@code to} with the news least spread so far; news about {@code to} itself goes first,
   * so a suspected member hears of it from whoever probes it, and can refute in its ack.
   */
  private GossipMessage.Builder message(long seq, NodeId to) {
    GossipMessage.Builder b = GossipMessage.newBuilder().setSequence(seq);
    Member recipient = members.get(to);
    if (recipient != null && recipient.state() != MemberState.MEMBER_STATE_ALIVE && !broadcasts.containsKey(to)) {
      // We think the recipient suspect or dead, and it is talking to us: tell it, so it can refute.
      // (Its news may have stopped spreading long ago; without this a live node declared dead by
      // mistake would never learn it.)
      b.addUpdates(report(to, recipient.state(), recipient.incarnation()));
    }
    int limit = params.retransmitLimit(members.size() + 1);
    List<Map.Entry<NodeId, Broadcast>> queue = new ArrayList<>(broadcasts.entrySet());
    queue.sort(Comparator.comparingInt(e -> e.getKey().equals(to) ? -1 : e.getValue().transmits));
    for (Map.Entry<NodeId, Broadcast> e : queue.subList(0, Math.min(params.maxPiggyback(), queue.size()))) {
      b.addUpdates(e.getValue().update);
      if (++e.getValue().transmits >= limit) {
        broadcasts.remove(e.getKey());
      }
    }
    return b;
  }

  private long next() {
    return ++sequence;
  }

  private static NodeId nodeId(io.fedmesh.proto.v1.NodeId id) {
    try {
      return NodeId.ofBytes(id.getSha256().toByteArray());
    } catch (CryptoException e) {
      return null;
    }
  }
}
