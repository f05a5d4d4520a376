package io.fedmesh.node.relay;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.relay.ExpectedTransferException.Reason;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.TransferReceipt;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The receiving side of {@link RoutedTransfers}: chunks in, a receipt (length, SHA-256, chunks) out on
 * the last one, whether or not the payload was expected.
 *
 * <p>A transfer nobody expects is only hashed (its bytes are dropped as they arrive): cheap, so up to
 * {@link #MAX_INCOMING} run at once. A transfer {@linkplain #expect expected} is also buffered, up to its
 * declared length and never past it: a chunk that would pass it is refused ({@code oversized}) and ends
 * the transfer. On the last chunk the bytes are checked against the declared length and SHA-256, and the
 * expectation's future completes with them or fails with an {@link ExpectedTransferException}. Buffered
 * memory is bounded by what this node asked for: at most {@link #MAX_EXPECTED} expectations are open at
 * once, each of at most {@link #MAX_EXPECTED_BYTES}, and each ends at its timeout (its partial buffer
 * dropped with it).
 *
 * <p>An expectation binds to the next transfer from its sender in its federation that starts (a chunk at
 * offset 0) after it was made; one already under way finishes hash-only. A transfer that starts again at
 * offset 0 replaces the one under way (its sender started over). A chunk with no transfer under way is
 * refused {@code out_of_order} and leaves an unbound expectation waiting. Thread-safe: the chunks of one
 * transfer arrive in order on one stream; {@code expect} and timeouts come from any thread.
 */
final class TransferInbox {
  /** Transfers being received at once, at most (expected or not). */
  static final int MAX_INCOMING = 1024;
  /** Expectations open at once, at most: each may buffer up to its declared length. */
  static final int MAX_EXPECTED = 8;
  /** The largest length an expectation may declare. */
  static final long MAX_EXPECTED_BYTES = 1L << 30;

  private final NodeMetrics metrics;
  private final Map<String, Expectation> expected = new ConcurrentHashMap<>();
  private final Map<String, Incoming> incoming = new ConcurrentHashMap<>();

  TransferInbox(NodeMetrics metrics) {
    this.metrics = metrics;
  }

  /** See {@link RoutedTransfers#expect(NodeId, String, byte[], long, Duration)}. */
  CompletableFuture<byte[]> expect(NodeId from, String federation, byte[] sha256, long size, Duration timeout) {
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a SHA-256 is 32 bytes, not " + sha256.length);
    }
    if (size < 0 || size > MAX_EXPECTED_BYTES) {
      throw new IllegalArgumentException("a declared length must be in [0, " + MAX_EXPECTED_BYTES + "], not " + size);
    }
    String id = key(from, federation);
    Expectation e = new Expectation(from, federation, sha256.clone(), size);
    synchronized (expected) {
      if (expected.size() >= MAX_EXPECTED) {
        return CompletableFuture.failedFuture(new ExpectedTransferException(Reason.BUSY, MAX_EXPECTED
            + " expected transfers are open already"));
      }
      if (expected.putIfAbsent(id, e) != null) {
        return CompletableFuture.failedFuture(new ExpectedTransferException(Reason.BUSY, "a transfer " + e.origin()
            + " is expected already"));
      }
    }
    // orTimeout cancels its timer once the future completes: nothing keeps the bytes alive after that.
    // The caller's future completes only after the expectation is closed, so it may expect again at once.
    CompletableFuture<byte[]> closed = e.bytes.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((bytes, failure) -> {
      expected.remove(id, e);
      // Timed out mid-transfer: drop the partial buffer now; the sender's next chunks are refused.
      incoming.computeIfPresent(id, (k, in) -> in.expectation == e ? null : in);
    });
    return closed.exceptionallyCompose(failure -> CompletableFuture.failedFuture(
        unwrap(failure) instanceof TimeoutException ? new ExpectedTransferException(Reason.TIMEOUT, "no complete transfer "
            + e.origin() + " within " + timeout.toMillis() + " ms") : unwrap(failure)));
  }

  /** See {@link RoutedTransfers#abandon(NodeId, String)}. */
  boolean abandon(NodeId from, String federation) {
    Expectation e = expected.get(key(from, federation));
    return e != null && e.bytes.completeExceptionally(new ExpectedTransferException(Reason.ABANDONED,
        "the transfer " + e.origin() + " is no longer wanted"));
  }

  /**
   * Takes one chunk that {@code sender}, a member of {@code federation}, sent here (its envelope
   * verified). Returns the receipt to send back if it was the last chunk, else null.
   */
  TransferReceipt accept(NodeId sender, String federation, Chunk chunk) {
    String id = key(sender, federation);
    Incoming in;
    if (chunk.getOffset() == 0) {
      if (incoming.size() >= MAX_INCOMING && !incoming.containsKey(id)) {
        metrics.envelopeRefused("busy");
        return null;
      }
      Expectation e = expected.get(id);
      in = new Incoming(id, e == null || e.bytes.isDone() ? null : e);
      incoming.put(id, in);
    } else {
      in = incoming.get(id);
      if (in == null) {
        metrics.envelopeRefused("out_of_order");
        return null;
      }
    }
    synchronized (in) {
      return in.accept(chunk);
    }
  }

  private static String key(NodeId node, String federation) {
    return node + "/" + federation;
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** What the receiver asked for: who sends it, its length and hash, and who waits for the bytes. */
  private static final class Expectation {
    final NodeId from;
    final String federation;
    final byte[] sha256;
    final long size;
    final CompletableFuture<byte[]> bytes = new CompletableFuture<>();

    Expectation(NodeId from, String federation, byte[] sha256, long size) {
      this.from = from;
      this.federation = federation;
      this.sha256 = sha256;
      this.size = size;
    }

    String origin() {
      return "from " + from.shortForm() + " in federation '" + federation + "'";
    }

    void fail(Reason reason, String detail) {
      bytes.completeExceptionally(new ExpectedTransferException(reason, detail + " (transfer " + origin() + ")"));
    }

    /** The last chunk is in: completes with {@code data} if its length and hash are the declared ones. */
    void settle(byte[] data, long received, byte[] digest) {
      if (received != size) {
        fail(Reason.SHORT, "the last chunk ended the payload at " + received + " of the declared " + size + " bytes");
      } else if (!MessageDigest.isEqual(digest, sha256)) {
        fail(Reason.HASH_MISMATCH, "the received bytes hash to SHA-256 " + HexFormat.of().formatHex(digest)
            + ", expected " + HexFormat.of().formatHex(sha256));
      } else {
        bytes.complete(data);
      }
    }
  }

  /** One transfer under way: a running hash, and the buffer when it is expected. Guarded by itself. */
  private final class Incoming {
    final String id;
    final Expectation expectation;
    final byte[] buffer;
    final MessageDigest sha256;
    long received;
    int chunks;

    Incoming(String id, Expectation expectation) {
      this.id = id;
      this.expectation = expectation;
      this.buffer = expectation == null ? null : new byte[(int) expectation.size];
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }

    TransferReceipt accept(Chunk chunk) {
      if (incoming.get(id) != this) {
        // Replaced by a transfer started over, or dropped at its expectation's timeout.
        metrics.envelopeRefused("out_of_order");
        return null;
      }
      ByteString data = chunk.getData();
      if (chunk.getOffset() != received || data.isEmpty() && !chunk.getLast()) {
        end("out_of_order", Reason.OUT_OF_ORDER, "a chunk at offset " + Long.toUnsignedString(chunk.getOffset())
            + (data.isEmpty() ? " (empty)" : "") + " where offset " + received + " was due");
        return null;
      }
      if (expectation != null && received + data.size() > expectation.size) {
        end("oversized", Reason.OVERSIZED, "a chunk of " + data.size() + " bytes at offset " + received
            + " would pass the declared " + expectation.size + " bytes");
        return null;
      }
      data.asReadOnlyByteBufferList().forEach(sha256::update);
      if (buffer != null) {
        data.copyTo(buffer, (int) received);
      }
      received += data.size();
      chunks++;
      if (!chunk.getLast()) {
        return null;
      }
      incoming.remove(id, this);
      byte[] digest = sha256.digest();
      if (expectation != null) {
        expectation.settle(buffer, received, digest);
      }
      return TransferReceipt.newBuilder().setBytes(received).setChunks(chunks).setSha256(ByteString.copyFrom(digest)).build();
    }

    private void end(String refusal, Reason reason, String detail) {
      incoming.remove(id, this);
      metrics.envelopeRefused(refusal);
      if (expectation != null) {
        expectation.fail(reason, detail);
      }
    }
  }
}
