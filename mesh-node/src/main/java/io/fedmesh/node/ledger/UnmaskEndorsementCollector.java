package io.fedmesh.node.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.coordinator.ledger.LedgerRefusal;
import io.fedmesh.coordinator.ledger.UnmaskEndorsements;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.EndorseRequest;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.UnmaskEndorsement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Gathers endorsements of a committed unmask authorisation: this node's own, and those of the other
 * coordinator-eligible nodes over the Ledger service, in parallel. Completes as soon as a strict
 * majority has endorsed the same record (checked exactly as participants will check it), or fails when
 * the deadline passes first.
 */
final class UnmaskEndorsementCollector {
  private final NodeLedgers ledgers;
  private final String federation;
  private final long deadlineMillis;

  UnmaskEndorsementCollector(NodeLedgers ledgers, String federation, long deadlineMillis) {
    this.ledgers = ledgers;
    this.federation = federation;
    this.deadlineMillis = deadlineMillis;
  }

  CompletableFuture<List<UnmaskEndorsement>> collect(long round, ByteString digest) {
    Set<NodeId> coordinators = ledgers.read(federation, l -> {
      Set<NodeId> out = new TreeSet<>();
      l.members().forEach((id, m) -> {
        if (m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE)) {
          out.add(id);
        }
      });
      return out;
    }).orElseThrow();
    CompletableFuture<List<UnmaskEndorsement>> done = new CompletableFuture<>();
    List<UnmaskEndorsement> gathered = new ArrayList<>();
    Runnable check = () -> {
      synchronized (gathered) {
        try {
          UnmaskEndorsements.requireMajority(federation, round, digest, coordinators, gathered);
          done.complete(List.copyOf(gathered));
        } catch (LedgerRefusal notYet) {
          // wait for more
        }
      }
    };
    try {
      UnmaskEndorsement own = ledgers.read(federation, l -> UnmaskEndorsements.endorse(l, round, ledgers.key())).orElseThrow();
      synchronized (gathered) {
        gathered.add(own);
      }
      check.run();
    } catch (LedgerRefusal e) {
      done.completeExceptionally(e);
      return done;
    }
    EndorseRequest request = EndorseRequest.newBuilder().setFederation(FederationId.newBuilder().setName(federation))
        .setRound(round).build();
    for (NodeId other : coordinators) {
      if (other.equals(ledgers.self())) {
        continue;
      }
      ledgers.peer(other).ifPresent(peer -> CompletableFuture.runAsync(() -> {
        // A follower may apply the authorisation a moment after the leader: ask again until the deadline.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        while (!done.isDone() && System.nanoTime() < until) {
          try {
            UnmaskEndorsement e = LedgerGrpc.newBlockingStub(ledgers.channel(peer.address()))
                .withDeadlineAfter(Math.max(100, deadlineMillis / 4), TimeUnit.MILLISECONDS).endorse(request);
            try {
              UnmaskEndorsements.requireMajority(federation, round, digest, Set.of(other), List.of(e));
            } catch (LedgerRefusal bad) {
              return; // a wrong endorsement counts for nothing
            }
            synchronized (gathered) {
              gathered.add(e);
            }
            check.run();
            return;
          } catch (RuntimeException e) {
            try {
              Thread.sleep(100);
            } catch (InterruptedException interrupted) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }));
    }
    return done.orTimeout(deadlineMillis, TimeUnit.MILLISECONDS).exceptionallyCompose(failure -> CompletableFuture.failedFuture(
        failure instanceof java.util.concurrent.TimeoutException
            ? new IllegalStateException("a majority of the " + coordinators.size() + " coordinator-eligible nodes did not endorse "
                + "unmasking round " + round + " within " + deadlineMillis + " ms")
            : failure));
  }
}
