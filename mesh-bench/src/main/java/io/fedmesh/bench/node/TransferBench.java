package io.fedmesh.bench.node;

import com.google.protobuf.ByteString;
import io.fedmesh.bench.Median;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.node.security.TlsContexts;
import io.fedmesh.node.server.NodeServer;
import io.fedmesh.node.transport.ChunkedSender;
import io.fedmesh.node.transport.EnvelopeGuard;
import io.fedmesh.node.transport.ReplayWindow;
import io.fedmesh.node.transport.TransferReceiver;
import io.fedmesh.proto.v1.Envelope;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.TransferReceipt;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A payload sent between two nodes on loopback as signed 1 MiB chunk envelopes, over mutual TLS 1.3
 * (a real node server) and over plaintext gRPC (the same receiver, no TLS), in the same run. Both
 * sign and verify every envelope, so the difference is TLS. Median of several transfers each.
 */
public final class TransferBench {
  private TransferBench() {}

  /** Median throughput of each, in bytes per second. */
  public record Result(double tlsBytesPerS, double plainBytesPerS) {
    public double ratio() {
      return tlsBytesPerS / plainBytesPerS;
    }
  }

  public static Result run(int megabytes, int repeats) throws Exception {
    Path dir = Files.createTempDirectory("fedmesh-bench-transfer");
    BenchPki pki = new BenchPki(dir);
    SecureRandom random = pki.random();
    byte[] bytes = new byte[megabytes << 20];
    new java.util.Random(1).nextBytes(bytes);
    ByteString payload = ByteString.copyFrom(bytes);
    SigningKey serverKey = pki.node("server");
    SigningKey clientKey = pki.node("client");
    Files.writeString(dir.resolve("node.yaml"), "data_dir: server\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n"
        + "tls: {ca: ../ca.crt, crl: ../crl.pem}\nfederations:\n  bench:\n    members:\n      "
        + clientKey.verifyingKey().nodeId().hex() + ": [participant]\n");
    double[] tls = new double[repeats];
    double[] plain = new double[repeats];
    try (NodeServer node = NodeServer.start(NodeConfig.load(dir.resolve("node.yaml")), Clock.systemUTC());
        PlainReceiver plainServer = new PlainReceiver(serverKey.verifyingKey().nodeId(), clientKey)) {
      ManagedChannel tlsChannel = NettyChannelBuilder.forAddress("127.0.0.1", node.port())
          .sslContext(TlsContexts.client(dir.resolve("client/node.crt").toFile(), dir.resolve("client/node.key").toFile(),
              dir.resolve("ca.crt").toFile())).build();
      ManagedChannel plainChannel = NettyChannelBuilder.forAddress("127.0.0.1", plainServer.port()).usePlaintext().build();
      try {
        NodeId server = serverKey.verifyingKey().nodeId();
        send(tlsChannel, payload, clientKey, server, random); // warm-up
        send(plainChannel, payload, clientKey, server, random);
        for (int r = 0; r < repeats; r++) {
          tls[r] = send(tlsChannel, payload, clientKey, server, random);
          plain[r] = send(plainChannel, payload, clientKey, server, random);
        }
      } finally {
        tlsChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        plainChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return new Result(Median.of(tls), Median.of(plain));
  }

  private static double send(ManagedChannel channel, ByteString payload, SigningKey key, NodeId to, SecureRandom random)
      throws Exception {
    long start = System.nanoTime();
    TransferReceipt receipt = ChunkedSender.send(NodeGrpc.newStub(channel), payload, "bench", key, to, Clock.systemUTC(), random)
        .get(5, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (receipt.getBytes() != payload.size()) {
      throw new IllegalStateException("the receiver got " + receipt.getBytes() + " of " + payload.size() + " bytes");
    }
    return payload.size() / seconds;
  }

  /** The node's transfer receiver on a plaintext server, verifying envelopes against the sender's known key. */
  private static final class PlainReceiver implements AutoCloseable {
    private final Server server;
    private final NodeMetrics metrics = new NodeMetrics();

    PlainReceiver(NodeId self, SigningKey sender) throws java.io.IOException {
      EnvelopeGuard guard = new EnvelopeGuard(self, new ReplayWindow(NodeServer.REPLAY_WINDOW.toMillis()), Clock.systemUTC());
      server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
          .addService(new NodeGrpc.NodeImplBase() {
            @Override
            public StreamObserver<Envelope> transfer(StreamObserver<TransferReceipt> response) {
              return new TransferReceiver(guard, sender.verifyingKey(), metrics, response);
            }
          }).build().start();
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      metrics.close();
    }
  }
}
