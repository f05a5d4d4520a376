package io.fedmesh.node.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.GossipMessage;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.MemberUpdate;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** SWIM engines on a simulated network (virtual time): convergence, failure detection, refutation, rejoin. */
class SwimNodeTest {
  private static final SwimParameters LAN = SwimParameters.lan();

  @Test
  void tenNodesJoiningThroughOneSeedConvergeWithinAFewPeriods() {
    SimulatedMesh mesh = new SimulatedMesh(10, 0.0, 1);
    long took = mesh.runUntil(mesh::converged, 30_000);
    assertThat(took).as("convergence time").isBetween(0L, 5_000L);
  }

  @Test
  void aCrashedNodeIsDeclaredDeadByAllWithinTheDocumentedTime() {
    SimulatedMesh mesh = new SimulatedMesh(10, 0.0, 2);
    mesh.runUntil(mesh::converged, 30_000);
    NodeId victim = mesh.nodes.get(3).id();
    mesh.crashed.add(victim);

    long took = mesh.runUntil(() -> mesh.allSee(victim, MemberState.MEMBER_STATE_DEAD), 60_000);

    // Probed within about n intervals at worst (round robin), suspected at the end of that interval,
    // dead after the suspicion timeout, spread in a few more intervals.
    long bound = 10 * LAN.probeIntervalMillis() + LAN.suspicionTimeoutMillis(10) + 5 * LAN.probeIntervalMillis();
    assertThat(took).as("detection time").isBetween(LAN.suspicionTimeoutMillis(10), bound);
  }

  @Test
  void aRestartedNodeRejoinsWithAHigherIncarnation() {
    SimulatedMesh mesh = new SimulatedMesh(6, 0.0, 3);
    mesh.runUntil(mesh::converged, 30_000);
    SwimNode old = mesh.nodes.get(2);
    mesh.crashed.add(old.id());
    mesh.runUntil(() -> mesh.allSee(old.id(), MemberState.MEMBER_STATE_DEAD), 60_000);

    // Same identity key, a new process: it starts counting from its (later) start time.
    SwimNode restarted = mesh.node(2, 1 + mesh.now);
    mesh.nodes.set(2, restarted);
    mesh.crashed.remove(old.id());
    mesh.send(restarted.id(), restarted.join(List.of(mesh.nodes.get(0).id()), mesh.now));

    long took = mesh.runUntil(mesh::converged, 30_000);
    assertThat(took).isBetween(0L, 10_000L);
    assertThat(mesh.nodes.get(4).members().get(restarted.id()).incarnation()).isGreaterThan(old.incarnation());
  }

  @Test
  void aSlowNodeThatStillAnswersRefutesSuspicionAndIsNotDeclaredDead() {
    SimulatedMesh mesh = new SimulatedMesh(8, 0.0, 4);
    mesh.runUntil(mesh::converged, 30_000);
    SwimNode slow = mesh.nodes.get(5);
    long before = slow.incarnation();
    // Silent for two probe intervals (a long GC pause, a starved CPU): long enough to be suspected,
    // shorter than the suspicion timeout.
    mesh.muted.add(slow.id());
    mesh.run(2 * LAN.probeIntervalMillis() + 500);
    mesh.muted.remove(slow.id());
    mesh.run(LAN.suspicionTimeoutMillis(8) + 5_000);

    assertThat(mesh.allSee(slow.id(), MemberState.MEMBER_STATE_ALIVE)).isTrue();
    assertThat(mesh.everSeenDead).as("declared dead at some point").doesNotContain(slow.id());
    assertThat(slow.incarnation()).as("refuted at a higher incarnation if it was suspected").isGreaterThanOrEqualTo(before);
  }

  @Test
  void withTenPercentMessageLossNobodyIsDeclaredDeadFalsely() {
    SimulatedMesh mesh = new SimulatedMesh(10, 0.10, 5);
    mesh.runUntil(mesh::converged, 60_000);
    mesh.run(60_000);
    assertThat(mesh.everSeenDead).as("declared dead at some point").isEmpty();
  }

  @Test
  void onlyANodeItselfCanSayItIsAliveAtANewIncarnation() {
    SwimNode a = new SwimNode(SigningKey.generate(SimulationRandom.fromSeed(1)), 1, LAN, new Random(1));
    SigningKey bKey = SigningKey.generate(SimulationRandom.fromSeed(2));
    SigningKey mallory = SigningKey.generate(SimulationRandom.fromSeed(3));
    a.onMessage(bKey.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(AliveUpdates.sign(bKey, 5)).build(), 0);
    assertThat(a.members().get(bKey.verifyingKey().nodeId()).incarnation()).isEqualTo(5);

    // Mallory re-signs b's news at a higher incarnation with her own key, and alters a signed one.
    MemberUpdate forged = AliveUpdates.sign(mallory, 9).toBuilder().setNode(AliveUpdates.sign(bKey, 9).getNode()).build();
    MemberUpdate altered = AliveUpdates.sign(bKey, 6).toBuilder().setIncarnation(99).build();
    // (In two messages: of two ALIVEs about one node in one message, only the higher is even checked.)
    a.onMessage(mallory.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(forged).build(), 0);
    a.onMessage(mallory.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(altered).build(), 0);

    assertThat(a.members().get(bKey.verifyingKey().nodeId()).incarnation()).isEqualTo(5);
    assertThat(a.refusedUpdates()).isEqualTo(2);
  }

  private static MemberUpdate report(SigningKey subject, MemberState state, long inc, SigningKey reporter) {
    return MemberUpdate.newBuilder().setNode(AliveUpdates.id(subject.verifyingKey().nodeId())).setState(state)
        .setIncarnation(inc).setReporter(AliveUpdates.id(reporter.verifyingKey().nodeId())).build();
  }

  @Test
  void deathOrSuspicionAtAnIncarnationNobodyAnnouncedIsRefused() {
    SigningKey aKey = SigningKey.generate(SimulationRandom.fromSeed(1));
    SwimNode a = new SwimNode(aKey, 7, LAN, new Random(1));
    SigningKey bKey = SigningKey.generate(SimulationRandom.fromSeed(2));
    SigningKey mallory = SigningKey.generate(SimulationRandom.fromSeed(3));
    NodeId m = mallory.verifyingKey().nodeId();
    a.onMessage(bKey.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(AliveUpdates.sign(bKey, 5)).build(), 0);

    // Dead at the largest incarnation: about b (which only announced 5), and about a itself.
    a.onMessage(m, GossipMessage.newBuilder().addUpdates(report(bKey, MemberState.MEMBER_STATE_DEAD, Long.MAX_VALUE, mallory))
        .addUpdates(report(aKey, MemberState.MEMBER_STATE_DEAD, Long.MAX_VALUE, mallory)).build(), 0);

    assertThat(a.members().get(bKey.verifyingKey().nodeId()).state()).isEqualTo(MemberState.MEMBER_STATE_ALIVE);
    assertThat(a.incarnation()).isEqualTo(7);
    assertThat(a.refusedUpdates()).isEqualTo(2);
    // At its current incarnation, a refutes by one.
    a.onMessage(m, GossipMessage.newBuilder().addUpdates(report(aKey, MemberState.MEMBER_STATE_SUSPECT, 7, mallory)).build(), 0);
    assertThat(a.incarnation()).isEqualTo(8);
  }

  @Test
  void oneMemberCannotForgeConfirmationsToShortenASuspicion() {
    SwimNode a = new SwimNode(SigningKey.generate(SimulationRandom.fromSeed(1)), 1, LAN, new Random(1));
    SigningKey bKey = SigningKey.generate(SimulationRandom.fromSeed(2));
    SigningKey mallory = SigningKey.generate(SimulationRandom.fromSeed(3));
    NodeId m = mallory.verifyingKey().nodeId();
    a.onMessage(bKey.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(AliveUpdates.sign(bKey, 5)).build(), 0);
    a.onMessage(m, GossipMessage.newBuilder().addUpdates(AliveUpdates.sign(mallory, 1)).build(), 0);
    GossipMessage.Builder claims = GossipMessage.newBuilder();
    for (int i = 0; i < 5; i++) {
      claims.addUpdates(report(bKey, MemberState.MEMBER_STATE_SUSPECT, 5, SigningKey.generate(SimulationRandom.fromSeed(50 + i))));
    }
    a.onMessage(m, claims.build(), 0);
    // With forged reporters counted, the suspicion would end at the shortest timeout; it must not.
    a.tick(LAN.suspicionTimeoutMillis(3) + 10);
    assertThat(a.members().get(bKey.verifyingKey().nodeId()).state()).isEqualTo(MemberState.MEMBER_STATE_SUSPECT);
    a.tick(LAN.suspicionTimeoutMillis(3, 0) + 10);
    assertThat(a.members().get(bKey.verifyingKey().nodeId()).state()).isEqualTo(MemberState.MEMBER_STATE_DEAD);
  }

  @Test
  void aliveNewsWithoutAnAdmittedCertificateAddsNoMember() {
    SigningKey bKey = SigningKey.generate(SimulationRandom.fromSeed(2));
    // Admit only news carrying a certificate (a node admits what its CA issued; here: any non-empty one).
    SwimNode a = new SwimNode(SigningKey.generate(SimulationRandom.fromSeed(1)), 1, "", new byte[0],
        u -> !u.getCertificate().isEmpty(), LAN, new Random(1));
    a.onMessage(bKey.verifyingKey().nodeId(), GossipMessage.newBuilder().addUpdates(AliveUpdates.sign(bKey, 5)).build(), 0);
    assertThat(a.members()).hasSize(1);
    assertThat(a.refusedUpdates()).isEqualTo(1);
    a.onMessage(bKey.verifyingKey().nodeId(), GossipMessage.newBuilder()
        .addUpdates(AliveUpdates.sign(bKey, 6, "127.0.0.1:1", new byte[] {1})).build(), 0);
    assertThat(a.members()).hasSize(2);
    assertThat(a.address(bKey.verifyingKey().nodeId())).contains("127.0.0.1:1");
  }

  @Test
  void oneMessageCostsAtMostOneCheckPerSubjectHowEverManyIncarnationsItCarries() {
    SigningKey mallory = SigningKey.generate(SimulationRandom.fromSeed(3));
    SigningKey bKey = SigningKey.generate(SimulationRandom.fromSeed(2));
    java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
    SwimNode a = new SwimNode(SigningKey.generate(SimulationRandom.fromSeed(1)), 1, "", new byte[0],
        u -> checks.incrementAndGet() > 0, LAN, new Random(1));
    // A peer re-signs its own ALIVE at rising incarnations, 256 to a message, with one piece about b.
    GossipMessage.Builder flood = GossipMessage.newBuilder();
    for (int inc = 1; inc <= 255; inc++) {
      flood.addUpdates(AliveUpdates.sign(mallory, inc));
    }
    flood.addUpdates(AliveUpdates.sign(bKey, 9));
    a.onMessage(mallory.verifyingKey().nodeId(), flood.build(), 0);
    assertThat(checks.get()).isEqualTo(2);
    assertThat(a.members().get(mallory.verifyingKey().nodeId()).incarnation()).isEqualTo(255);
    assertThat(a.members().get(bKey.verifyingKey().nodeId()).incarnation()).isEqualTo(9);
    // The same in a sync response.
    a.onMessage(mallory.verifyingKey().nodeId(), GossipMessage.newBuilder().setSyncResponse(io.fedmesh.proto.v1.SyncResponse
        .newBuilder().addMembers(AliveUpdates.sign(mallory, 300)).addMembers(AliveUpdates.sign(mallory, 301))
        .addMembers(AliveUpdates.sign(mallory, 299))).build(), 0);
    assertThat(checks.get()).isEqualTo(3);
    assertThat(a.members().get(mallory.verifyingKey().nodeId()).incarnation()).isEqualTo(301);
  }

  /** Six nodes; the last is behind a firewall, attached via node 0, after the mesh converged. */
  @Test
  void aSuspicionOfARelayedMemberFromAnyoneButItsRelayGetsTheLongestTimeout() {
    SimulatedMesh mesh = meshWithFirewalledNode(15);
    NodeId hidden = mesh.nodes.get(5).id();
    SwimNode observer = mesh.nodes.get(2);
    NodeId rumourMonger = mesh.nodes.get(3).id();
    long inc = observer.members().get(hidden).incarnation();
    // Node 3 says the hidden node is suspect (it cannot even probe it); the hidden node is cut off, so it cannot refute.
    mesh.crashed.add(hidden);
    observer.onMessage(rumourMonger, GossipMessage.newBuilder().addUpdates(MemberUpdate.newBuilder()
        .setNode(AliveUpdates.id(hidden)).setState(MemberState.MEMBER_STATE_SUSPECT).setIncarnation(inc)
        .setReporter(AliveUpdates.id(rumourMonger))).build(), mesh.now);
    long start = mesh.now;
    while (observer.members().get(hidden).state() != MemberState.MEMBER_STATE_DEAD && mesh.now - start < 60_000) {
      mesh.send(observer.id(), observer.tick(mesh.now += 50));
    }
    assertThat(mesh.now - start).isGreaterThanOrEqualTo(LAN.suspicionTimeoutMillis(6, 0));
  }

  @Test
  void onlyTheProbedMemberItselfCanAnswerAnIndirectProbe() {
    SimulatedMesh mesh = new SimulatedMesh(4, 0.0, 16);
    mesh.runUntil(mesh::converged, 30_000);
    SwimNode helper = mesh.nodes.get(1);
    NodeId requester = mesh.nodes.get(0).id();
    NodeId target = mesh.nodes.get(2).id();
    NodeId liar = mesh.nodes.get(3).id();
    List<SwimNode.Outbound> out = helper.onMessage(requester, GossipMessage.newBuilder().setSequence(41)
        .setIndirectProbe(io.fedmesh.proto.v1.IndirectProbe.newBuilder().setTarget(AliveUpdates.id(target))).build(), mesh.now);
    long sequence = out.stream().filter(o -> o.to().equals(target)).findFirst().orElseThrow().message().getSequence();
    GossipMessage ackForTarget = GossipMessage.newBuilder().setSequence(sequence)
        .setAck(io.fedmesh.proto.v1.Ack.newBuilder().setFrom(AliveUpdates.id(target))).build();

    // Someone else claims the target answered: nothing is passed on to the requester.
    assertThat(helper.onMessage(liar, ackForTarget, mesh.now)).noneMatch(o -> o.to().equals(requester) && o.message().hasAck());
    // The target's own ack is.
    assertThat(helper.onMessage(target, ackForTarget, mesh.now)).anyMatch(o -> o.to().equals(requester) && o.message().hasAck()
        && o.message().getSequence() == 41);
  }

  private static SimulatedMesh meshWithFirewalledNode(long seed) {
    SimulatedMesh mesh = new SimulatedMesh(6, 0.0, seed);
    SwimNode hidden = mesh.nodes.get(5);
    mesh.runUntil(mesh::converged, 30_000);
    mesh.attach(hidden.id(), mesh.nodes.get(0).id());
    mesh.runUntil(() -> mesh.allSee(hidden.id(), MemberState.MEMBER_STATE_ALIVE)
        && mesh.nodes.get(1).via(hidden.id()).isPresent(), 30_000);
    return mesh;
  }

  @Test
  void aFirewalledNodeIsProbedByItsRelayAloneAndProbesOnlyItsRelay() {
    SimulatedMesh mesh = meshWithFirewalledNode(11);
    NodeId hidden = mesh.nodes.get(5).id();
    NodeId relay = mesh.nodes.get(0).id();
    mesh.probes.clear();

    mesh.run(30_000);

    assertThat(mesh.converged()).isTrue();
    assertThat(mesh.nodes.get(3).via(hidden)).contains(relay);
    assertThat(mesh.probes).filteredOn(p -> p.endsWith("->" + hidden)).isNotEmpty().allMatch(p -> p.startsWith(relay + "->"));
    assertThat(mesh.probes).filteredOn(p -> p.startsWith(hidden + "->")).isNotEmpty().allMatch(p -> p.endsWith("->" + relay));
    assertThat(mesh.everSeenDead).isEmpty();
  }

  @Test
  void whenItsRelayDiesAFirewalledNodeThatAttachesElsewhereWithinTheGraceIsNeverDeclaredDead() {
    SimulatedMesh mesh = meshWithFirewalledNode(12);
    NodeId hidden = mesh.nodes.get(5).id();
    NodeId relay = mesh.nodes.get(0).id();
    NodeId next = mesh.nodes.get(1).id();
    mesh.crashed.add(relay);
    mesh.detach(hidden);

    mesh.run(4_000); // its reconnect backoff, well inside the grace period
    // Its own probes of the dead relay went unanswered: what tells a node behind a firewall to leave.
    assertThat(mesh.nodes.get(5).failedProbeSince(relay)).isPresent();
    mesh.attach(hidden, next);
    long took = mesh.runUntil(() -> mesh.allSee(relay, MemberState.MEMBER_STATE_DEAD)
        && mesh.allSee(hidden, MemberState.MEMBER_STATE_ALIVE) && mesh.nodes.get(4).via(hidden).equals(java.util.Optional.of(next)), 60_000);
    mesh.run(LAN.relayGraceMillis() + 10_000);

    assertThat(took).isNotNegative();
    assertThat(mesh.allSee(hidden, MemberState.MEMBER_STATE_ALIVE)).isTrue();
    assertThat(mesh.everSeenDead).containsExactly(relay);
  }

  @Test
  void aFirewalledNodeLeftWithoutARelayIsDeclaredDeadOnlyAfterTheGracePeriod() {
    SimulatedMesh mesh = meshWithFirewalledNode(13);
    NodeId hidden = mesh.nodes.get(5).id();
    NodeId relay = mesh.nodes.get(0).id();
    mesh.crashed.add(relay);
    mesh.detach(hidden);
    assertThat(mesh.runUntil(() -> mesh.everSeenDead.contains(relay), 60_000)).isNotNegative();

    // Not with its relay: only once the grace period, counted from the relay's death, and then the
    // (shortest) suspicion timeout ran out.
    long hiddenDeadAfter = mesh.runUntil(() -> mesh.everSeenDead.contains(hidden), 60_000);
    assertThat(hiddenDeadAfter).isBetween(LAN.relayGraceMillis() + LAN.suspicionTimeoutMillis(6),
        LAN.relayGraceMillis() + LAN.suspicionTimeoutMillis(6) + 10_000);
    assertThat(mesh.runUntil(() -> mesh.allSee(hidden, MemberState.MEMBER_STATE_DEAD), 30_000)).isNotNegative();
  }

  @Test
  void aStreamThatReconnectsToTheSameRelayWithinTheGraceRaisesNoSuspicion() {
    SimulatedMesh mesh = meshWithFirewalledNode(14);
    NodeId hidden = mesh.nodes.get(5).id();
    NodeId relay = mesh.nodes.get(0).id();
    mesh.detach(hidden);
    mesh.run(LAN.relayGraceMillis() / 2);
    mesh.attach(hidden, relay);
    mesh.run(LAN.relayGraceMillis() + 10_000);
    assertThat(mesh.everSeenDead).isEmpty();
    assertThat(mesh.allSee(hidden, MemberState.MEMBER_STATE_ALIVE)).isTrue();

    // The same outage without a reconnect: the relay stops vouching, and after the grace the node is suspected, then dead.
    mesh.detach(hidden);
    long took = mesh.runUntil(() -> mesh.allSee(hidden, MemberState.MEMBER_STATE_DEAD), 60_000);
    assertThat(took).isBetween(LAN.relayGraceMillis(), LAN.relayGraceMillis() + LAN.suspicionTimeoutMillis(6) + 10_000);
  }
}
