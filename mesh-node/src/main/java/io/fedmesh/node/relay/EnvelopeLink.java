package io.fedmesh.node.relay;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.Envelope;
import io.grpc.stub.CallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The sending half of one open {@code Connect} stream, at either end: envelopes wait in a bounded
 * queue and go out only while gRPC flow control says the stream is ready, so a slow peer slows its
 * senders instead of filling this node's memory. Gossip jumps ahead of bulk chunks, so a probe or a
 * refutation never waits behind a transfer. Each envelope carries a callback run once it has been
 * handed to the transport, or dropped, which is how a relay passes backpressure on to the stream the
 * envelope came from. A link made for a stream this node dialled stays shut until the server has
 * proved who it is.
 */
final class EnvelopeLink {
  /** Queued bytes at most, per link: senders keep a few envelopes in flight each, so only misuse gets here. */
  static final long MAX_QUEUED_BYTES = 16L << 20;

  private record Pending(Envelope envelope, EnvelopeRouter.Sent callback, int bytes) {}

  private final NodeId peer;
  private final CallStreamObserver<Envelope> out;
  private final ArrayDeque<Pending> urgent = new ArrayDeque<>();
  private final ArrayDeque<Pending> bulk = new ArrayDeque<>();
  private long queuedBytes;
  private boolean open;
  private boolean closed;

  /**
   * Must be made where gRPC allows setting the on-ready handler (handler start, or beforeStart).
   *
   * @param open false for a dialled stream: nothing is sent before {@link #open()}
   */
  EnvelopeLink(NodeId peer, CallStreamObserver<Envelope> out, boolean open) {
    this.peer = peer;
    this.out = out;
    this.open = open;
    out.setOnReadyHandler(this::drain);
  }

  NodeId peer() {
    return peer;
  }

  /** The peer is who it should be: start sending. */
  void open() {
    synchronized (this) {
      open = true;
    }
    drain();
  }

  /** Queues {@code envelope}; false (and {@code sent} not told) if the link is closed or full. */
  boolean offer(Envelope envelope, EnvelopeRouter.Sent sent) {
    int bytes = envelope.getSerializedSize();
    synchronized (this) {
      if (closed || queuedBytes + bytes > MAX_QUEUED_BYTES && !(urgent.isEmpty() && bulk.isEmpty())) {
        return false;
      }
      (envelope.hasGossip() ? urgent : bulk).add(new Pending(envelope, sent, bytes));
      queuedBytes += bytes;
    }
    drain();
    return true;
  }

  void drain() {
    List<Runnable> done = new ArrayList<>();
    synchronized (this) {
      // StreamObserver is not thread-safe: every call on it happens under this lock.
      while (open && !closed && (!urgent.isEmpty() || !bulk.isEmpty()) && out.isReady()) {
        Pending p = urgent.isEmpty() ? bulk.poll() : urgent.poll();
        queuedBytes -= p.bytes();
        boolean sent = true;
        try {
          out.onNext(p.envelope());
        } catch (RuntimeException streamGone) {
          closed = true; // cancelled underneath us: what is left is dropped below
          sent = false;
        }
        boolean wasSent = sent;
        done.add(() -> p.callback().done(wasSent));
      }
      if (closed) {
        dropQueued(done);
      }
    }
    // Outside the lock: a callback may feed another link.
    done.forEach(Runnable::run);
  }

  private void dropQueued(List<Runnable> done) {
    for (ArrayDeque<Pending> q : List.of(urgent, bulk)) {
      q.forEach(p -> done.add(() -> p.callback().done(false)));
      q.clear();
    }
    queuedBytes = 0;
  }

  /** Stops sending; whatever is still queued is dropped (its callbacks run, so senders are not stuck). */
  void close() {
    List<Runnable> dropped = new ArrayList<>();
    synchronized (this) {
      closed = true;
      dropQueued(dropped);
    }
    dropped.forEach(Runnable::run);
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Runs {@code action} on the stream under the link's lock (ending it, cancelling it), after closing the link. */
  void end(java.util.function.Consumer<CallStreamObserver<Envelope>> action) {
    close();
    synchronized (this) {
      try {
        action.accept(out);
      } catch (RuntimeException alreadyGone) {
        // The stream ended first: nothing to tell the peer.
      }
    }
  }

  /** Ends the stream from this side (the peer sees it complete), after closing the link. */
  void complete() {
    end(CallStreamObserver::onCompleted);
  }
}
