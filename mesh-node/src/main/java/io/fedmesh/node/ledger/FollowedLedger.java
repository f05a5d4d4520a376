package io.fedmesh.node.ledger;

import io.fedmesh.coordinator.ledger.AuditChain;
import io.fedmesh.coordinator.ledger.FederationLedger;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A verified copy of a federation's ledger on a node that holds no replica of it (a participant). It
 * grows only by records that extend it: each is checked as {@code fedmesh audit verify} checks a chain
 * (back-link, author's signature, the ledger's rules), and the genesis must agree with this node's
 * config ({@link GenesisCheck}). So a coordinator that serves it can withhold the newest records but
 * cannot forge a membership change (that takes M admins' signatures), rewrite history or roll it back.
 */
final class FollowedLedger {
  private final String federation;
  private final Map<NodeId, Set<Role>> bootstrap;
  private FederationLedger ledger;

  FollowedLedger(String federation, Map<NodeId, Set<Role>> bootstrap) {
    this.federation = federation;
    this.bootstrap = bootstrap;
  }

  /** The sequence of the last verified record (0 before the genesis). */
  synchronized long head() {
    return ledger == null ? 0 : ledger.headSequence();
  }

  /** Reads the verified ledger, or empty before a genesis that agrees with the config. */
  synchronized <T> Optional<T> read(Function<FederationLedger, T> reader) {
    return ledger == null ? Optional.empty() : Optional.ofNullable(reader.apply(ledger));
  }

  /**
   * Appends {@code records}, which must start right after {@link #head()}. On the first bad record the
   * copy stays as it was before it and the reason is returned; the good records before it are kept.
   */
  synchronized Optional<String> extend(List<LedgerRecord> records) {
    for (LedgerRecord record : records) {
      Optional<String> bad = append(record);
      if (bad.isPresent()) {
        return bad;
      }
    }
    return Optional.empty();
  }

  private Optional<String> append(LedgerRecord record) {
    FederationLedger target = ledger;
    if (target == null) {
      if (record.getSequence() != 1 || record.getAct().getBodyCase() != LedgerAct.BodyCase.GENESIS) {
        return Optional.of("record " + record.getSequence() + ": expected the genesis first");
      }
      Optional<String> disagreement = GenesisCheck.against(federation, record.getAct(), bootstrap);
      if (disagreement.isPresent()) {
        return Optional.of("record 1: " + disagreement.get());
      }
      target = new FederationLedger(federation);
    }
    long before = target.headSequence();
    try {
      AuditChain.append(target, record);
    } catch (AuditChain.ChainBroken e) {
      if (ledger != null && target.headSequence() != before) {
        // The act applied but the record was not what the ledger makes of it: back to the verified prefix.
        // (A bad genesis is simply dropped with its fresh ledger.)
        rebuild(before);
      }
      return Optional.of(e.getMessage());
    }
    ledger = target;
    return Optional.empty();
  }

  private void rebuild(long upTo) {
    List<LedgerRecord> good = List.copyOf(ledger.records().subList(0, (int) upTo));
    try {
      ledger = good.isEmpty() ? null : AuditChain.replay(federation, good);
    } catch (AuditChain.ChainBroken e) {
      throw new IllegalStateException("a verified prefix no longer verifies: " + e.getMessage(), e);
    }
  }
}
