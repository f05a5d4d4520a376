package io.fedmesh.node.transport;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.envelope.Envelopes;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Kind;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.TransferReceipt;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a payload to a peer's {@code Transfer} as signed chunk envelopes of at most 1 MiB, only while
 * the stream is ready (gRPC flow control: isReady/onReady), so a slow receiver slows the sender
 * instead of filling its memory. Each envelope gets a fresh 16-byte message id from the DRBG.
 */
public final class ChunkedSender {
  public static final int CHUNK_BYTES = Envelopes.MAX_CHUNK_BYTES;

  private ChunkedSender() {}

  /** Starts the transfer; the future completes with the receiver's receipt, or with its refusal. */
  public static CompletableFuture<TransferReceipt> send(NodeGrpc.NodeStub stub, ByteString payload, String federation,
      SigningKey key, NodeId recipient, Clock clock, SecureRandom random) {
    CompletableFuture<TransferReceipt> result = new CompletableFuture<>();
    io.fedmesh.proto.v1.NodeId from = id(key.verifyingKey().nodeId());
    io.fedmesh.proto.v1.NodeId to = id(recipient);
    stub.transfer(new ClientResponseObserver<Envelope, TransferReceipt>() {
      private long offset;
      private boolean done;

      @Override
      public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
        requests.setOnReadyHandler(() -> {
          // onReady can fire again after completion; and more than once while one call is still sending.
          synchronized (this) {
            while (!done && requests.isReady()) {
              int length = (int) Math.min(CHUNK_BYTES, payload.size() - offset);
              boolean last = offset + length == payload.size();
              byte[] messageId = new byte[Envelopes.MESSAGE_ID_BYTES];
              random.nextBytes(messageId);
              Envelope envelope = Envelope.newBuilder()
                  .setFederation(FederationId.newBuilder().setName(federation))
                  .setSender(from).setRecipient(to)
                  .setMessageId(ByteString.copyFrom(messageId))
                  .setSentAtUnixMillis(clock.millis())
                  .setKind(Kind.KIND_CHUNK)
                  .setChunk(Chunk.newBuilder().setOffset(offset)
                      .setData(payload.substring((int) offset, (int) offset + length)).setLast(last))
                  .build();
              requests.onNext(Envelopes.sign(envelope, key));
              offset += length;
              if (last) {
                done = true;
                requests.onCompleted();
              }
            }
          }
        });
      }

      @Override
      public void onNext(TransferReceipt receipt) {
        result.complete(receipt);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.completeExceptionally(new IllegalStateException("the receiver closed the transfer without a receipt"));
      }
    });
    return result;
  }

  private static io.fedmesh.proto.v1.NodeId id(NodeId node) {
    return io.fedmesh.proto.v1.NodeId.newBuilder().setSha256(ByteString.copyFrom(node.toBytes())).build();
  }
}
