package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.LedgerActs;
import io.fedmesh.crypto.CryptoException;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.SigningKey;
import io.fedmesh.crypto.x509.Pem;
import io.fedmesh.node.config.NodeConfig;
import io.fedmesh.node.server.PeerCall;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.LedgerHead;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.LedgerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every ledger command shares (a picocli mixin): which node to ask, as which node (whose
 * identity key also signs the act, on this machine: the node asked never holds an admin's key), about
 * which federation.
 */
final class LedgerTarget {
  static final long DEADLINE_SECONDS = 30;

  @Option(names = "--config", required = true, paramLabel = "FILE", order = 100,
      description = "The acting node's config: its identity (key, certificate, CA) calls the target and signs the act.")
  Path config;

  @Option(names = "--target", required = true, paramLabel = "HOST:PORT", order = 101,
      description = "A coordinator-eligible node of the federation (it holds the ledger).")
  String target;

  @Option(names = "--federation", required = true, paramLabel = "NAME", order = 102, description = "The federation.")
  String federation;

  /** A target given by other options than this mixin's. */
  static LedgerTarget of(Path config, String target, String federation) {
    LedgerTarget t = new LedgerTarget();
    t.config = config;
    t.target = target;
    t.federation = federation;
    return t;
  }

  FederationId federationId() {
    return FederationId.newBuilder().setName(federation).build();
  }

  /** Makes the call (bad config or refusal: exit 1 with one line; bad target: exit 2). */
  <T> T call(CommandSpec spec, Function<LedgerGrpc.LedgerBlockingStub, T> rpc) throws Exception {
    return PeerCall.run(spec, config, target, channel -> rpc.apply(LedgerGrpc.newBlockingStub(channel)
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)));
  }

  /** The acting node's identity key, from the key file its config names. */
  SigningKey key(CommandSpec spec) {
    NodeConfig loaded;
    try {
      loaded = NodeConfig.load(config);
    } catch (NodeConfig.InvalidConfigException e) {
      throw new IllegalStateException(e.getMessage());
    } catch (IOException e) {
      throw new IllegalStateException(config + ": " + e.getMessage());
    }
    try {
      return Pem.readPrivateKey(Files.readString(loaded.tls().key()));
    } catch (IOException | CryptoException e) {
      throw new IllegalStateException(loaded.tls().key() + ": " + e.getMessage());
    }
  }

  /**
   * Signs {@code body} with the acting node's key, vouching for the chain head the target reports, and
   * submits it; the target's refusal (the ledger's reason) becomes the command's error line.
   */
  LedgerReply signAndSubmit(CommandSpec spec, LedgerAct.Builder body) throws Exception {
    SigningKey key = key(spec);
    return call(spec, ledger -> {
      LedgerHead head = ledger.head(LedgerRequest.newBuilder().setFederation(federationId()).build());
      LedgerAct act = LedgerActs.sign(body.setFederation(federationId()).setTimeMillis(System.currentTimeMillis())
          .setSeenSequence(head.getSequence()).setSeenHash(head.getHash()), key);
      return ledger.submit(act);
    });
  }

  static NodeId nodeId(CommandSpec spec, String hex, String option) {
    try {
      return NodeId.ofHex(hex);
    } catch (CryptoException e) {
      throw new ParameterException(spec.commandLine(), option + ": not a node id (64 hex digits): '" + hex + "'");
    }
  }
}
