package io.fedmesh.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.random.SimulationRandom;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.CertificateAuthority;
import io.fedmesh.crypto.x509.NodeCertificateRequest;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.raft.RaftGroups;
import io.fedmesh.node.raft.RaftPeerAddress;
import io.fedmesh.node.raft.RaftSettings;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.Role;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.ClientMessageEntryProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotReplyProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftClientReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadRequestTypeProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.SlidingWindowEntry;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.proto.RaftProtos.WriteRequestTypeProto;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team of {@code RaftCallGuard}, the per-request authorisation on the shared Ratis port. Two
 * federations share servers: A = {c1, c2, c3}, B = {c1, c2, b1}; c1 and c2 host both groups, c3 only
 * A, b1 only B. TLS is CA-only (no peer allow-list), so the guard alone stands between b1 (a legitimate
 * peer of B) or a participant and A's group. Attackers speak raw Ratis gRPC with hand-made messages.
 */
class RaftGuardRedTeamTest {
  static final String A = "fed-a";
  static final String B = "fed-b";
  static final RaftSettings FAST = new RaftSettings(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(3), 1000);
  static final org.apache.ratis.thirdparty.com.google.protobuf.ByteString NO_BYTES =
      org.apache.ratis.thirdparty.com.google.protobuf.ByteString.EMPTY;

  @TempDir
  Path dir;

  CertificateAuthority ca;
  long seed = 1;
  final List<RaftGroups> open = new ArrayList<>();
  final List<RaftClient> clients = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();
  final AtomicLong callIds = new AtomicLong(1_000_000);

  record Identity(String name, SigningKey key, NodeId id, Path dir) {
    Path keyFile() {
      return dir.resolve("node.key");
    }

    Path certFile() {
      return dir.resolve("node.crt");
    }

    String hex() {
      return id.hex();
    }
  }

  record Server(Identity identity, int port, Map<String, LedgerMachine> machines, RaftGroups raft, List<String> refusals) {
    RaftPeerAddress address() {
      return new RaftPeerAddress(identity.id(), new InetSocketAddress("127.0.0.1", port));
    }

    long head(String fed) {
      return machines.get(fed).read(FederationLedger::headSequence);
    }
  }

  Identity admin;
  Identity participant;
  Server c1;
  Server c2;
  Server c3;
  Server b1;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("Consortium CA", SigningKey.generate(SimulationRandom.fromSeed(4242)),
        Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(3650), SimulationRandom.fromSeed(7));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("ca.crt"), Pem.certificate(ca.certificate()));
    admin = identity("admin");
    participant = identity("participant");
    c1 = server("c1");
    c2 = server("c2");
    c3 = server("c3");
    b1 = server("b1");
    List<RaftPeerAddress> peersA = List.of(c1.address(), c2.address(), c3.address());
    List<RaftPeerAddress> peersB = List.of(c1.address(), c2.address(), b1.address());
    for (Server s : List.of(c1, c2, c3)) {
      s.raft().join(A, peersA);
    }
    for (Server s : List.of(c1, c2, b1)) {
      s.raft().join(B, peersB);
    }
    waitFor(() -> leaderOf(A) != null && leaderOf(B) != null);
    genesis(A, List.of(c1, c2, c3));
    genesis(B, List.of(c1, c2, b1));
  }

  Server server(String name) throws IOException {
    Identity id = identity(name);
    int port = freePort();
    Map<String, LedgerMachine> machines = new ConcurrentHashMap<>();
    List<String> refusals = new CopyOnWriteArrayList<>();
    RaftGroups raft = new RaftGroups(id.id(), new InetSocketAddress("127.0.0.1", port), dir.resolve(name + "-data"), id.keyFile(),
        id.certFile(), dir.resolve("ca.crt"), FAST, f -> machines.computeIfAbsent(f, n -> new LedgerMachine(n, r -> { })));
    raft.onRefusal(refusals::add);
    raft.start();
    open.add(raft);
    return new Server(id, port, machines, raft, refusals);
  }

  List<Server> hosts(String fed) {
    return fed.equals(A) ? List.of(c1, c2, c3) : List.of(c1, c2, b1);
  }

  Server leaderOf(String fed) {
    return hosts(fed).stream().filter(s -> s.raft().isLeader(fed)).findFirst().orElse(null);
  }

  void genesis(String fed, List<Server> coordinators) throws Exception {
    List<LedgerMember> ms = new ArrayList<>();
    ms.add(member(admin, Role.ROLE_ADMIN).build());
    ms.add(member(participant, Role.ROLE_PARTICIPANT).build());
    for (Server c : coordinators) {
      ms.add(member(c.identity(), Role.ROLE_COORDINATOR_ELIGIBLE).setRaftAddress("127.0.0.1:" + c.port()).build());
    }
    ms.sort(Comparator.comparing(m -> NodeId.ofBytes(m.getNode().getSha256().toByteArray())));
    LedgerReply r = submit(coordinators.get(0), fed, LedgerActs.sign(LedgerAct.newBuilder()
        .setFederation(FederationId.newBuilder().setName(fed)).setGenesis(Genesis.newBuilder().addAllMembers(ms).setApprovalsRequired(1)),
        admin.key()));
    assertTrue(r.getAccepted(), r.getReason());
    waitFor(() -> coordinators.stream().allMatch(c -> c.head(fed) == 1));
  }

  static LedgerMember.Builder member(Identity i, Role role) {
    return LedgerMember.newBuilder().setNode(io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(i.id().toBytes())))
        .setIdentityKey(ByteString.copyFrom(i.key().verifyingKey().subjectPublicKeyInfo())).addRoles(role);
  }

  static LedgerReply submit(Server via, String fed, LedgerAct act) throws Exception {
    return LedgerReply.parseFrom(via.raft().submit(fed, act.toByteArray()).get(15, TimeUnit.SECONDS));
  }

  /** The legitimate group still works: an admin's act commits on every replica of {@code fed}. */
  void stillWorks(String fed) throws Exception {
    waitFor(() -> leaderOf(fed) != null);
    Server via = hosts(fed).get(0);
    long before = via.head(fed);
    LedgerAct act = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(fed))
        .setSeenSequence(before).setSeenHash(via.machines().get(fed).read(FederationLedger::headHash))
        .setProposal(Proposal.newBuilder().setApprovalsRequired(1).setReason("still working " + UUID.randomUUID())), admin.key());
    LedgerReply r = submit(via, fed, act);
    assertThat(r.getAccepted()).as(r.getReason()).isTrue();
    assertThat(waitFor(() -> hosts(fed).stream().allMatch(s -> s.head(fed) == before + 1), 10_000))
        .as("the act committed on every replica of " + fed).isTrue();
  }

  Identity identity(String name) throws IOException {
    SigningKey key = SigningKey.generate(SimulationRandom.fromSeed(dir.toString().hashCode() * 31L + seed++ * 7 + name.hashCode()));
    NodeCertificateRequest request = NodeCertificateRequest.create(key, List.of("localhost"), List.of(InetAddress.getLoopbackAddress()));
    X509Certificate cert = ca.issue(request, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(30), SimulationRandom.fromSeed(seed++));
    Path d = dir.resolve(name);
    Files.createDirectories(d);
    Files.writeString(d.resolve("node.key"), Pem.privateKey(key));
    Files.writeString(d.resolve("node.crt"), Pem.certificate(cert));
    return new Identity(name, key, request.nodeId(), d);
  }

  @AfterEach
  void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    clients.forEach(c -> {
      try {
        c.close();
      } catch (IOException e) {
        // closing
      }
    });
    open.forEach(RaftGroups::close);
  }

  // ---- raw Ratis gRPC, as an attacker holding {@code who}'s certificate ----

  ManagedChannel channel(Identity who, Server to) throws IOException {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", to.port())
        .sslContext(GrpcSslContexts.forClient().keyManager(who.certFile().toFile(), who.keyFile().toFile())
            .trustManager(dir.resolve("ca.crt").toFile()).build())
        .build();
    channels.add(ch);
    return ch;
  }

  static RaftGroupIdProto groupProto(RaftGroupId g) {
    return RaftGroupIdProto.newBuilder().setId(g.toByteString()).build();
  }

  RaftRpcRequestProto rpc(String requestor, Server to, RaftGroupIdProto group) {
    return RaftRpcRequestProto.newBuilder()
        .setRequestorId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(requestor))
        .setReplyId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(to.identity().hex()))
        .setRaftGroupId(group).setCallId(callIds.incrementAndGet()).build();
  }

  RaftRpcRequestProto rpc(String requestor, Server to, String fed) {
    return rpc(requestor, to, groupProto(RaftGroups.groupId(fed)));
  }

  RequestVoteRequestProto vote(String requestor, Server to, RaftGroupIdProto group, long term) {
    return RequestVoteRequestProto.newBuilder().setServerRequest(rpc(requestor, to, group)).setCandidateTerm(term)
        .setCandidateLastEntry(TermIndexProto.newBuilder().setTerm(term).setIndex(1_000_000)).build();
  }

  AppendEntriesRequestProto append(String requestor, Server to, String fed, long term) {
    return AppendEntriesRequestProto.newBuilder().setServerRequest(rpc(requestor, to, fed)).setLeaderTerm(term)
        .setPreviousLog(TermIndexProto.newBuilder().setTerm(term).setIndex(1_000_000)).setLeaderCommit(1_000_000).build();
  }

  RaftClientRequestProto clientRequest(Server to, RaftGroupIdProto group, boolean write, String content) {
    return clientRequest(to, group, write, org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(content));
  }

  RaftClientRequestProto clientRequest(Server to, RaftGroupIdProto group, boolean write, LedgerAct act) {
    return clientRequest(to, group, write, org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(act.toByteArray()));
  }

  RaftClientRequestProto clientRequest(Server to, RaftGroupIdProto group, boolean write,
                                       org.apache.ratis.thirdparty.com.google.protobuf.ByteString content) {
    RaftRpcRequestProto rpc = RaftRpcRequestProto.newBuilder().setRequestorId(ClientId.randomId().toByteString())
        .setReplyId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(to.identity().hex()))
        .setRaftGroupId(group).setCallId(callIds.incrementAndGet())
        .setSlidingWindowEntry(SlidingWindowEntry.newBuilder().setSeqNum(1).setIsFirst(true)).build();
    RaftClientRequestProto.Builder b = RaftClientRequestProto.newBuilder().setRpcRequest(rpc)
        .setMessage(ClientMessageEntryProto.newBuilder().setContent(content));
    return write ? b.setWrite(WriteRequestTypeProto.getDefaultInstance()).build() : b.setRead(ReadRequestTypeProto.getDefaultInstance()).build();
  }

  /** A unary call's outcome: "answered ..." or the status code and description. */
  static String unary(Supplier<?> call) {
    try {
      Object reply = call.get();
      return "answered " + reply.toString().replaceAll("\\s+", " ");
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /** Records a bidi stream's replies and its end. */
  static final class Recorder<T> implements StreamObserver<T> {
    final List<T> replies = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      replies.add(value);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    Status awaitEnd() throws Exception {
      return end.get(10, TimeUnit.SECONDS);
    }

    boolean awaitReplies(int n) throws InterruptedException {
      return waitFor(() -> replies.size() >= n || end.isDone(), 8_000) && replies.size() >= n;
    }
  }

  static void denied(String outcome) {
    assertThat(outcome).startsWith("PERMISSION_DENIED");
  }

  // ---- attacks ----

  /** b1 is a legitimate peer of B, whose group c1 hosts beside A's; it reads and writes B, never A. */
  @Test
  void aPeerOfAnotherFederationOnTheSamePortCannotReadOrWriteThisOne() throws Exception {
    RaftClient spyB = clientAs(b1, B, List.of(c1, c2, b1));
    RaftClientReply own = spyB.io().sendReadOnly(Message.valueOf("x"));
    assertThat(own.isSuccess()).as("b1 reads its own federation B through the shared port").isTrue();

    RaftClient spyA = clientAs(b1, A, List.of(c1, c2, c3));
    assertThat(attempt(() -> spyA.io().sendReadOnly(Message.valueOf("x")))).startsWith("refused");
    LedgerAct junk = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(A))
        .setSeenSequence(1).setProposal(Proposal.newBuilder().setApprovalsRequired(1)), b1.identity().key());
    long appliedBefore = c1.raft().appliedIndex(A);
    assertThat(attempt(() -> spyA.io().send(Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(
        junk.toByteArray()))))).startsWith("refused");
    assertThat(attempt(() -> spyA.io().sendStaleRead(Message.valueOf("x"), 0, peerId(c1)))).startsWith("refused");
    assertThat(attempt(() -> spyA.io().watch(1, org.apache.ratis.proto.RaftProtos.ReplicationLevel.MAJORITY))).startsWith("refused");
    assertThat(c1.raft().appliedIndex(A)).as("nothing of b1's reached A's log").isEqualTo(appliedBefore);
    assertThat(c1.refusals()).contains("not-a-peer");
    stillWorks(A);
    stillWorks(B);
  }

  /** b1 speaks the server protocol to c1 naming A: vote, append, snapshot, read index, leader election, in its own name. */
  @Test
  void aPeerOfAnotherFederationCannotVoteAppendOrInstallInThisOne() throws Exception {
    ManagedChannel ch = channel(b1.identity(), c1);
    var stub = RaftServerProtocolServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
    long term = c1.raft().term(A);
    String me = b1.identity().hex();
    denied(unary(() -> stub.requestVote(vote(me, c1, groupProto(RaftGroups.groupId(A)), term + 100))));
    denied(unary(() -> stub.requestVote(vote(me, c1, groupProto(RaftGroups.groupId(A)), term + 100).toBuilder().setPreVote(true).build())));
    denied(unary(() -> stub.readIndex(ReadIndexRequestProto.newBuilder().setServerRequest(rpc(me, c1, A)).build())));
    denied(unary(() -> stub.startLeaderElection(StartLeaderElectionRequestProto.newBuilder().setServerRequest(rpc(me, c1, A))
        .setLeaderLastEntry(TermIndexProto.newBuilder().setTerm(term + 100).setIndex(1_000_000)).build())));
    Recorder<AppendEntriesReplyProto> appends = new Recorder<>();
    StreamObserver<AppendEntriesRequestProto> a = RaftServerProtocolServiceGrpc.newStub(ch).appendEntries(appends);
    a.onNext(append(me, c1, A, term + 100));
    assertThat(appends.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(appends.replies).isEmpty();
    Recorder<InstallSnapshotReplyProto> installs = new Recorder<>();
    StreamObserver<InstallSnapshotRequestProto> i = RaftServerProtocolServiceGrpc.newStub(ch).installSnapshot(installs);
    i.onNext(InstallSnapshotRequestProto.newBuilder().setServerRequest(rpc(me, c1, A)).setLeaderTerm(term + 100).build());
    assertThat(installs.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(c1.raft().term(A)).as("A's term at c1 after b1's votes and appends").isEqualTo(term);
    // Control: the same stub may speak for B (of which b1 is a peer): a stale vote gets Ratis's answer, not the guard's.
    assertThat(unary(() -> stub.requestVote(vote(me, c1, groupProto(RaftGroups.groupId(B)), 0)))).startsWith("answered");
    stillWorks(A);
  }

  /** c2, a peer of A, sends server requests to c1 in c3's name (and, with a huge term, would depose the leader). */
  @Test
  void aPeerCannotVoteOrAppendInAnotherPeersName() throws Exception {
    ManagedChannel ch = channel(c2.identity(), c1);
    var stub = RaftServerProtocolServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
    long term = c1.raft().term(A);
    String c3hex = c3.identity().hex();
    denied(unary(() -> stub.requestVote(vote(c3hex, c1, groupProto(RaftGroups.groupId(A)), term + 100))));
    denied(unary(() -> stub.readIndex(ReadIndexRequestProto.newBuilder().setServerRequest(rpc(c3hex, c1, A)).build())));
    denied(unary(() -> stub.startLeaderElection(StartLeaderElectionRequestProto.newBuilder().setServerRequest(rpc(c3hex, c1, A)).build())));
    // Variants of the name: upper case, padded, the admin-ish empty id, the receiver's own id.
    for (String alias : List.of(c3hex.toUpperCase(java.util.Locale.ROOT), c3hex + " ", " " + c2.identity().hex(), "",
        c2.identity().hex() + "\0", c1.identity().hex())) {
      denied(unary(() -> stub.requestVote(vote(alias, c1, groupProto(RaftGroups.groupId(A)), term + 100))));
    }
    Recorder<AppendEntriesReplyProto> appends = new Recorder<>();
    RaftServerProtocolServiceGrpc.newStub(ch).appendEntries(appends).onNext(append(c3hex, c1, A, term + 100));
    assertThat(appends.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    Recorder<InstallSnapshotReplyProto> installs = new Recorder<>();
    RaftServerProtocolServiceGrpc.newStub(ch).installSnapshot(installs)
        .onNext(InstallSnapshotRequestProto.newBuilder().setServerRequest(rpc(c3hex, c1, A)).setLeaderTerm(term + 100).build());
    assertThat(installs.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(c1.raft().term(A)).as("A's term at c1").isEqualTo(term);
    // Control: in its own name, with a stale term (harmless), c2 gets Ratis's answer.
    assertThat(unary(() -> stub.requestVote(vote(c2.identity().hex(), c1, groupProto(RaftGroups.groupId(A)), 0)))).startsWith("answered");
    stillWorks(A);
  }

  /** A stream whose first message is legitimate (B, b1's group) and whose next ones name A is cut at the switch. */
  @Test
  void aStreamThatSwitchesToAnotherGroupIsCutAtTheSwitch() throws Exception {
    ManagedChannel ch = channel(b1.identity(), c1);
    String me = b1.identity().hex();
    long term = c1.raft().term(A);
    // Server protocol: a stale (harmless) append for B, then one for A with a huge term.
    Recorder<AppendEntriesReplyProto> appends = new Recorder<>();
    StreamObserver<AppendEntriesRequestProto> a = RaftServerProtocolServiceGrpc.newStub(ch).appendEntries(appends);
    a.onNext(append(me, c1, B, 0));
    assertThat(appends.awaitReplies(1)).as("Ratis answered the B append (" + appends.end.getNow(null) + ")").isTrue();
    a.onNext(append(me, c1, A, term + 100));
    assertThat(appends.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(appends.replies).hasSize(1);
    assertThat(c1.raft().term(A)).isEqualTo(term);
    // Client protocol (unordered streams have no group of their own in Ratis): read B, then read A.
    Recorder<RaftClientReplyProto> reads = new Recorder<>();
    StreamObserver<RaftClientRequestProto> r = RaftClientProtocolServiceGrpc.newStub(ch).unordered(reads);
    r.onNext(clientRequest(c1, groupProto(RaftGroups.groupId(B)), false, "x"));
    assertThat(reads.awaitReplies(1)).as("Ratis answered the B read (" + reads.end.getNow(null) + ")").isTrue();
    r.onNext(clientRequest(c1, groupProto(RaftGroups.groupId(A)), false, "x"));
    assertThat(reads.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(reads.replies).hasSize(1);
    stillWorks(A);
    stillWorks(B);
  }

  /**
   * Messages pipelined behind a refused one (sent before the refusal can reach the client) are dropped:
   * b1 sends a refused write to A followed at once by valid admin-signed proposals to B; none of them
   * reaches B's log.
   */
  @Test
  void messagesPipelinedAfterARefusalAreDropped() throws Exception {
    Server leaderB = leaderOf(B);
    ManagedChannel ch = channel(b1.identity(), leaderB);
    long headB = leaderB.head(B);
    assertThat(stable(() -> leaderB.raft().appliedIndex(B))).isTrue();
    long appliedB = leaderB.raft().appliedIndex(B);
    long appliedA = c1.raft().appliedIndex(A);
    Recorder<RaftClientReplyProto> writes = new Recorder<>();
    StreamObserver<RaftClientRequestProto> w = RaftClientProtocolServiceGrpc.newStub(ch).unordered(writes);
    w.onNext(clientRequest(leaderB, groupProto(RaftGroups.groupId(A)), true, "into A"));
    for (int k = 0; k < 20; k++) {
      LedgerAct valid = LedgerActs.sign(LedgerAct.newBuilder().setFederation(FederationId.newBuilder().setName(B))
          .setSeenSequence(headB).setSeenHash(leaderB.machines().get(B).read(FederationLedger::headHash))
          .setProposal(Proposal.newBuilder().setApprovalsRequired(1).setReason("after the refusal " + k)), admin.key());
      w.onNext(clientRequest(leaderB, groupProto(RaftGroups.groupId(B)), true, valid));
    }
    assertThat(writes.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    Thread.sleep(1_000);
    assertThat(writes.replies).isEmpty();
    assertThat(leaderB.head(B)).as("B's ledger after the pipelined proposals").isEqualTo(headB);
    assertThat(leaderB.raft().appliedIndex(B)).as("B's log after the pipelined writes").isEqualTo(appliedB);
    assertThat(c1.raft().appliedIndex(A)).isEqualTo(appliedA);
    stillWorks(B);
  }

  static boolean stable(java.util.function.LongSupplier value) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long last = value.getAsLong();
    long since = System.nanoTime();
    while (System.nanoTime() < end) {
      Thread.sleep(50);
      long now = value.getAsLong();
      if (now != last) {
        last = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(400)) {
        return true;
      }
    }
    return false;
  }

  /** Group ids that are not 16 bytes, or name no group hosted here, or a group this server does not host. */
  @Test
  void malformedAndUnhostedGroupsAreRefused() throws Exception {
    ManagedChannel ch = channel(c2.identity(), c1);
    var stub = RaftServerProtocolServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
    String me = c2.identity().hex();
    long term = c1.raft().term(A);
    var a = RaftGroups.groupId(A).toByteString();
    List<org.apache.ratis.thirdparty.com.google.protobuf.ByteString> bad = List.of(NO_BYTES, a.substring(0, 15),
        a.concat(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(new byte[] {1})),
        org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(new byte[4096]),
        RaftGroupId.randomId().toByteString());
    for (var g : bad) {
      String outcome = unary(() -> stub.requestVote(vote(me, c1, RaftGroupIdProto.newBuilder().setId(g).build(), term + 100)));
      assertThat(outcome).as("group id of " + g.size() + " bytes").startsWith("PERMISSION_DENIED");
    }
    // No raftGroupId at all.
    denied(unary(() -> stub.requestVote(RequestVoteRequestProto.newBuilder().setServerRequest(RaftRpcRequestProto.newBuilder()
        .setRequestorId(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFromUtf8(me))).setCandidateTerm(term + 100).build())));
    // No serverRequest at all.
    denied(unary(() -> stub.requestVote(RequestVoteRequestProto.newBuilder().setCandidateTerm(term + 100).build())));
    // b1, a peer of B, reads B at c3 (which hosts only A); c2 reads A at b1 (which hosts only B).
    Recorder<RaftClientReplyProto> atC3 = new Recorder<>();
    RaftClientProtocolServiceGrpc.newStub(channel(b1.identity(), c3)).unordered(atC3)
        .onNext(clientRequest(c3, groupProto(RaftGroups.groupId(B)), false, "x"));
    assertThat(atC3.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    Recorder<RaftClientReplyProto> atB1 = new Recorder<>();
    RaftClientProtocolServiceGrpc.newStub(channel(c2.identity(), b1)).unordered(atB1)
        .onNext(clientRequest(b1, groupProto(RaftGroups.groupId(A)), false, "x"));
    assertThat(atB1.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(c1.raft().term(A)).isEqualTo(term);
    stillWorks(A);
  }

  /** Ratis administration is refused even to a peer of the group (c2 of A): no list, info, removal, reconfiguration, transfer, snapshot. */
  @Test
  void administrationIsRefusedEvenToAPeer() throws Exception {
    RaftClient peer = clientAs(c2, A, List.of(c1, c2, c3));
    Server leader = leaderOf(A);
    RaftGroupId a = RaftGroups.groupId(A);
    assertThat(attempt(() -> peer.getGroupManagementApi(peerId(c1)).list())).startsWith("refused");
    assertThat(attempt(() -> peer.getGroupManagementApi(peerId(c1)).info(a))).startsWith("refused");
    assertThat(attempt(() -> peer.getGroupManagementApi(peerId(c1)).remove(a, true, false))).startsWith("refused");
    assertThat(attempt(() -> peer.getGroupManagementApi(peerId(c3)).add(RaftGroup.valueOf(RaftGroupId.randomId(),
        RaftPeer.newBuilder().setId(c3.identity().hex()).setAddress("127.0.0.1:" + c3.port()).build())))).startsWith("refused");
    assertThat(attempt(() -> peer.admin().setConfiguration(List.of(RaftPeer.newBuilder().setId(leader.identity().hex())
        .setAddress("127.0.0.1:" + leader.port()).build())))).startsWith("refused");
    assertThat(attempt(() -> peer.admin().transferLeadership(peerId(c2), 2_000))).startsWith("refused");
    assertThat(attempt(() -> peer.getSnapshotManagementApi(peerId(c1)).create(2_000))).startsWith("refused");
    assertThat(attempt(() -> peer.getLeaderElectionManagementApi(peerId(leader)).pause())).startsWith("refused");
    assertThat(c1.raft().federations()).contains(A, B);
    assertThat(c3.raft().federations()).containsExactly(A);
    assertThat(c1.refusals()).contains("admin");
    stillWorks(A);
  }

  /** Without a client certificate the TLS handshake itself fails (the guard's "unauthenticated" branch is a backstop). */
  @Test
  void aCallerWithoutACertificateIsNotServed() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", c1.port())
        .sslContext(GrpcSslContexts.forClient().trustManager(dir.resolve("ca.crt").toFile()).build()).build();
    channels.add(ch);
    String outcome = unary(() -> RaftServerProtocolServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
        .requestVote(vote(c2.identity().hex(), c1, groupProto(RaftGroups.groupId(A)), 1000)));
    assertThat(outcome).doesNotStartWith("answered");
    // Plaintext on the TLS port.
    ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", c1.port()).usePlaintext().build();
    channels.add(plain);
    assertThat(unary(() -> RaftServerProtocolServiceGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
        .requestVote(vote(c2.identity().hex(), c1, groupProto(RaftGroups.groupId(A)), 1000)))).doesNotStartWith("answered");
  }

  /**
   * A flood of refused calls (unary, server streams, client streams, ordered and unordered) from a
   * participant and from b1: the server keeps serving A.
   */
  @Test
  void aFloodOfRefusedCallsLeavesTheServerServing() throws Exception {
    int threads0 = Thread.activeCount();
    for (Identity who : List.of(participant, b1.identity())) {
      ManagedChannel ch = channel(who, c1);
      List<Recorder<?>> calls = new ArrayList<>();
      for (int k = 0; k < 150; k++) {
        Recorder<RaftClientReplyProto> o = new Recorder<>();
        RaftClientProtocolServiceGrpc.newStub(ch).ordered(o).onNext(clientRequest(c1, groupProto(RaftGroups.groupId(A)), true, "flood"));
        calls.add(o);
        Recorder<RaftClientReplyProto> u = new Recorder<>();
        RaftClientProtocolServiceGrpc.newStub(ch).unordered(u).onNext(clientRequest(c1, groupProto(RaftGroups.groupId(A)), false, "flood"));
        calls.add(u);
        Recorder<AppendEntriesReplyProto> ae = new Recorder<>();
        RaftServerProtocolServiceGrpc.newStub(ch).appendEntries(ae).onNext(append(who.hex(), c1, A, 1));
        calls.add(ae);
        Recorder<org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto> v = new Recorder<>();
        RaftServerProtocolServiceGrpc.newStub(ch).requestVote(vote(who.hex(), c1, groupProto(RaftGroups.groupId(A)), 1), v);
        calls.add(v);
      }
      for (Recorder<?> c : calls) {
        assertThat(c.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      }
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(c1.refusals().size()).isGreaterThanOrEqualTo(1200);
    stillWorks(A);
    stillWorks(B);
    assertThat(Thread.activeCount()).as("threads").isLessThan(threads0 + 50);
  }

  /**
   * Each refused call on Ratis's ordered client stream leaves its stream observer in Ratis's registry for
   * good: the guard closes the gRPC call without telling Ratis's listener (no onCancel, no onHalfClose),
   * and the call then completes "OK" from gRPC's point of view, so Ratis never removes the observer
   * (it is dropped only when this server steps down from leading some group). Any holder of a CA
   * certificate (with the peer allow-list: any coordinator of a co-hosted federation) grows the heap at will.
   */
  @Test
  void refusedOrderedStreamsLeaveNothingBehind() throws Exception {
    int streams = Integer.getInteger("redteam.streams", 300);
    int before = orderedStreams(c1);
    long heap0 = usedHeap();
    ManagedChannel ch = channel(participant, c1);
    List<Recorder<?>> calls = new ArrayList<>();
    for (int k = 0; k < streams; k++) {
      Recorder<RaftClientReplyProto> o = new Recorder<>();
      RaftClientProtocolServiceGrpc.newStub(ch).ordered(o).onNext(clientRequest(c1, groupProto(RaftGroups.groupId(A)), true, "flood"));
      calls.add(o);
    }
    for (Recorder<?> c : calls) {
      assertThat(c.awaitEnd().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    calls.clear();
    Thread.sleep(500);
    int after = orderedStreams(c1);
    long heap = usedHeap();
    assertThat(after).as("Ratis ordered-stream observers kept by c1 after " + streams + " refused ordered streams (before: " + before
        + "; used heap " + (heap - heap0) / 1024 + " KiB more)").isLessThanOrEqualTo(before + 5);
  }

  static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  /** The ordered-stream observers Ratis keeps at {@code s} (its GrpcClientProtocolService's registry). */
  static int orderedStreams(Server s) throws Exception {
    Object server = field(s.raft(), "server");
    Object rpc = ((org.apache.ratis.server.RaftServer) server).getServerRpc();
    Object service = field(rpc, "clientProtocolService");
    Object observers = field(service, "orderedStreamObservers");
    return ((Map<?, ?>) field(observers, "map")).size();
  }

  static Object field(Object o, String name) throws Exception {
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
      } catch (NoSuchFieldException e) {
        // try the superclass
      }
    }
    throw new NoSuchFieldException(name + " in " + o.getClass());
  }

  // ---- plumbing ----

  RaftClient clientAs(Server who, String fed, List<Server> peers) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(who.identity().keyFile().toFile(), who.identity().certFile().toFile(),
        dir.resolve("ca.crt").toFile(), true));
    RaftGroup group = RaftGroup.valueOf(RaftGroups.groupId(fed), peers.stream().map(c -> RaftPeer.newBuilder()
        .setId(c.identity().hex()).setAddress("127.0.0.1:" + c.port()).build()).toList());
    RaftClient client = RaftClient.newBuilder().setProperties(properties).setParameters(parameters).setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
    clients.add(client);
    return client;
  }

  static RaftPeerId peerId(Server s) {
    return RaftPeerId.valueOf(s.identity().hex());
  }

  static String attempt(ThrowingSupplier<?> call) {
    try {
      Object r = call.get();
      if (r instanceof RaftClientReply reply) {
        return reply.isSuccess() ? "success" : "refused: " + reply.getException();
      }
      return "success: " + r;
    } catch (Exception e) {
      return "refused: " + e;
    }
  }

  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  static boolean waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  static void waitFor(BooleanSupplier condition) throws InterruptedException {
    assertTrue(waitFor(condition, 15_000), "not reached in 15 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
