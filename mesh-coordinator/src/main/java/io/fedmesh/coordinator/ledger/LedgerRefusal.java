package io.fedmesh.coordinator.ledger;

/** Why the ledger refused an act; the state is unchanged. */
public final class LedgerRefusal extends RuntimeException {
  public LedgerRefusal(String reason) {
    super(reason, null, false, false);
  }
}
