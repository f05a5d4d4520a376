package io.fedmesh.node.relay;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.ExpectedServer;
import io.fedmesh.node.security.PeerAuthenticator;
import io.fedmesh.node.transport.ChannelPool;
import io.fedmesh.node.transport.EnvelopeRefusal;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.MeshGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Opens {@code Connect} streams to peers: the server must be the expected node (checked on its
 * certificate before anything it sends is read), what it sends goes to the router, and at most
 * {@link #WINDOW} envelopes are read ahead of what the router has passed on.
 */
public final class ConnectStreams {
  /** Envelopes a stream may have read but not yet passed on: enough to keep 1 MiB chunks flowing. */
  static final int WINDOW = 4;

  private final ChannelPool channels;
  private final PeerAuthenticator authenticator;
  private final NodeMetrics metrics;

  public ConnectStreams(ChannelPool channels, PeerAuthenticator authenticator, NodeMetrics metrics) {
    this.channels = channels;
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  /**
   * Opens a stream to {@code peer} at {@code address}.
   *
   * @param onOpen told once the server proved it is {@code peer} (its certificate: the CA's, unrevoked,
   *     naming that node); nothing is sent on the stream before
   * @param onClosed told once when the stream ends, for whatever reason
   * @throws IllegalStateException if the address cannot be dialled
   */
  EnvelopeLink open(NodeId peer, String address, EnvelopeRouter router, Runnable onOpen, Consumer<EnvelopeLink> onClosed) {
    AtomicReference<VerifyingKey> serverKey = new AtomicReference<>();
    AtomicReference<EnvelopeLink> made = new AtomicReference<>();
    MeshGrpc.newStub(channels.channel(address))
        .withInterceptors(new ExpectedServer(authenticator, peer, p -> {
          serverKey.set(p.key());
          made.get().provedBy(p.certificate());
          made.get().open();
          onOpen.run();
        }))
        .connect(new ClientResponseObserver<Envelope, Envelope>() {
          private ClientCallStreamObserver<Envelope> requests;
          private boolean ended;

          @Override
          public void beforeStart(ClientCallStreamObserver<Envelope> requests) {
            this.requests = requests;
            requests.disableAutoRequestWithInitial(WINDOW);
            made.set(new EnvelopeLink(peer, requests, false));
          }

          @Override
          public void onNext(Envelope envelope) {
            try {
              router.receive(envelope, peer, serverKey.get(), () -> requests.request(1));
            } catch (EnvelopeRefusal refusal) {
              // The peer itself sent something it must not: hang up on it.
              made.get().end(stream -> ((ClientCallStreamObserver<Envelope>) stream).cancel(refusal.getMessage(), null));
            }
          }

          @Override
          public void onError(Throwable t) {
            end();
          }

          @Override
          public void onCompleted() {
            end();
          }

          private synchronized void end() {
            if (!ended) {
              ended = true;
              made.get().close();
              onClosed.accept(made.get());
            }
          }
        });
    return made.get();
  }

  NodeMetrics metrics() {
    return metrics;
  }
}
