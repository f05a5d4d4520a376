package io.fedmesh.node.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/** Counts every call by method and final status (outermost, so refusals count too), and bytes on the wire. */
public final class CallMetricsInterceptor implements ServerInterceptor {
  private final NodeMetrics metrics;

  public CallMetricsInterceptor(NodeMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        metrics.call(method, status.getCode().name());
        super.close(status, trailers);
      }
    }, headers);
  }

  /** Wire bytes in and out of every stream. */
  public ServerStreamTracer.Factory byteTracer() {
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
          @Override
          public void inboundWireSize(long bytes) {
            metrics.receivedBytes(bytes);
          }

          @Override
          public void outboundWireSize(long bytes) {
            metrics.sentBytes(bytes);
          }
        };
      }
    };
  }
}
