package io.fedmesh.node.gossip;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.MemberState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * SWIM engines on a simulated network with virtual time: messages arrive after a latency, may be
 * lost, and are dropped to and from crashed or muted nodes. Deterministic for a seed.
 */
final class SimulatedMesh {
  static final long TICK_MILLIS = 50;
  static final long LATENCY_MILLIS = 2;

  private record InFlight(long at, long order, NodeId from, NodeId to, io.fedmesh.proto.v1.GossipMessage message) {}

  final List<SwimNode> nodes = new ArrayList<>();
  final Set<NodeId> crashed = new HashSet<>();
  final Set<NodeId> muted = new HashSet<>();
  /** Every node some running node has ever seen DEAD, checked each tick. */
  final Set<NodeId> everSeenDead = new HashSet<>();
  /** Nodes behind a firewall, by the relay whose stream carries all their traffic (absent: no stream open). */
  final java.util.Map<NodeId, NodeId> uplinks = new java.util.HashMap<>();
  final Set<NodeId> firewalled = new HashSet<>();
  /** Probes sent (direct, and those helpers send for an indirect probe), as "from->to". */
  final List<String> probes = new ArrayList<>();
  private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>(
      (a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : Long.compare(a.order(), b.order()));
  private final Random network;
  private final double loss;
  private long order;
  long now = 1_000_000;

  SimulatedMesh(int n, double loss, long seed) {
    this.network = new Random(seed);
    this.loss = loss;
    for (int i = 0; i < n; i++) {
      nodes.add(node(i, 1));
    }
    // Everyone joins through node 0.
    for (int i = 1; i < n; i++) {
      send(nodes.get(i).id(), nodes.get(i).join(List.of(nodes.get(0).id()), now));
    }
  }

  SwimNode node(int i, long incarnation) {
    return new SwimNode(SigningKey.generate(SimulationRandom.fromSeed(1000 + i)), incarnation, SwimParameters.lan(), new Random(i));
  }

  void send(NodeId from, List<SwimNode.Outbound> messages) {
    for (SwimNode.Outbound o : messages) {
      if (o.message().hasProbe()) {
        probes.add(from + "->" + o.to());
      }
      if (network.nextDouble() >= loss) {
        inFlight.add(new InFlight(now + LATENCY_MILLIS, order++, from, o.to(), o.message()));
      }
    }
  }

  /** Runs the mesh for {@code millis} of virtual time. */
  void run(long millis) {
    long end = now + millis;
    while (now < end) {
      long nextTick = now + TICK_MILLIS;
      while (!inFlight.isEmpty() && inFlight.peek().at() <= nextTick) {
        InFlight f = inFlight.poll();
        now = Math.max(now, f.at());
        SwimNode to = find(f.to());
        if (to == null || down(f.to()) || down(f.from()) || !routable(f.from()) || !routable(f.to())) {
          continue;
        }
        send(f.to(), to.onMessage(f.from(), f.message(), now));
      }
      now = nextTick;
      for (SwimNode n : List.copyOf(nodes)) {
        if (!down(n.id())) {
          send(n.id(), n.tick(now));
          n.members().values().stream().filter(m -> m.state() == MemberState.MEMBER_STATE_DEAD)
              .forEach(m -> everSeenDead.add(m.id()));
        }
      }
    }
  }

  /** Runs until {@code done} holds (checked each tick) or {@code limit} passes; returns the time it took, or -1. */
  long runUntil(java.util.function.BooleanSupplier done, long limit) {
    long start = now;
    while (now - start < limit) {
      if (done.getAsBoolean()) {
        return now - start;
      }
      run(TICK_MILLIS);
    }
    return done.getAsBoolean() ? now - start : -1;
  }

  /** A firewalled node is reachable (and can send) only while its stream to a running relay is open. */
  private boolean routable(NodeId id) {
    if (!firewalled.contains(id)) {
      return true;
    }
    NodeId relay = uplinks.get(id);
    return relay != null && !down(relay);
  }

  /** Node {@code node} (firewalled from now on) opens its stream to {@code relay}. */
  void attach(NodeId node, NodeId relay) {
    firewalled.add(node);
    uplinks.put(node, relay);
    find(relay).attached(node);
    send(node, find(node).attachedVia(relay, now));
  }

  /** The stream of {@code node} closes (its relay sees it close, if running). */
  void detach(NodeId node) {
    NodeId relay = uplinks.remove(node);
    if (relay != null && !down(relay)) {
      find(relay).detached(node);
    }
  }

  boolean down(NodeId id) {
    return crashed.contains(id) || muted.contains(id);
  }

  SwimNode find(NodeId id) {
    for (SwimNode n : nodes) {
      if (n.id().equals(id)) {
        return n;
      }
    }
    return null;
  }

  /** Whether every running node sees {@code subject} in {@code state}. */
  boolean allSee(NodeId subject, MemberState state) {
    for (SwimNode n : nodes) {
      if (down(n.id()) || n.id().equals(subject)) {
        continue;
      }
      SwimNode.Member m = n.members().get(subject);
      if (m == null || m.state() != state) {
        return false;
      }
    }
    return true;
  }

  /** Whether every running node sees every other running node alive. */
  boolean converged() {
    for (SwimNode n : nodes) {
      if (down(n.id())) {
        continue;
      }
      for (SwimNode other : nodes) {
        if (!down(other.id()) && !other.id().equals(n.id())) {
          SwimNode.Member m = n.members().get(other.id());
          if (m == null || m.state() != MemberState.MEMBER_STATE_ALIVE) {
            return false;
          }
        }
      }
    }
    return true;
  }
}
