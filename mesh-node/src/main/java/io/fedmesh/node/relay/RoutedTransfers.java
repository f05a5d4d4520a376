package io.fedmesh.node.relay;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.ledger.FederationDirectory;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.TransferReceipt;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Payloads sent to any node, reachable or behind a firewall, as signed chunk envelopes routed over
 * Connect streams; the receiver answers with a signed receipt (length, SHA-256, chunks) routed back.
 * At most {@link #IN_FLIGHT} chunks of one transfer are queued at a time, so a slow path slows the
 * sender. Both ends must be members of the federation the chunks name. One transfer per peer and
 * federation at a time; a chunk out of order ends the transfer at the receiver, a dropped one at the
 * sender, and a transfer still unanswered after a minute plus a second per MiB fails.
 *
 * <p>Receiving: a transfer nobody {@linkplain #expect expects} is hashed, answered with a receipt and
 * its bytes dropped (a probe, or a benchmark). A node that needs the bytes (a model, an update) first
 * calls {@link #expect} with their length and SHA-256, then asks the sender for them; the bytes are
 * buffered and checked (see {@link TransferInbox} for the bounds).
 *
 * <p><b>End-to-end retry is the requester's job.</b> A relayed chunk that is lost (a stream closed, a
 * relay restarted) is never resent, by the sender or by any relay: the transfer fails at the sender,
 * and the receiver's expectation fails (out of order) or times out. Whoever needs the bytes calls
 * {@code expect} again and asks again; {@link #fetch} does both, a given number of times.
 */
public final class RoutedTransfers {
  static final int IN_FLIGHT = 4;
  /** The largest chunk a transfer sends: the envelope limit. */
  public static final int CHUNK_BYTES = Envelopes.MAX_CHUNK_BYTES;

  private final EnvelopeRouter router;
  private final SigningKey key;
  private final FederationDirectory federations;
  private final NodeMetrics metrics;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final TransferInbox inbox;
  private final Map<String, CompletableFuture<TransferReceipt>> outgoing = new ConcurrentHashMap<>();

  public RoutedTransfers(EnvelopeRouter router, SigningKey key, FederationDirectory federations, NodeMetrics metrics, Clock clock) {
    this.router = router;
    this.key = key;
    this.federations = federations;
    this.metrics = metrics;
    this.clock = clock;
    this.inbox = new TransferInbox(metrics);
    router.handle(Envelope.PayloadCase.CHUNK, this::onChunk);
    router.handle(Envelope.PayloadCase.TRANSFER_RECEIPT, this::onReceipt);
  }

  /**
   * Sends {@code payload} to {@code recipient} in {@code federation}; completes with its receipt, or
   * exceptionally if there is no route (the caller bounds the wait: a lost chunk is never resent).
   */
  public CompletableFuture<TransferReceipt> send(NodeId recipient, String federation, ByteString payload) {
    CompletableFuture<TransferReceipt> result = new CompletableFuture<>();
    String id = recipient + "/" + federation;
    if (outgoing.putIfAbsent(id, result) != null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "a transfer to " + recipient.shortForm() + " in federation '" + federation + "' is already running"));
    }
    // Lost chunks are not resent: past a generous deadline (a minute, plus a second per MiB) the
    // transfer fails, so it does not block the next one to this peer forever.
    result.orTimeout(defaultTimeout(payload.size()).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    // A backstop (timeout, cancel): dependents run newest first, so where this class completes the
    // future itself it removes the entry first, and a caller may send again from its own callback.
    result.whenComplete((r, e) -> outgoing.remove(id, result));
    new Object() {
      private long offset;
      private boolean done;
      private int wanted;
      private boolean sending;

      void start() {
        for (int i = 0; i < IN_FLIGHT; i++) {
          next();
        }
      }

      // Chunks must be queued in offset order, and the callback of a written chunk (any thread, maybe
      // inside another transfer's send) asks for the next one. One thread at a time sends, and never
      // under this object's lock: a callback that arrives meanwhile only counts a chunk wanted, which
      // the sending thread then sends. (Sending under the lock deadlocked two transfers whose callbacks
      // ran inside each other's sends.)
      void next() {
        synchronized (this) {
          wanted++;
          if (sending) {
            return;
          }
          sending = true;
        }
        while (true) {
          Envelope envelope;
          synchronized (this) {
            if (wanted == 0 || done || result.isDone()) {
              sending = false;
              return;
            }
            wanted--;
            int length = (int) Math.min(CHUNK_BYTES, payload.size() - offset);
            boolean last = offset + length == payload.size();
            envelope = envelope(recipient, federation, Kind.KIND_CHUNK).setChunk(Chunk.newBuilder().setOffset(offset)
                .setData(payload.substring((int) offset, (int) offset + length)).setLast(last)).build();
            offset += length;
            done = last;
          }
          if (!router.send(Envelopes.sign(envelope, key), this::written)) {
            synchronized (this) {
              done = true;
              sending = false;
            }
            outgoing.remove(id, result);
            result.completeExceptionally(new IllegalStateException("no route to " + recipient.shortForm() + " now"));
            return;
          }
        }
      }

      void written(boolean sent) {
        if (sent) {
          next();
        } else {
          // A chunk dropped (its stream closed): the receiver will never see the rest in order.
          outgoing.remove(id, result);
          result.completeExceptionally(new IllegalStateException("the stream towards " + recipient.shortForm()
              + " closed during the transfer"));
        }
      }
    }.start();
    return result;
  }

  private Envelope.Builder envelope(NodeId recipient, String federation, Kind kind) {
    byte[] messageId = new byte[Envelopes.MESSAGE_ID_BYTES];
    random.nextBytes(messageId);
    return Envelope.newBuilder()
        .setFederation(FederationId.newBuilder().setName(federation))
        .setSender(id(key.verifyingKey().nodeId())).setRecipient(id(recipient))
        .setMessageId(ByteString.copyFrom(messageId))
        .setSentAtUnixMillis(clock.millis())
        .setKind(kind);
  }

  /**
   * Expects the next transfer from {@code from} in {@code federation} (one that starts after this call):
   * its bytes are buffered, refused past {@code size} (counted {@code oversized}), and on the last chunk
   * checked against {@code size} and {@code sha256}. The sender still gets its receipt. Call this before
   * asking for the bytes, or they may arrive unexpected (and be dropped).
   *
   * @param sha256 the payload's SHA-256 (32 bytes)
   * @param size the payload's length, in [0, {@link TransferInbox#MAX_EXPECTED_BYTES}]
   * @param timeout how long the whole payload may take to arrive, counted from now
   * @return completes with the bytes, or fails with an {@link ExpectedTransferException} whose reason
   *     says why (hash mismatch, short, oversized, out of order, timeout, busy); a failed expectation
   *     is closed, so the caller may expect again at once
   * @throws IllegalArgumentException if {@code sha256} is not 32 bytes or {@code size} is out of range
   */
  public CompletableFuture<byte[]> expect(NodeId from, String federation, byte[] sha256, long size, Duration timeout) {
    return inbox.expect(from, federation, sha256, size, timeout);
  }

  /** {@link #expect(NodeId, String, byte[], long, Duration)} with {@link #defaultTimeout} of {@code size}. */
  public CompletableFuture<byte[]> expect(NodeId from, String federation, byte[] sha256, long size) {
    return expect(from, federation, sha256, size, defaultTimeout(size));
  }

  /**
   * The end-to-end retry: expects the payload, then runs {@code ask} (which must ask {@code from} for
   * it, without blocking); if that expectation fails for any reason but {@code busy}, does both again,
   * {@code attempts} times in all. Completes with the bytes, or with the last failure.
   */
  public CompletableFuture<byte[]> fetch(NodeId from, String federation, byte[] sha256, long size, Runnable ask, int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
    }
    CompletableFuture<byte[]> bytes = expect(from, federation, sha256, size);
    if (bytes.isDone() && bytes.isCompletedExceptionally()) {
      return bytes;
    }
    ask.run();
    return attempts == 1 ? bytes : bytes.exceptionallyCompose(failure -> {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      return cause instanceof ExpectedTransferException e && e.reason() != ExpectedTransferException.Reason.BUSY
          && e.reason() != ExpectedTransferException.Reason.ABANDONED
          ? fetch(from, federation, sha256, size, ask, attempts - 1) : CompletableFuture.failedFuture(cause);
    });
  }

  /**
   * Gives up the open expectation of a transfer from {@code from} in {@code federation}, if any: its
   * future fails and the slot is free for the next {@link #expect}. For a requester whose need passed
   * (the round it fetched for is over) before its bytes came.
   *
   * @return whether an expectation was open
   */
  public boolean abandon(NodeId from, String federation) {
    return inbox.abandon(from, federation);
  }

  /** How long a payload of {@code bytes} may take, end to end: a minute, plus a second per MiB. */
  public static Duration defaultTimeout(long bytes) {
    return Duration.ofSeconds(60 + bytes / (1 << 20));
  }

  private void onChunk(Envelope envelope, NodeId sender) {
    String federation = envelope.getFederation().getName();
    if (!federations.knows(federation) || federations.roles(federation, sender).isEmpty()) {
      metrics.envelopeRefused("not_a_member");
      return;
    }
    TransferReceipt receipt = inbox.accept(sender, federation, envelope.getChunk());
    if (receipt != null) {
      router.send(Envelopes.sign(envelope(sender, federation, Kind.KIND_TRANSFER_RECEIPT).setTransferReceipt(receipt).build(), key),
          sent -> { });
    }
  }

  private void onReceipt(Envelope envelope, NodeId sender) {
    CompletableFuture<TransferReceipt> waiting = outgoing.remove(sender + "/" + envelope.getFederation().getName());
    if (waiting != null) {
      waiting.complete(envelope.getTransferReceipt());
    }
  }

  private static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
