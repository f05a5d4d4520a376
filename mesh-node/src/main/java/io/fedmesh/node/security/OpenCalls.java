package io.fedmesh.node.security;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Every authenticated call still open, with the certificate its caller presented, so that a call can
 * be ended when its caller's certificate is revoked: a peer is authenticated when its call opens, and
 * a {@code Connect} stream would otherwise outlive the revocation by as long as the peer keeps it up.
 * Installed after {@link AuthenticationInterceptor} (it reads the caller it put in the context).
 *
 * <p>What the service sends on a tracked call and the close this class may force are serialised, and
 * once the call is closed, whatever the service still sends is dropped: the service learns of the
 * end through its call's close (or cancel) handler, as for any end of a stream.
 */
public final class OpenCalls implements ServerInterceptor {
  private final Set<Tracked<?, ?>> open = ConcurrentHashMap.newKeySet();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    PeerAuthenticator.Peer caller = CallerIdentity.KEY.get();
    if (caller == null) {
      return next.startCall(call, headers); // refused before here: nothing to track
    }
    Tracked<Q, R> tracked = new Tracked<>(call, caller);
    open.add(tracked);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(tracked, headers);
    } catch (RuntimeException e) {
      open.remove(tracked);
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        open.remove(tracked);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        open.remove(tracked);
        super.onCancel();
      }
    };
  }

  /**
   * Ends, UNAUTHENTICATED with reason {@code revoked}, every open call whose caller {@code revoked} names.
   *
   * @return how many calls it ended
   */
  public int closeIf(Predicate<PeerAuthenticator.Peer> revoked) {
    int closed = 0;
    for (Tracked<?, ?> call : open) {
      if (revoked.test(call.caller) && call.closeRevoked()) {
        open.remove(call);
        closed++;
      }
    }
    return closed;
  }

  /** How many authenticated calls are open now. */
  public int size() {
    return open.size();
  }

  private static final class Tracked<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    final PeerAuthenticator.Peer caller;
    private boolean closed;

    Tracked(ServerCall<Q, R> delegate, PeerAuthenticator.Peer caller) {
      super(delegate);
      this.caller = caller;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized boolean closeRevoked() {
      if (closed) {
        return false;
      }
      close(Status.UNAUTHENTICATED.withDescription(AuthenticationFailure.Reason.REVOKED.label() + ": certificate "
          + caller.certificate().getSerialNumber().toString(16) + " was revoked while this call was open"), new Metadata());
      return true;
    }
  }
}
