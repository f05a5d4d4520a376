package io.fedmesh.node.transport;

import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.TransferReceipt;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Receives one payload streamed as chunk envelopes: each envelope must pass the {@link EnvelopeGuard},
 * name the federation of the first, and continue exactly where the last chunk ended. The bytes are
 * hashed as they arrive, never held whole. The first refusal ends the stream with its status, and so
 * does a sender that goes quiet for {@link #IDLE_MILLIS} mid-transfer (a stalled stream would
 * otherwise hold its slot forever).
 */
public final class TransferReceiver implements StreamObserver<Envelope> {
  /** The largest payload one transfer may carry. */
  public static final long MAX_BYTES = 1L << 32;
  /** A transfer that receives nothing for this long ends with DEADLINE_EXCEEDED. */
  public static final long IDLE_MILLIS = 60_000;

  private final EnvelopeGuard guard;
  private final VerifyingKey callerKey;
  private final NodeMetrics metrics;
  private final StreamObserver<TransferReceipt> response;
  private final MessageDigest sha256;
  private String federation;
  private long received;
  private int chunks;
  private boolean finished;
  private long lastHeardNanos = System.nanoTime();
  private java.util.concurrent.ScheduledFuture<?> idleCheck;

  public TransferReceiver(EnvelopeGuard guard, VerifyingKey callerKey, NodeMetrics metrics, StreamObserver<TransferReceipt> response) {
    this(guard, callerKey, metrics, response, null, IDLE_MILLIS);
  }

  /**
   * @param timer checks for a sender gone quiet (null: never)
   * @param idleMillis how quiet is too quiet
   */
  public TransferReceiver(EnvelopeGuard guard, VerifyingKey callerKey, NodeMetrics metrics, StreamObserver<TransferReceipt> response,
      java.util.concurrent.ScheduledExecutorService timer, long idleMillis) {
    this.guard = guard;
    this.callerKey = callerKey;
    this.metrics = metrics;
    this.response = response;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    if (timer != null) {
      long period = Math.max(1, idleMillis / 4);
      idleCheck = timer.scheduleAtFixedRate(() -> endIfIdle(idleMillis), period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void endIfIdle(long idleMillis) {
    if (finished) {
      idleCheck.cancel(false);
    } else if (System.nanoTime() - lastHeardNanos > idleMillis * 1_000_000) {
      finish();
      metrics.envelopeRefused("idle");
      response.onError(Status.DEADLINE_EXCEEDED.withDescription("idle: nothing received for " + idleMillis + " ms").asRuntimeException());
    }
  }

  /** Ends the transfer here; the idle check stops with it. */
  private void finish() {
    finished = true;
    if (idleCheck != null) {
      idleCheck.cancel(false);
    }
  }

  @Override
  public synchronized void onNext(Envelope envelope) {
    if (finished) {
      return;
    }
    lastHeardNanos = System.nanoTime();
    try {
      accept(envelope);
    } catch (EnvelopeRefusal refusal) {
      finish();
      metrics.envelopeRefused(refusal.reason());
      response.onError(refusal.status().asRuntimeException());
    }
  }

  private void accept(Envelope envelope) throws EnvelopeRefusal {
    guard.check(envelope, callerKey);
    if (federation == null) {
      federation = envelope.getFederation().getName();
    } else if (!federation.equals(envelope.getFederation().getName())) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "federation_changed",
          "the transfer began in federation '" + federation + "' and cannot continue in another");
    }
    if (!envelope.hasChunk()) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "not_a_chunk", "a transfer carries chunks only");
    }
    Chunk chunk = envelope.getChunk();
    if (chunk.getData().isEmpty() && !chunk.getLast()) {
      // An empty chunk moves nothing forward; a stream of them would only fill the replay window.
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "empty_chunk", "only the last chunk may be empty");
    }
    if (chunk.getOffset() != received) {
      throw new EnvelopeRefusal(Status.Code.INVALID_ARGUMENT, "out_of_order",
          "chunk at offset " + Long.toUnsignedString(chunk.getOffset()) + ", expected " + received);
    }
    if (received + chunk.getData().size() > MAX_BYTES) {
      throw new EnvelopeRefusal(Status.Code.RESOURCE_EXHAUSTED, "too_large", "the payload exceeds " + MAX_BYTES + " bytes");
    }
    chunk.getData().asReadOnlyByteBufferList().forEach(sha256::update);
    received += chunk.getData().size();
    chunks++;
    if (chunk.getLast()) {
      finish();
      response.onNext(TransferReceipt.newBuilder().setBytes(received).setChunks(chunks)
          .setSha256(com.google.protobuf.ByteString.copyFrom(sha256.digest())).build());
      response.onCompleted();
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    finish();
  }

  @Override
  public synchronized void onCompleted() {
    if (!finished) {
      finish();
      metrics.envelopeRefused("incomplete");
      response.onError(Status.INVALID_ARGUMENT.withDescription("incomplete: the stream ended before the last chunk").asRuntimeException());
    }
  }
}
