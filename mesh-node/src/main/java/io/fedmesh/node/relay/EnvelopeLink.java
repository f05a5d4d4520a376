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
 * senders instead of filling this node's memory. Each envelope carries a callback run once it has
 * been handed to the transport (or dropped), which is how a relay passes backpressure on to the
 * stream the envelope came from.
 */
final class EnvelopeLink {
  /** Envelopes queued at most; senders keep a few in flight each, so this is only reached by misuse. */
  static final int MAX_QUEUED = 256;

  private record Pending(Envelope envelope, Runnable written) {}

  private final NodeId peer;
  private final CallStreamObserver<Envelope> out;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean closed;

  /** Must be made where gRPC allows setting the on-ready handler (handler start, or beforeStart). */
  EnvelopeLink(NodeId peer, CallStreamObserver<Envelope> out) {
    this.peer = peer;
    this.out = out;
    out.setOnReadyHandler(this::drain);
  }

  NodeId peer() {
    return peer;
  }

  /** Queues {@code envelope}; false (and {@code written} not run) if the link is closed or full. */
  boolean offer(Envelope envelope, Runnable written) {
    synchronized (this) {
      if (closed || queue.size() >= MAX_QUEUED) {
        return false;
      }
      queue.add(new Pending(envelope, written));
    }
    drain();
    return true;
  }

  void drain() {
    List<Runnable> done = new ArrayList<>();
    synchronized (this) {
      // StreamObserver is not thread-safe: every onNext happens under this lock.
      while (!closed && !queue.isEmpty() && out.isReady()) {
        Pending p = queue.poll();
        try {
          out.onNext(p.envelope());
        } catch (RuntimeException streamGone) {
          closed = true; // cancelled underneath us: what is left is dropped below
        }
        done.add(p.written());
      }
      if (closed) {
        queue.forEach(p -> done.add(p.written()));
        queue.clear();
      }
    }
    // Outside the lock: a callback may feed another link.
    done.forEach(Runnable::run);
  }

  /** Stops sending; whatever is still queued is dropped (its callbacks run, so senders are not stuck). */
  void close() {
    List<Runnable> dropped = new ArrayList<>();
    synchronized (this) {
      closed = true;
      queue.forEach(p -> dropped.add(p.written()));
      queue.clear();
    }
    dropped.forEach(Runnable::run);
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Ends the stream from this side (the peer sees it complete), after closing the link. */
  void complete() {
    close();
    synchronized (this) {
      try {
        out.onCompleted();
      } catch (RuntimeException alreadyGone) {
        // The stream ended first: nothing to tell the peer.
      }
    }
  }
}
