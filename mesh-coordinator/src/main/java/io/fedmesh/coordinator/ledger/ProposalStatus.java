package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.proto.v1.Proposal;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** A proposal and the admins' votes on it so far. */
public final class ProposalStatus {
  /** Where a proposal stands. */
  public enum Outcome { OPEN, COMMITTED, REJECTED, OBSOLETE }

  private final ByteString id;
  private final long sequence;
  private final NodeId proposer;
  private final Proposal proposal;
  private final TreeSet<NodeId> approvals = new TreeSet<>();
  private final TreeSet<NodeId> rejections = new TreeSet<>();
  private Outcome outcome = Outcome.OPEN;
  private String note = "";

  ProposalStatus(ByteString id, long sequence, NodeId proposer, Proposal proposal) {
    this.id = id;
    this.sequence = sequence;
    this.proposer = proposer;
    this.proposal = proposal;
  }

  /** The hash of the record that holds the proposal. */
  public ByteString id() {
    return id;
  }

  public long sequence() {
    return sequence;
  }

  public NodeId proposer() {
    return proposer;
  }

  public Proposal proposal() {
    return proposal;
  }

  public SortedSet<NodeId> approvals() {
    return Collections.unmodifiableSortedSet(approvals);
  }

  public SortedSet<NodeId> rejections() {
    return Collections.unmodifiableSortedSet(rejections);
  }

  public Outcome outcome() {
    return outcome;
  }

  /** Why it ended as it did (a refused change, or who outvoted it); empty while open. */
  public String note() {
    return note;
  }

  boolean voted(NodeId admin) {
    return approvals.contains(admin) || rejections.contains(admin);
  }

  void vote(NodeId admin, boolean approve) {
    (approve ? approvals : rejections).add(admin);
  }

  void end(Outcome outcome, String note) {
    this.outcome = outcome;
    this.note = note;
  }
}
