package io.fedmesh.node.relay;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.transport.ChunkedSender;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.TransferReceipt;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
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
 */
public final class RoutedTransfers {
  static final int IN_FLIGHT = 4;
  /** Transfers being received at once, at most: each holds only a running hash. */
  static final int MAX_INCOMING = 1024;

  private static final class Incoming {
    final MessageDigest sha256;
    long received;
    int chunks;

    Incoming() {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }
  }

  private final EnvelopeRouter router;
  private final SigningKey key;
  private final NodeConfig config;
  private final NodeMetrics metrics;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Incoming> incoming = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<TransferReceipt>> outgoing = new ConcurrentHashMap<>();

  public RoutedTransfers(EnvelopeRouter router, SigningKey key, NodeConfig config, NodeMetrics metrics, Clock clock) {
    this.router = router;
    this.key = key;
    this.config = config;
    this.metrics = metrics;
    this.clock = clock;
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
    result.orTimeout(60 + payload.size() / (1 << 20), java.util.concurrent.TimeUnit.SECONDS);
    result.whenComplete((r, e) -> outgoing.remove(id, result));
    new Object() {
      private long offset;
      private boolean done;

      void start() {
        for (int i = 0; i < IN_FLIGHT; i++) {
          next();
        }
      }

      // Synchronized through the send: chunks must be queued in offset order, and the callback of one
      // written chunk (another thread) asks for the next while this one may still be queueing.
      synchronized void next() {
        if (done || result.isDone()) {
          return;
        }
        int length = (int) Math.min(ChunkedSender.CHUNK_BYTES, payload.size() - offset);
        boolean last = offset + length == payload.size();
        Envelope envelope = envelope(recipient, federation, Kind.KIND_CHUNK).setChunk(Chunk.newBuilder().setOffset(offset)
            .setData(payload.substring((int) offset, (int) offset + length)).setLast(last)).build();
        offset += length;
        done = last;
        if (!router.send(Envelopes.sign(envelope, key), this::written)) {
          done = true;
          result.completeExceptionally(new IllegalStateException("no route to " + recipient.shortForm() + " now"));
        }
      }

      void written(boolean sent) {
        if (sent) {
          next();
        } else {
          // A chunk dropped (its stream closed): the receiver will never see the rest in order.
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

  private void onChunk(Envelope envelope, NodeId sender) {
    String federation = envelope.getFederation().getName();
    String id = sender + "/" + federation;
    if (!config.federations().containsKey(federation) || config.roles(federation, sender).isEmpty()) {
      metrics.envelopeRefused("not_a_member");
      return;
    }
    Chunk chunk = envelope.getChunk();
    Incoming in = chunk.getOffset() == 0 ? new Incoming() : incoming.get(id);
    if (chunk.getOffset() == 0) {
      if (incoming.size() >= MAX_INCOMING && !incoming.containsKey(id)) {
        metrics.envelopeRefused("busy");
        return;
      }
      incoming.put(id, in);
    }
    if (in == null || chunk.getOffset() != in.received || chunk.getData().isEmpty() && !chunk.getLast()) {
      incoming.remove(id);
      metrics.envelopeRefused("out_of_order");
      return;
    }
    chunk.getData().asReadOnlyByteBufferList().forEach(in.sha256::update);
    in.received += chunk.getData().size();
    in.chunks++;
    if (chunk.getLast()) {
      incoming.remove(id, in);
      TransferReceipt receipt = TransferReceipt.newBuilder().setBytes(in.received).setChunks(in.chunks)
          .setSha256(ByteString.copyFrom(in.sha256.digest())).build();
      router.send(Envelopes.sign(envelope(sender, federation, Kind.KIND_TRANSFER_RECEIPT).setTransferReceipt(receipt).build(), key),
          sent -> { });
    }
  }

  private void onReceipt(Envelope envelope, NodeId sender) {
    CompletableFuture<TransferReceipt> waiting = outgoing.get(sender + "/" + envelope.getFederation().getName());
    if (waiting != null) {
      waiting.complete(envelope.getTransferReceipt());
    }
  }

  private static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
