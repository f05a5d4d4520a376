package io.fedmesh.node.server;

import static io.fedmesh.node.server.TestMesh.waitFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.fedmesh.node.relay.ExpectedTransferException;
import io.fedmesh.node.relay.ExpectedTransferException.Reason;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.TransferReceipt;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A firewalled node (f, attached through relay a) expects payloads from a reachable node (c), all real
 * servers on 127.0.0.1 over mutual TLS: the bytes arrive whole through the relay, and a wrong hash, a
 * wrong length, a payload past its declared length and silence each fail the expectation with their
 * reason; expecting again after a failure works (the requester's end-to-end retry).
 */
class ExpectedTransfersTest {
  private static final String FEDERATION = "card-fraud";
  @TempDir
  static Path dir;
  private static TestMesh.Identity a;
  private static TestMesh.Identity c;
  private static TestMesh.Identity f;
  private static NodeServer na;
  private static NodeServer nc;
  private static NodeServer nf;

  @BeforeAll
  static void mesh() throws Exception {
    TestMesh mesh = new TestMesh(dir.resolve("ca"), "FedMesh consortium CA");
    a = mesh.node("a");
    c = mesh.node("c");
    f = mesh.node("f");
    String rest = "gossip: {probe_interval_ms: 200, probe_timeout_ms: 100, relay_grace_ms: 3000}\n"
        + "relay: {reconnect_base_ms: 100, reconnect_max_ms: 1000}\nfederations:\n  card-fraud:\n    members:\n      "
        + a.id().hex() + ": [admin, coordinator-eligible]\n      " + c.id().hex() + ": [participant]\n      "
        + f.id().hex() + ": [participant]\n";
    na = mesh.start(dir, a, rest);
    String seed = "seeds: [" + a.id().hex() + "@127.0.0.1:" + na.port() + "]\n";
    nc = mesh.start(dir, c, seed + rest);
    nf = mesh.start(dir, f, "reachable: false\n" + seed + rest);
    assertThat(waitFor(() -> List.of(na, nc, nf).stream().allMatch(n -> n.members().values().stream()
        .filter(m -> m.state() == MemberState.MEMBER_STATE_ALIVE).count() == 3), 20_000)).as("all three see all three").isTrue();
    assertThat(waitFor(() -> nc.via(f.id()).isPresent(), 5_000)).isTrue();
    assertThat(nf.relay()).isEqualTo(a.id());
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeServer n : new NodeServer[] {nf, nc, na}) {
      if (n != null) {
        n.close();
      }
    }
  }

  private static ByteString payload(int bytes, int seed) {
    byte[] data = new byte[bytes];
    new java.util.Random(seed).nextBytes(data);
    return ByteString.copyFrom(data);
  }

  private static byte[] sha256(ByteString data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data.toByteArray());
  }

  private static ExpectedTransferException failure(CompletableFuture<byte[]> expected) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> expected.get(20, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ExpectedTransferException.class);
    return (ExpectedTransferException) t.getCause();
  }

  private static TransferReceipt send(ByteString payload) throws Exception {
    return nc.sendRouted(f.id(), FEDERATION, payload).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aThreeMebibytePayloadExpectedByAFirewalledNodeArrivesThroughItsRelayIntact() throws Exception {
    ByteString payload = payload(3 * 1024 * 1024, 1);
    CompletableFuture<byte[]> expected = nf.transfers().expect(c.id(), FEDERATION, sha256(payload), payload.size());
    assertThat(nc.via(f.id())).contains(a.id());

    TransferReceipt receipt = send(payload);

    assertThat(expected.get(20, TimeUnit.SECONDS)).isEqualTo(payload.toByteArray());
    assertThat(receipt.getBytes()).isEqualTo(payload.size());
    assertThat(receipt.getChunks()).isEqualTo(3);
    assertThat(receipt.getSha256().toByteArray()).isEqualTo(sha256(payload));
  }

  @Test
  void aWrongHashOrLengthFailsTheFutureNamingTheMismatchAndTheSenderStillGetsItsReceipt() throws Exception {
    ByteString wanted = payload(1024 * 1024 + 3, 2);
    ByteString other = payload(1024 * 1024 + 3, 3);
    CompletableFuture<byte[]> expected = nf.transfers().expect(c.id(), FEDERATION, sha256(wanted), wanted.size());

    TransferReceipt receipt = send(other);

    ExpectedTransferException e = failure(expected);
    assertThat(e.reason()).isEqualTo(Reason.HASH_MISMATCH);
    assertThat(e).hasMessageStartingWith("hash_mismatch: the received bytes hash to SHA-256 " + HexFormat.of().formatHex(sha256(other))
        + ", expected " + HexFormat.of().formatHex(sha256(wanted))).hasMessageContaining(c.id().shortForm());
    assertThat(receipt.getSha256().toByteArray()).isEqualTo(sha256(other));

    CompletableFuture<byte[]> longer = nf.transfers().expect(c.id(), FEDERATION, sha256(wanted), wanted.size() + 10);
    send(wanted);
    assertThat(failure(longer)).satisfies(s -> assertThat(s.reason()).isEqualTo(Reason.SHORT))
        .hasMessageStartingWith("short: the last chunk ended the payload at " + wanted.size() + " of the declared "
            + (wanted.size() + 10) + " bytes");
  }

  @Test
  void aPayloadLargerThanDeclaredIsRefusedAndCounted() throws Exception {
    ByteString payload = payload(1024 * 1024 + 100, 4);
    String oversized = "fedmesh_envelopes_refused_total{reason=\"oversized\"}";
    double before = TestMesh.metric(nf, oversized);
    CompletableFuture<byte[]> expected = nf.transfers().expect(c.id(), FEDERATION, sha256(payload), 1024 * 1024);

    CompletableFuture<TransferReceipt> sent = nc.sendRouted(f.id(), FEDERATION, payload);

    assertThat(failure(expected)).satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.OVERSIZED))
        .hasMessageStartingWith("oversized: a chunk of 100 bytes at offset 1048576 would pass the declared 1048576 bytes");
    assertThat(TestMesh.metric(nf, oversized)).isEqualTo(before + 1);
    // Refused: no receipt comes. The sender gives up (here at once, so the next test's transfer may start).
    assertThatThrownBy(() -> sent.get(1, TimeUnit.SECONDS)).isInstanceOf(java.util.concurrent.TimeoutException.class);
    sent.cancel(false);
  }

  @Test
  void anExpectationThatNeverGetsItsBytesTimesOut() throws Exception {
    ByteString payload = payload(10, 5);
    CompletableFuture<byte[]> expected = nf.transfers().expect(c.id(), FEDERATION, sha256(payload), payload.size(),
        Duration.ofMillis(300));

    assertThat(failure(expected)).satisfies(e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT))
        .hasMessage("timeout: no complete transfer from " + c.id().shortForm() + " in federation 'card-fraud' within 300 ms");
  }

  @Test
  void anAbandonedExpectationFreesItsSlotAndIsNotRetried() throws Exception {
    ByteString payload = payload(1000, 8);
    int[] asks = {0};
    CompletableFuture<byte[]> stale = nf.transfers().fetch(c.id(), FEDERATION, sha256(payload), payload.size(),
        () -> asks[0]++, 3);
    assertThat(nf.transfers().abandon(c.id(), FEDERATION)).isTrue();
    assertThat(failure(stale).reason()).isEqualTo(Reason.ABANDONED);
    assertThat(asks[0]).as("an abandoned fetch asks no more").isEqualTo(1);
    CompletableFuture<byte[]> fresh = nf.transfers().expect(c.id(), FEDERATION, sha256(payload), payload.size());
    send(payload);
    assertThat(fresh.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(payload.toByteArray());
    assertThat(nf.transfers().abandon(c.id(), FEDERATION)).as("nothing open any more").isFalse();
  }

  @Test
  void aSecondExpectAfterAFailureWorksWhichIsTheRequestersRetry() throws Exception {
    ByteString good = payload(2 * 1024 * 1024 + 9, 6);
    ByteString bad = payload(2 * 1024 * 1024 + 9, 7);
    CompletableFuture<byte[]> first = nf.transfers().expect(c.id(), FEDERATION, sha256(good), good.size());
    assertThat(failure(nf.transfers().expect(c.id(), FEDERATION, sha256(good), good.size())).reason())
        .as("one expectation per sender and federation at a time").isEqualTo(Reason.BUSY);
    send(bad);
    assertThat(failure(first).reason()).isEqualTo(Reason.HASH_MISMATCH);

    CompletableFuture<byte[]> second = nf.transfers().expect(c.id(), FEDERATION, sha256(good), good.size());
    send(good);
    assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo(good.toByteArray());

    // The same story through fetch: the first answer is wrong, fetch expects again and asks again.
    AtomicInteger asked = new AtomicInteger();
    AtomicReference<CompletableFuture<?>> sending = new AtomicReference<>(CompletableFuture.completedFuture(null));
    Runnable ask = () -> {
      ByteString answer = asked.getAndIncrement() == 0 ? bad : good;
      // Asked on f's receiving thread, before c has its last receipt: queue the send behind the previous one.
      sending.set(sending.get().handle((r, t) -> null).thenCompose(x -> nc.sendRouted(f.id(), FEDERATION, answer)));
    };
    byte[] fetched = nf.transfers().fetch(c.id(), FEDERATION, sha256(good), good.size(), ask, 3).get(30, TimeUnit.SECONDS);
    assertThat(fetched).isEqualTo(good.toByteArray());
    assertThat(asked).hasValue(2);
    sending.get().get(20, TimeUnit.SECONDS);
  }
}
