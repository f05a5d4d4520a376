package io.fedmesh.node.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.model.ModelStore;
import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.Chunk;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.ListModelsRequest;
import io.fedmesh.proto.v1.ListModelsResponse;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.PullModelRequest;
import io.fedmesh.proto.v1.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Keeps every committed model in the store of each coordinator-eligible node, so whichever is elected
 * next can serve it: model blobs stay out of the Raft log, and a follower pulls each one after its
 * version commits, from the coordinator that made it or else from any other coordinator-eligible node,
 * and stores it only if it hashes to the committed SHA-256 and size.
 */
public final class ModelReplicator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ModelReplicator.class.getName());
  static final int ATTEMPTS = 20;
  static final long PAUSE_MILLIS = 500;

  private final NodeLedgers ledgers;
  private final Function<String, ModelStore> stores;
  private final LedgerMetrics metrics;
  private final ExecutorService pulls = Executors.newFixedThreadPool(2, NodeLedgers.daemon("fedmesh-model-pull"));

  public ModelReplicator(NodeLedgers ledgers, Function<String, ModelStore> stores, LedgerMetrics metrics) {
    this.ledgers = ledgers;
    this.stores = stores;
    this.metrics = metrics;
  }

  /** Pulls {@code model} in the background, {@code from} first. */
  void fetch(String federation, ModelVersion model, NodeId from) {
    pull(federation, model, from);
  }

  /** Completes once {@code model} is in the store (pulled from another coordinator if it is not). */
  CompletableFuture<Void> ensure(String federation, ModelVersion model) {
    return pull(federation, model, null);
  }

  private CompletableFuture<Void> pull(String federation, ModelVersion model, NodeId first) {
    return CompletableFuture.runAsync(() -> {
      try {
        pullNow(federation, model, first);
      } catch (RuntimeException e) {
        LOG.log(java.util.logging.Level.WARNING, federation + ": pulling a committed model failed", e);
      }
    }, pulls);
  }

  private void pullNow(String federation, ModelVersion model, NodeId first) {
    {
      String id = HexFormat.of().formatHex(model.getSha256().toByteArray());
      ModelStore store = stores.apply(federation);
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          if (store.get(id).isPresent()) {
            return;
          }
        } catch (IOException e) {
          LOG.warning(federation + ": model " + id + " in the store is damaged (" + e.getMessage() + "); pulling it again");
        }
        for (NodeId source : sources(federation, first)) {
          try {
            if (pullFrom(federation, model, id, source, store)) {
              metrics.modelPulled(federation, "ok");
              LOG.info(federation + ": pulled committed model " + id + " (round " + model.getRound() + ") from " + source.shortForm());
              return;
            }
          } catch (RuntimeException | IOException e) {
            metrics.modelPulled(federation, "failed");
            LOG.info(federation + ": model " + id + " from " + source.shortForm() + ": " + e);
          }
        }
        try {
          Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      LOG.warning(federation + ": could not pull committed model " + id + " from any coordinator-eligible node");
    }
  }

  private List<NodeId> sources(String federation, NodeId first) {
    List<NodeId> out = new ArrayList<>();
    if (first != null) {
      out.add(first);
    }
    ledgers.read(federation, l -> {
      l.members().forEach((node, m) -> {
        if (m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE) && !node.equals(ledgers.self()) && !node.equals(first)) {
          out.add(node);
        }
      });
      return null;
    });
    return out;
  }

  private boolean pullFrom(String federation, ModelVersion model, String id, NodeId source, ModelStore store) throws IOException {
    Optional<NodeLedgers.Peer> peer = ledgers.peer(source);
    if (peer.isEmpty()) {
      throw new IOException("no gRPC address known for it");
    }
    var admin = AdminGrpc.newBlockingStub(ledgers.channel(peer.get().address()));
    FederationId fed = FederationId.newBuilder().setName(federation).build();
    ListModelsResponse listed = admin.withDeadlineAfter(10, TimeUnit.SECONDS)
        .listModels(ListModelsRequest.newBuilder().setFederation(fed).setSha256(id).build());
    if (listed.getModelsCount() != 1 || listed.getModels(0).getDamaged()) {
      throw new IOException("it does not have the model undamaged");
    }
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    Iterator<Chunk> chunks = admin.withDeadlineAfter(60, TimeUnit.SECONDS)
        .pullModel(PullModelRequest.newBuilder().setFederation(fed).setSha256(id).build());
    while (chunks.hasNext()) {
      ByteString data = chunks.next().getData();
      if (blob.size() + (long) data.size() > model.getSizeBytes()) {
        throw new IOException("more bytes than the committed size " + model.getSizeBytes());
      }
      data.writeTo(blob);
    }
    if (blob.size() != model.getSizeBytes()) {
      throw new IOException(blob.size() + " bytes, the ledger committed " + model.getSizeBytes());
    }
    store.putVerified(id, blob.toByteArray(), listed.getModels(0).getManifest());
    return true;
  }

  @Override
  public void close() {
    pulls.shutdownNow();
  }
}
