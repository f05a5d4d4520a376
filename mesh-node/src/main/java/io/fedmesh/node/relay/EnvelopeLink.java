package io.fedmesh.node.relay;

import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.Envelope;
import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The sending half of one open {@code Connect} stream, at either end: envelopes wait in a bounded
 * queue and go out only while gRPC flow control says the stream is ready, so a slow peer costs at
 * most one queue of this node's memory. Gossip jumps ahead of bulk chunks, so a probe or a
 * refutation never waits behind a transfer. Each envelope carries a callback run once it has been
 * handed to the transport, or dropped, which is how this node's own senders pace themselves. A link
 * made for a stream this node dialled stays shut until the server has proved who it is. A link whose
 * queue has waited too long without the peer taking anything is {@link #stalled stalled}: the router
 * hangs up on it.
 */
final class EnvelopeLink {
  /**
   * Queued bytes at most, per link. A relay takes envelopes off the stream they came on as soon as
   * they are queued here, so this is all a recipient that reads slowly can hold of a relay's memory;
   * past it, envelopes for that recipient are dropped (its loss, nobody else's).
   */
  static final long MAX_QUEUED_BYTES = 16L << 20;

  private record Pending(Envelope envelope, EnvelopeRouter.Sent callback, int bytes) {}

  private final NodeId peer;
  private final CallStreamObserver<Envelope> out;
  private final ArrayDeque<Pending> urgent = new ArrayDeque<>();
  private final ArrayDeque<Pending> bulk = new ArrayDeque<>();
  private long queuedBytes;
  /** When the queue last made progress: it became non-empty, or an envelope left it (System.nanoTime). */
  private long progressNanos;
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

  /** The certificate the peer proved itself with, for a stream this node dialled (null until then, or for one the peer opened). */
  private volatile java.security.cert.X509Certificate provedBy;

  void provedBy(java.security.cert.X509Certificate certificate) {
    this.provedBy = certificate;
  }

  java.security.cert.X509Certificate provedBy() {
    return provedBy;
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
      if (urgent.isEmpty() && bulk.isEmpty()) {
        progressNanos = System.nanoTime();
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
        progressNanos = System.nanoTime();
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

  /**
   * Whether envelopes have been waiting at least {@code stallNanos} (at {@code nowNanos}) without the
   * stream taking one: the peer stopped reading, or never proved who it is.
   */
  synchronized boolean stalled(long nowNanos, long stallNanos) {
    return !closed && !(urgent.isEmpty() && bulk.isEmpty()) && nowNanos - progressNanos >= stallNanos;
  }

  /**
   * Ends the stream with {@code status}, after closing the link: a stream this node dialled is
   * cancelled (reset at once); one the peer opened is closed with that status, which the peer reads
   * after what is already in flight.
   */
  void abort(Status status) {
    end(stream -> {
      if (stream instanceof ClientCallStreamObserver<Envelope> call) {
        call.cancel(status.getDescription(), status.asRuntimeException());
      } else {
        stream.onError(status.asRuntimeException());
      }
    });
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
