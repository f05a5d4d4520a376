package io.fedmesh.bench.node;

import com.google.protobuf.ByteString;
import io.fedmesh.bench.Median;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.server.NodeServer;
import io.fedmesh.proto.v1.MemberState;
import io.fedmesh.proto.v1.TransferReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A payload sent as signed 1 MiB chunk envelopes over Connect streams, on loopback with mutual TLS,
 * from one node to a reachable node (direct) and to a node behind a firewall (through its relay), in
 * the same run, alternating. Both paths sign, route and verify the same way; the relayed one adds a
 * hop through the relay's flow-controlled forwarding. Median of several transfers each.
 */
public final class RelayBench {
  private RelayBench() {}

  /** Median throughput of each, in bytes per second. */
  public record Result(double directBytesPerS, double relayedBytesPerS) {
    public double ratio() {
      return relayedBytesPerS / directBytesPerS;
    }
  }

  public static Result run(int megabytes, int repeats) throws Exception {
    Path dir = Files.createTempDirectory("fedmesh-bench-relay");
    BenchPki pki = new BenchPki(dir);
    List<String> names = List.of("relay", "sender", "direct", "hidden");
    List<NodeId> ids = new ArrayList<>();
    StringBuilder members = new StringBuilder("federations:\n  bench:\n    members:\n");
    for (String name : names) {
      NodeId id = pki.node(name).verifyingKey().nodeId();
      ids.add(id);
      members.append("      ").append(id.hex()).append(": [participant]\n");
    }
    byte[] bytes = new byte[megabytes << 20];
    new java.util.Random(1).nextBytes(bytes);
    ByteString payload = ByteString.copyFrom(bytes);
    List<NodeServer> nodes = new ArrayList<>();
    try {
      String seed = null;
      for (String name : names) {
        Path config = Files.writeString(dir.resolve(name + ".yaml"), "data_dir: " + name
            + "\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\ntls: {ca: ../ca.crt, crl: ../crl.pem}\n"
            + (seed == null ? "" : "seeds: [" + seed + "]\n") + (name.equals("hidden") ? "reachable: false\n" : "") + members);
        nodes.add(NodeServer.start(NodeConfig.load(config), Clock.systemUTC()));
        if (seed == null) {
          seed = ids.get(0).hex() + "@127.0.0.1:" + nodes.get(0).port();
        }
      }
      NodeServer sender = nodes.get(1);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(sender.via(ids.get(3)).isPresent() && alive(sender, ids.get(2)))) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("the four nodes did not find each other within 60 s");
        }
        Thread.sleep(50);
      }
      // Warm-up; membership may need another tick before both routes are known.
      for (NodeId to : List.of(ids.get(2), ids.get(3))) {
        while (true) {
          try {
            send(sender, to, payload);
            break;
          } catch (java.util.concurrent.ExecutionException e) {
            if (System.nanoTime() > end) {
              throw e;
            }
            Thread.sleep(100);
          }
        }
      }
      double[] direct = new double[repeats];
      double[] relayed = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        direct[r] = send(sender, ids.get(2), payload);
        relayed[r] = send(sender, ids.get(3), payload);
      }
      return new Result(Median.of(direct), Median.of(relayed));
    } finally {
      nodes.forEach(NodeServer::close);
    }
  }

  private static boolean alive(NodeServer observer, NodeId node) {
    var m = observer.members().get(node);
    return m != null && m.state() == MemberState.MEMBER_STATE_ALIVE;
  }

  private static double send(NodeServer from, NodeId to, ByteString payload) throws Exception {
    long start = System.nanoTime();
    TransferReceipt receipt = from.sendRouted(to, "bench", payload).get(5, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (receipt.getBytes() != payload.size()) {
      throw new IllegalStateException("the receiver got " + receipt.getBytes() + " of " + payload.size() + " bytes");
    }
    return payload.size() / seconds;
  }
}
