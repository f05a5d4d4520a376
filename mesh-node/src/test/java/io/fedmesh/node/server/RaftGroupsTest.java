package io.fedmesh.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.raft.RaftGroups;
import io.fedmesh.node.raft.RaftPeerAddress;
import io.fedmesh.node.raft.RaftSettings;
import io.fedmesh.node.raft.ReplicatedMachine;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ratis glue on real sockets with real mutual TLS: groups per federation on three servers, entries
 * from any member, failover when the leader stops, a restarted member catching up from a snapshot the
 * leader sends it, and a peer from another CA kept out.
 */
class RaftGroupsTest {
  static final RaftSettings FAST = new RaftSettings(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(3), 10);

  @TempDir
  Path dir;

  final List<RaftGroups> open = new ArrayList<>();

  /** An append-only list of strings; counts how often it was restored from a snapshot. */
  static final class Journal implements ReplicatedMachine {
    final List<String> entries = new ArrayList<>();
    final AtomicInteger restores = new AtomicInteger();
    long lastTerm;

    @Override
    public synchronized byte[] apply(long term, long index, String leader, byte[] entry) {
      lastTerm = term;
      if (leader.length() != 64) {
        throw new IllegalStateException("entry not stamped by its leader: '" + leader + "'");
      }
      entries.add(new String(entry, StandardCharsets.UTF_8));
      return ByteBuffer.allocate(4).putInt(entries.size()).array();
    }

    @Override
    public synchronized byte[] query(byte[] request) {
      return String.join(",", entries).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized byte[] snapshot() {
      try {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(entries.size());
        for (String e : entries) {
          out.writeUTF(e);
        }
        return b.toByteArray();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public synchronized void restore(byte[] snapshot) {
      ByteBuffer b = ByteBuffer.wrap(snapshot);
      entries.clear();
      int n = b.getInt();
      for (int i = 0; i < n; i++) {
        byte[] s = new byte[b.getShort() & 0xffff];
        b.get(s);
        entries.add(new String(s, StandardCharsets.UTF_8));
      }
      restores.incrementAndGet();
    }

    synchronized List<String> all() {
      return List.copyOf(entries);
    }
  }

  record Peer(TestMesh.Identity identity, int port, Path storage, Map<String, Journal> journals) {
    RaftPeerAddress address() {
      return new RaftPeerAddress(identity.id(), new InetSocketAddress("127.0.0.1", port));
    }
  }

  Peer peer(TestMesh mesh, String name) throws Exception {
    return new Peer(mesh.node(name), freePort(), dir.resolve(name + "-raft"), new ConcurrentHashMap<>());
  }

  RaftGroups start(Peer p, Path ca) throws IOException {
    return start(p, ca, null);
  }

  RaftGroups start(Peer p, Path ca, java.util.function.Supplier<java.util.Set<NodeId>> allowed) throws IOException {
    RaftGroups g = new RaftGroups(p.identity().id(), new InetSocketAddress("127.0.0.1", p.port()), p.storage(), p.identity().key(),
        p.identity().cert(), ca, FAST, federation -> p.journals().computeIfAbsent(federation, f -> new Journal()), allowed);
    g.start();
    open.add(g);
    return g;
  }

  @AfterEach
  void close() {
    open.forEach(RaftGroups::close);
  }

  @Test
  void groupsPerFederationFailoverAndCatchUpFromASnapshot() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    List<Peer> peers = List.of(peer(mesh, "a"), peer(mesh, "b"), peer(mesh, "c"));
    List<RaftGroups> groups = new ArrayList<>();
    for (Peer p : peers) {
      groups.add(start(p, mesh.dir.resolve("ca.crt")));
    }
    List<RaftPeerAddress> all = peers.stream().map(Peer::address).toList();
    List<RaftPeerAddress> twoOfThem = all.subList(0, 2);
    for (RaftGroups g : groups) {
      g.join("fraud", all);
      g.join("fraud", all); // idempotent
    }
    groups.get(0).join("credit", twoOfThem);
    groups.get(1).join("credit", twoOfThem);

    // Entries from a follower and from the leader reach every member, in one order.
    RaftGroups leader = await(() -> groups.stream().anyMatch(g -> g.isLeader("fraud")), groups, "fraud");
    RaftGroups follower = groups.stream().filter(g -> g != leader).findFirst().orElseThrow();
    assertThat(ByteBuffer.wrap(follower.submit("fraud", bytes("one")).get(10, TimeUnit.SECONDS)).getInt()).isEqualTo(1);
    assertThat(ByteBuffer.wrap(leader.submit("fraud", bytes("two")).get(10, TimeUnit.SECONDS)).getInt()).isEqualTo(2);
    groups.get(0).submit("credit", bytes("loan")).get(10, TimeUnit.SECONDS);
    waitFor(() -> peers.stream().allMatch(p -> p.journals().get("fraud") != null && p.journals().get("fraud").all().size() == 2));
    for (Peer p : peers) {
      assertThat(p.journals().get("fraud").all()).containsExactly("one", "two");
    }
    // Tenants are isolated: c never holds the credit group, and fraud's entries never reach credit's machine.
    assertThat(groups.get(2).federations()).containsExactly("fraud");
    assertThat(groups.get(0).federations()).containsExactly("credit", "fraud");
    assertThat(peers.get(2).journals()).doesNotContainKey("credit");
    waitFor(() -> peers.get(1).journals().get("credit") != null && peers.get(1).journals().get("credit").all().size() == 1);
    assertThat(peers.get(1).journals().get("credit").all()).containsExactly("loan");

    // The leader stops: another is elected and takes entries.
    int stopped = groups.indexOf(leader);
    long before = leader.term("fraud");
    long t0 = System.nanoTime();
    leader.close();
    List<RaftGroups> rest = groups.stream().filter(g -> g != leader).toList();
    RaftGroups next = await(() -> rest.stream().anyMatch(g -> g.isLeader("fraud")), rest, "fraud");
    System.out.printf("raft failover: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
    assertThat(next.term("fraud")).isGreaterThan(before);
    // Enough entries that the log the stopped member lacks is purged behind a snapshot.
    for (int i = 0; i < 40; i++) {
      next.submit("fraud", bytes("e" + i)).get(10, TimeUnit.SECONDS);
    }
    // It restarts from its storage, rejoins its groups, and catches up through the leader's snapshot.
    Peer back = peers.get(stopped);
    back.journals().clear();
    RaftGroups restarted = start(back, mesh.dir.resolve("ca.crt"));
    assertThat(restarted.federations()).contains("fraud");
    List<String> expected = peers.get(groups.indexOf(next)).journals().get("fraud").all();
    try {
      waitFor(() -> back.journals().get("fraud") != null && back.journals().get("fraud").all().size() == expected.size());
    } catch (AssertionError e) {
      throw new AssertionError("restarted member has " + (back.journals().get("fraud") == null ? "no journal"
          : back.journals().get("fraud").all().size() + " entries, " + back.journals().get("fraud").restores.get() + " restores")
          + ", expected " + expected.size() + "; applied index " + restarted.appliedIndex("fraud") + " vs leader "
          + next.appliedIndex("fraud") + ", leader " + restarted.leader("fraud"), e);
    }
    assertThat(back.journals().get("fraud").all()).isEqualTo(expected);
    assertThat(back.journals().get("fraud").restores.get()).as("restored from a snapshot").isPositive();
  }

  @Test
  void aPeerWithAnotherCasCertificateCannotSubmitOrDisturbTheGroup() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    TestMesh rogueCa = new TestMesh(dir.resolve("rogue"), "Rogue CA");
    List<Peer> peers = List.of(peer(mesh, "a"), peer(mesh, "b"), peer(mesh, "c"));
    List<RaftGroups> groups = new ArrayList<>();
    for (Peer p : peers) {
      groups.add(start(p, mesh.dir.resolve("ca.crt")));
    }
    List<RaftPeerAddress> all = peers.stream().map(Peer::address).toList();
    for (RaftGroups g : groups) {
      g.join("fraud", all);
    }
    RaftGroups leader = await(() -> groups.stream().anyMatch(g -> g.isLeader("fraud")), groups, "fraud");
    leader.submit("fraud", bytes("honest")).get(10, TimeUnit.SECONDS);
    long term = leader.term("fraud");
    // The rogue claims to be the group's third member (its own key, the rogue CA's certificate).
    Peer rogue = new Peer(rogueCa.node("rogue"), freePort(), dir.resolve("rogue-raft"), new ConcurrentHashMap<>());
    RaftGroups r = start(rogue, rogueCa.dir.resolve("ca.crt"));
    List<RaftPeerAddress> claimed = new ArrayList<>(all);
    claimed.add(rogue.address());
    r.join("fraud", claimed);
    assertThrows(Exception.class, () -> r.submit("fraud", bytes("forged")).get(20, TimeUnit.SECONDS));
    Thread.sleep(1500);
    assertThat(leader.isLeader("fraud")).isTrue();
    assertThat(leader.term("fraud")).isEqualTo(term);
    for (Peer p : peers) {
      waitFor(() -> p.journals().get("fraud") != null && p.journals().get("fraud").all().size() == 1);
      assertThat(p.journals().get("fraud").all()).containsExactly("honest");
    }
  }

  @Test
  void aCertifiedNodeThatIsNoCoordinatorCannotSpeakRaftWithTheGroup() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("pki"), "Consortium CA");
    List<Peer> peers = List.of(peer(mesh, "a"), peer(mesh, "b"), peer(mesh, "c"));
    java.util.Set<NodeId> coordinators = new java.util.TreeSet<>(peers.stream().map(p -> p.identity().id()).toList());
    List<RaftGroups> groups = new ArrayList<>();
    for (Peer p : peers) {
      groups.add(start(p, mesh.dir.resolve("ca.crt"), () -> coordinators));
    }
    List<RaftPeerAddress> all = peers.stream().map(Peer::address).toList();
    for (RaftGroups g : groups) {
      g.join("fraud", all);
    }
    RaftGroups leader = await(() -> groups.stream().anyMatch(g -> g.isLeader("fraud")), groups, "fraud");
    leader.submit("fraud", bytes("honest")).get(10, TimeUnit.SECONDS);
    long term = leader.term("fraud");
    // A participant: the same CA issued its certificate, but it is no coordinator. It poses as a group member.
    Peer participant = peer(mesh, "participant");
    RaftGroups p = start(participant, mesh.dir.resolve("ca.crt"), () -> coordinators);
    List<RaftPeerAddress> claimed = new ArrayList<>(all);
    claimed.add(participant.address());
    p.join("fraud", claimed);
    assertThrows(Exception.class, () -> p.submit("fraud", bytes("forged")).get(20, TimeUnit.SECONDS));
    Thread.sleep(1500);
    assertThat(leader.isLeader("fraud")).isTrue();
    assertThat(leader.term("fraud")).isEqualTo(term);
    for (Peer honest : peers) {
      waitFor(() -> honest.journals().get("fraud") != null && honest.journals().get("fraud").all().size() == 1);
      assertThat(honest.journals().get("fraud").all()).containsExactly("honest");
    }
  }

  @Test
  void portZeroIsRefused() {
    NodeId id = NodeId.ofBytes(new byte[32]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RaftGroups(id,
        new InetSocketAddress("127.0.0.1", 0), dir, dir, dir, dir, FAST, f -> new Journal()));
    assertThat(e.getMessage()).contains("must be fixed");
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static RaftGroups await(BooleanSupplier condition, List<RaftGroups> groups, String federation) throws InterruptedException {
    waitFor(condition);
    return groups.stream().filter(g -> g.isLeader(federation)).findFirst().orElseThrow();
  }

  static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not reached in 30 s");
      }
      Thread.sleep(50);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
