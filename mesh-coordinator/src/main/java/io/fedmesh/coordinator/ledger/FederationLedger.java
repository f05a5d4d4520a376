package io.fedmesh.coordinator.ledger;

import com.google.protobuf.ByteString;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.crypto.signature.VerifyingKey;
import io.fedmesh.proto.v1.BudgetRefused;
import io.fedmesh.proto.v1.Genesis;
import io.fedmesh.proto.v1.LedgerAct;
import io.fedmesh.proto.v1.LedgerMember;
import io.fedmesh.proto.v1.LedgerRecord;
import io.fedmesh.proto.v1.LedgerReply;
import io.fedmesh.proto.v1.ModelVersion;
import io.fedmesh.proto.v1.PrivacyBudget;
import io.fedmesh.proto.v1.Proposal;
import io.fedmesh.proto.v1.ProposalVote;
import io.fedmesh.proto.v1.RdpCharge;
import io.fedmesh.proto.v1.Role;
import io.fedmesh.proto.v1.RoundAborted;
import io.fedmesh.proto.v1.RoundCommitted;
import io.fedmesh.proto.v1.RoundStarted;
import io.fedmesh.proto.v1.UnmaskAuthorised;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One federation's ledger: the state every replica of its Raft group holds, and the audit chain that
 * produced it.
 *
 * <p>{@link #apply} is the whole state machine: it checks an act completely (signature, author's role,
 * the act against the state, fencing by Raft term) before it changes anything, so a refused act leaves
 * the state as it was and adds no record. It reads no clock and computes no floating point beyond adding
 * committed RDP values, so every replica that applies the same acts in the same order holds the same
 * state and the same chain, bit for bit. Not thread-safe: the Raft glue applies acts one at a time.
 */
public final class FederationLedger {
  static final int MAX_REASON = 500;
  static final int MAX_MEMBERS = 100_000;
  private static final Pattern FEDERATION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]{1,253}:[0-9]{1,5}");

  private final String federation;
  private final List<LedgerRecord> records = new ArrayList<>();
  private final List<ByteString> hashes = new ArrayList<>();
  private final TreeMap<NodeId, LedgerMember> members = new TreeMap<>();
  private final LinkedHashMap<ByteString, ProposalStatus> proposals = new LinkedHashMap<>();
  private final List<ModelVersion> models = new ArrayList<>();
  private final List<RoundOutcome> outcomes = new ArrayList<>();
  /** Every accepted act's content id: an act is applied once, however often it is submitted. */
  private final java.util.Set<ByteString> actIds = new java.util.HashSet<>();
  private int approvalsRequired;
  private PrivacyBudget budget = PrivacyBudget.getDefaultInstance();
  private RdpCharge spent = RdpCharge.getDefaultInstance();
  private long term;
  private Optional<NodeId> leader = Optional.empty();
  private long lastRound;
  private long roundsWanted;
  private Optional<OpenRound> openRound = Optional.empty();
  private String appendedBy = "";

  /** How a round ended, as the ledger records it. */
  public record RoundOutcome(long round, boolean committed, String reason, long sequence) {}

  public FederationLedger(String federation) {
    if (!FEDERATION_NAME.matcher(federation).matches()) {
      throw new IllegalArgumentException("federation name must be 1 to 63 of [a-z0-9-], starting with a letter or digit: " + federation);
    }
    this.federation = federation;
  }

  /**
   * Applies one act that Raft committed in an entry of {@code raftTerm}. Accepted: a new record, and
   * the state changed. Refused: the reason, and nothing changed.
   */
  public LedgerReply apply(long raftTerm, LedgerAct act) {
    return apply(raftTerm, "", act);
  }

  /**
   * Applies one act that Raft committed in an entry of {@code raftTerm}, appended to the log by the
   * leader {@code appendedBy} (a node id in hex; empty where nobody stamped it, as in tests of rules that
   * do not depend on it). A leader announcement is accepted only from the node that appended it.
   */
  public LedgerReply apply(long raftTerm, String appendedBy, LedgerAct act) {
    this.appendedBy = appendedBy;
    try {
      NodeId author = checkCommon(act);
      ByteString actId = LedgerActs.contentId(act);
      if (actIds.contains(actId)) {
        throw new LedgerRefusal("act already applied (a replay): each act counts once");
      }
      Runnable effect = switch (act.getBodyCase()) {
        case GENESIS -> genesis(author, act.getGenesis());
        case PROPOSAL -> proposal(author, act.getProposal());
        case VOTE -> vote(author, act.getVote());
        case LEADER -> leaderAnnounced(author, act, raftTerm);
        case ROUND_STARTED -> roundStarted(author, act, raftTerm);
        case UNMASK -> unmask(author, act, raftTerm);
        case ROUND_COMMITTED -> roundCommitted(author, act, raftTerm);
        case ROUND_ABORTED -> roundAborted(author, act, raftTerm);
        case BUDGET_REFUSED -> budgetRefused(author, act, raftTerm);
        case BODY_NOT_SET -> throw new LedgerRefusal("act has no body");
      };
      LedgerRecord record = LedgerRecord.newBuilder()
          .setSequence(records.size() + 1L)
          .setPreviousHash(headHash())
          .setRaftTerm(raftTerm)
          .setAppendedBy(appendedBy)
          .setAct(act)
          .build();
      ByteString hash = LedgerRecords.hash(record);
      records.add(record);
      hashes.add(hash);
      actIds.add(actId);
      effect.run();
      return LedgerReply.newBuilder().setAccepted(true).setSequence(record.getSequence()).setRecordHash(hash).build();
    } catch (LedgerRefusal refusal) {
      return LedgerReply.newBuilder().setAccepted(false).setReason(refusal.getMessage()).build();
    } catch (RuntimeException unexpected) {
      // A replica must never crash on an entry: whatever slipped past the checks is refused, state unchanged.
      return LedgerReply.newBuilder().setAccepted(false).setReason("act refused: " + unexpected.getClass().getSimpleName()
          + (unexpected.getMessage() == null ? "" : ": " + unexpected.getMessage())).build();
    }
  }

  // ---- checks every act passes ----

  private NodeId checkCommon(LedgerAct act) {
    if (!act.getFederation().getName().equals(federation)) {
      throw new LedgerRefusal("act is for federation '" + act.getFederation().getName() + "', this ledger is '" + federation + "'");
    }
    NodeId author = LedgerActs.verifiedAuthor(act);
    long seen = act.getSeenSequence();
    if (seen < 0 || seen > records.size()) { // uint64 on the wire: a huge value reads as negative
      throw new LedgerRefusal("act saw record " + seen + " but the chain has " + records.size());
    }
    if (seen == 0 ? !act.getSeenHash().isEmpty() : !act.getSeenHash().equals(hashes.get((int) seen - 1))) {
      throw new LedgerRefusal("act's seen hash is not the hash of record " + seen + " of this chain");
    }
    if (act.getBodyCase() != LedgerAct.BodyCase.GENESIS && records.isEmpty()) {
      throw new LedgerRefusal("federation '" + federation + "' has no genesis yet");
    }
    return author;
  }

  private Set<Role> roles(NodeId node) {
    LedgerMember m = members.get(node);
    return m == null ? Set.of() : EnumSet.copyOf(m.getRolesList()); // never empty: checkMember refuses that
  }

  private void requireRole(NodeId node, Role role, String doing) {
    if (!roles(node).contains(role)) {
      throw new LedgerRefusal(node.shortForm() + " may not " + doing + ": not " + roleName(role) + " of '" + federation + "'");
    }
  }

  // ---- genesis and governance ----

  private Runnable genesis(NodeId author, Genesis genesis) {
    if (!records.isEmpty()) {
      throw new LedgerRefusal("federation '" + federation + "' already has its genesis");
    }
    TreeMap<NodeId, LedgerMember> initial = new TreeMap<>();
    NodeId previous = null;
    for (LedgerMember m : genesis.getMembersList()) {
      NodeId id = checkMember(m, "genesis member");
      if (previous != null && previous.compareTo(id) >= 0) {
        throw new LedgerRefusal("genesis members must be ascending by node id, each once");
      }
      previous = id;
      initial.put(id, m);
    }
    if (initial.size() > MAX_MEMBERS) {
      throw new LedgerRefusal("genesis names more than " + MAX_MEMBERS + " members");
    }
    long admins = count(initial, Role.ROLE_ADMIN);
    if (admins == 0 || count(initial, Role.ROLE_COORDINATOR_ELIGIBLE) == 0) {
      throw new LedgerRefusal("genesis needs at least one admin and one coordinator-eligible member");
    }
    checkApprovals(genesis.getApprovalsRequired(), admins);
    checkBudget(genesis.getBudget());
    LedgerMember self = initial.get(author);
    if (self == null || !self.getRolesList().contains(Role.ROLE_ADMIN)) {
      throw new LedgerRefusal("genesis must be signed by one of the admins it names");
    }
    return () -> {
      members.putAll(initial);
      approvalsRequired = genesis.getApprovalsRequired();
      budget = genesis.getBudget();
    };
  }

  private NodeId checkMember(LedgerMember m, String what) {
    NodeId id = LedgerActs.nodeId(m.getNode(), what);
    VerifyingKey key;
    try {
      key = VerifyingKey.fromSubjectPublicKeyInfo(m.getIdentityKey().toByteArray());
    } catch (RuntimeException e) {
      throw new LedgerRefusal(what + " " + id.shortForm() + ": identity key is not a P-256 public key");
    }
    if (!key.nodeId().equals(id)) {
      throw new LedgerRefusal(what + " " + id.shortForm() + ": identity key does not hash to its node id");
    }
    if (m.getRolesCount() == 0) {
      throw new LedgerRefusal(what + " " + id.shortForm() + " has no role");
    }
    int last = 0;
    for (Role r : m.getRolesList()) {
      if (r == Role.ROLE_UNSPECIFIED || r == Role.UNRECOGNIZED || r.getNumber() <= last) {
        throw new LedgerRefusal(what + " " + id.shortForm() + ": roles must be known, ascending, each once");
      }
      last = r.getNumber();
    }
    boolean coordinator = m.getRolesList().contains(Role.ROLE_COORDINATOR_ELIGIBLE);
    if (coordinator && !HOST_PORT.matcher(m.getRaftAddress()).matches()) {
      throw new LedgerRefusal(what + " " + id.shortForm() + " is coordinator-eligible but its raft address '"
          + m.getRaftAddress() + "' is not HOST:PORT");
    }
    if (!coordinator && !m.getRaftAddress().isEmpty()) {
      throw new LedgerRefusal(what + " " + id.shortForm() + " has a raft address but is not coordinator-eligible");
    }
    return id;
  }

  private static long count(Map<NodeId, LedgerMember> of, Role role) {
    return of.values().stream().filter(m -> m.getRolesList().contains(role)).count();
  }

  private static void checkApprovals(long m, long admins) {
    if (m < 1 || m > admins) {
      throw new LedgerRefusal("approvals required must be 1 to the number of admins (" + admins + "), not " + m);
    }
  }

  private void checkBudget(PrivacyBudget b) {
    double e = b.getEpsilon();
    double d = b.getDelta();
    if (!(e == 0 || (e > 0 && e <= 1000)) || !(d >= 0 && d < 0.1) || (e > 0 && d == 0)) {
      throw new LedgerRefusal("budget must have epsilon 0 or in (0, 1000] and delta in [0, 0.1), delta > 0 when epsilon > 0");
    }
  }

  private Runnable proposal(NodeId author, Proposal p) {
    requireRole(author, Role.ROLE_ADMIN, "propose");
    if (p.getReason().length() > MAX_REASON || p.getReason().chars().anyMatch(Character::isISOControl)) {
      throw new LedgerRefusal("proposal reason must be at most " + MAX_REASON + " characters, without control characters");
    }
    checkChange(p);
    return () -> {
      ByteString id = hashes.get(hashes.size() - 1);
      ProposalStatus status = new ProposalStatus(id, records.size(), author, p);
      status.vote(author, true);
      proposals.put(id, status);
      decide(status);
    };
  }

  /** Checks a change against the state now; called again when it is about to commit. */
  private void checkChange(Proposal p) {
    switch (p.getChangeCase()) {
      case ADD_MEMBER -> {
        NodeId id = checkMember(p.getAddMember(), "new member");
        if (members.containsKey(id)) {
          throw new LedgerRefusal(id.shortForm() + " is already a member of '" + federation + "'");
        }
        if (members.size() >= MAX_MEMBERS) {
          throw new LedgerRefusal("federation has " + MAX_MEMBERS + " members already");
        }
      }
      case REMOVE_MEMBER -> {
        NodeId id = LedgerActs.nodeId(p.getRemoveMember(), "member to remove");
        if (!members.containsKey(id)) {
          throw new LedgerRefusal(id.shortForm() + " is not a member of '" + federation + "'");
        }
        TreeMap<NodeId, LedgerMember> after = new TreeMap<>(members);
        after.remove(id);
        checkStillGoverned(after);
      }
      case SET_ROLES -> {
        NodeId id = checkMember(p.getSetRoles(), "member");
        LedgerMember now = members.get(id);
        if (now == null) {
          throw new LedgerRefusal(id.shortForm() + " is not a member of '" + federation + "'");
        }
        TreeMap<NodeId, LedgerMember> after = new TreeMap<>(members);
        after.put(id, p.getSetRoles());
        checkStillGoverned(after);
      }
      case APPROVALS_REQUIRED -> checkApprovals(p.getApprovalsRequired(), count(members, Role.ROLE_ADMIN));
      case BUDGET -> {
        checkBudget(p.getBudget());
        if (spent.getRdpCount() > 0 && p.getBudget().getEpsilon() == 0) {
          throw new LedgerRefusal("the federation has spent privacy budget: it cannot drop its budget to none");
        }
        if (spent.getRdpCount() > 0 && LedgerBudget.epsilon(spent, p.getBudget().getDelta()) > p.getBudget().getEpsilon()) {
          throw new LedgerRefusal("the new budget is below what is already spent (epsilon "
              + LedgerBudget.epsilon(spent, p.getBudget().getDelta()) + " at that delta)");
        }
      }
      case CHANGE_NOT_SET -> throw new LedgerRefusal("proposal names no change");
    }
  }

  private void checkStillGoverned(Map<NodeId, LedgerMember> after) {
    long admins = count(after, Role.ROLE_ADMIN);
    if (admins == 0 || count(after, Role.ROLE_COORDINATOR_ELIGIBLE) == 0) {
      throw new LedgerRefusal("the federation must keep at least one admin and one coordinator-eligible member");
    }
    if (admins < approvalsRequired) {
      throw new LedgerRefusal("the federation would keep " + admins + " admin(s) but needs " + approvalsRequired
          + " approvals: lower the approvals required first");
    }
  }

  private Runnable vote(NodeId author, ProposalVote v) {
    requireRole(author, Role.ROLE_ADMIN, "vote");
    ProposalStatus status = proposals.get(v.getProposal());
    if (status == null) {
      throw new LedgerRefusal("no proposal " + shortHash(v.getProposal()) + " in '" + federation + "'");
    }
    if (status.outcome() != ProposalStatus.Outcome.OPEN) {
      throw new LedgerRefusal("proposal " + shortHash(v.getProposal()) + " is " + status.outcome().name().toLowerCase() + " already");
    }
    if (status.voted(author)) {
      throw new LedgerRefusal(author.shortForm() + " has voted on proposal " + shortHash(v.getProposal()) + " already");
    }
    return () -> {
      status.vote(author, v.getApprove());
      decide(status);
    };
  }

  /** Commits a proposal with M approvals, or ends it once M can no longer be reached. */
  private void decide(ProposalStatus status) {
    long admins = count(members, Role.ROLE_ADMIN);
    long approvals = status.approvals().stream().filter(a -> roles(a).contains(Role.ROLE_ADMIN)).count();
    long rejections = status.rejections().stream().filter(a -> roles(a).contains(Role.ROLE_ADMIN)).count();
    if (approvals >= approvalsRequired) {
      try {
        checkChange(status.proposal());
      } catch (LedgerRefusal stale) {
        status.end(ProposalStatus.Outcome.OBSOLETE, stale.getMessage());
        return;
      }
      enact(status.proposal());
      status.end(ProposalStatus.Outcome.COMMITTED, approvals + " of " + admins + " admins approved");
      // A change of admins or of M can settle other open proposals; their votes stand as cast.
      for (ProposalStatus other : List.copyOf(proposals.values())) {
        if (other != status && other.outcome() == ProposalStatus.Outcome.OPEN) {
          decide(other);
        }
      }
    } else if (admins - rejections < approvalsRequired) {
      status.end(ProposalStatus.Outcome.REJECTED, rejections + " of " + admins + " admins rejected it");
    }
  }

  private void enact(Proposal p) {
    switch (p.getChangeCase()) {
      case ADD_MEMBER -> members.put(LedgerActs.nodeId(p.getAddMember().getNode(), "member"), p.getAddMember());
      case REMOVE_MEMBER -> members.remove(LedgerActs.nodeId(p.getRemoveMember(), "member"));
      case SET_ROLES -> members.put(LedgerActs.nodeId(p.getSetRoles().getNode(), "member"), p.getSetRoles());
      case APPROVALS_REQUIRED -> approvalsRequired = p.getApprovalsRequired();
      case BUDGET -> budget = p.getBudget();
      case CHANGE_NOT_SET -> throw new IllegalStateException("checked before");
    }
  }

  // ---- leadership and rounds ----

  private void requireLeaderAct(NodeId author, LedgerAct act, long raftTerm, String doing) {
    if (act.getTerm() != raftTerm) {
      throw new LedgerRefusal("act of term " + act.getTerm() + " arrived in a Raft entry of term " + raftTerm
          + ": its author is no longer the leader (fenced)");
    }
    if (raftTerm != term || leader.isEmpty() || !leader.get().equals(author)) {
      throw new LedgerRefusal(author.shortForm() + " may not " + doing + ": the coordinator of term " + term + " is "
          + leader.map(NodeId::shortForm).orElse("nobody"));
    }
  }

  private Runnable leaderAnnounced(NodeId author, LedgerAct act, long raftTerm) {
    requireRole(author, Role.ROLE_COORDINATOR_ELIGIBLE, "coordinate");
    if (act.getTerm() != raftTerm) {
      throw new LedgerRefusal("leader announcement of term " + act.getTerm() + " arrived in a Raft entry of term " + raftTerm);
    }
    if (!appendedBy.isEmpty() && !appendedBy.equals(author.hex())) {
      throw new LedgerRefusal(author.shortForm() + " is not the leader of term " + raftTerm + " (" + shortId(appendedBy)
          + " appended this entry): only the Raft leader announces itself");
    }
    if (raftTerm <= term) {
      throw new LedgerRefusal("term " + raftTerm + " has a coordinator already (" + leader.map(NodeId::shortForm).orElse("?") + ")");
    }
    return () -> {
      term = raftTerm;
      leader = Optional.of(author);
      // A round the previous coordinator left open stays open, fenced (its acts carry the old term), until
      // this coordinator aborts it with the reason: a record of its own on the audit chain.
    };
  }

  private Runnable roundStarted(NodeId author, LedgerAct act, long raftTerm) {
    requireLeaderAct(author, act, raftTerm, "start rounds");
    RoundStarted s = act.getRoundStarted();
    if (openRound.isPresent()) {
      throw new LedgerRefusal("round " + openRound.get().round() + " is still open");
    }
    if (s.getRound() != lastRound + 1) {
      throw new LedgerRefusal("the next round is " + (lastRound + 1) + ", not " + s.getRound());
    }
    if (s.getBaseModel().size() != 32) {
      throw new LedgerRefusal("base model must be a 32-byte SHA-256");
    }
    if (!models.isEmpty() && !s.getBaseModel().equals(models.get(models.size() - 1).getSha256())) {
      throw new LedgerRefusal("round must train from the last committed model " + shortHash(models.get(models.size() - 1).getSha256()));
    }
    if (s.getCohortCount() < 2) {
      throw new LedgerRefusal("a round needs a cohort of at least 2 participants");
    }
    NodeId previous = null;
    for (io.fedmesh.proto.v1.NodeId p : s.getCohortList()) {
      NodeId id = LedgerActs.nodeId(p, "cohort member");
      if (previous != null && previous.compareTo(id) >= 0) {
        throw new LedgerRefusal("cohort must be ascending by node id, each once");
      }
      previous = id;
      requireRole(id, Role.ROLE_PARTICIPANT, "be in a cohort");
    }
    checkCharge(s.getCharge());
    if (budget.getEpsilon() > 0 && LedgerBudget.epsilon(LedgerBudget.add(spent, s.getCharge()), budget.getDelta()) > budget.getEpsilon()) {
      throw new LedgerRefusal("round " + s.getRound() + " would spend past the federation's budget of epsilon " + budget.getEpsilon());
    }
    return () -> {
      lastRound = s.getRound();
      roundsWanted = s.getRoundsLeft();
      openRound = Optional.of(new OpenRound(s, author, raftTerm, Optional.empty(), Optional.empty(), 0));
    };
  }

  private void checkCharge(RdpCharge c) {
    if (budget.getEpsilon() == 0) {
      if (c.getOrdersCount() > 0 || c.getRdpCount() > 0) {
        throw new LedgerRefusal("the federation has no privacy budget: a round cannot carry a charge");
      }
      return;
    }
    if (c.getOrdersCount() == 0 || c.getOrdersCount() != c.getRdpCount() || c.getOrdersCount() > 256) {
      throw new LedgerRefusal("a charge needs 1 to 256 orders and one RDP value per order");
    }
    for (int i = 0; i < c.getOrdersCount(); i++) {
      double order = c.getOrders(i);
      double rdp = c.getRdp(i);
      if (!(order > 1) || Double.isInfinite(order) || (i > 0 && order <= c.getOrders(i - 1))) {
        throw new LedgerRefusal("charge orders must be finite, > 1 and ascending");
      }
      if (!(rdp > 0) || Double.isInfinite(rdp)) {
        throw new LedgerRefusal("charge RDP values must be finite and > 0 (noise that costs nothing protects nothing)");
      }
    }
    if (!c.getOrdersList().equals(io.fedmesh.ml.privacy.RdpAccountant.DEFAULT_ORDERS)) {
      throw new LedgerRefusal("charge orders must be the accountant's orders (1.1 to 10.9 by 0.1, then 12 to 63)");
    }
  }

  private OpenRound requireOpen(long round) {
    OpenRound open = openRound.orElseThrow(() -> new LedgerRefusal("no round is open"));
    if (open.round() != round) {
      throw new LedgerRefusal("the open round is " + open.round() + ", not " + round);
    }
    return open;
  }

  private Runnable unmask(NodeId author, LedgerAct act, long raftTerm) {
    requireLeaderAct(author, act, raftTerm, "authorise unmasking");
    UnmaskAuthorised u = act.getUnmask();
    OpenRound open = requireOpen(u.getRound());
    if (open.unmaskAuthorised()) {
      throw new LedgerRefusal("round " + u.getRound() + " is authorised to unmask already");
    }
    if (open.term() != raftTerm) {
      throw new LedgerRefusal("round " + u.getRound() + " was started in term " + open.term());
    }
    if (u.getSurvivorsDigest().size() != 32) {
      throw new LedgerRefusal("survivors digest must be 32 bytes");
    }
    return () -> {
      spent = LedgerBudget.add(spent, open.started().getCharge());
      openRound = Optional.of(open.authorised(u.getSurvivorsDigest(), hashes.get(hashes.size() - 1), records.size()));
    };
  }

  private Runnable roundCommitted(NodeId author, LedgerAct act, long raftTerm) {
    requireLeaderAct(author, act, raftTerm, "commit rounds");
    RoundCommitted c = act.getRoundCommitted();
    OpenRound open = requireOpen(c.getRound());
    if (!open.unmaskAuthorised()) {
      throw new LedgerRefusal("round " + c.getRound() + " was never authorised to unmask");
    }
    ModelVersion m = c.getModel();
    if (m.getSha256().size() != 32 || m.getSizeBytes() == 0) {
      throw new LedgerRefusal("model version needs a 32-byte SHA-256 and a size");
    }
    if (m.getContributors() > open.started().getCohortCount()) {
      throw new LedgerRefusal("model version claims " + m.getContributors() + " contributors of a cohort of "
          + open.started().getCohortCount());
    }
    if (m.getRound() != c.getRound() || !m.getParent().equals(open.started().getBaseModel())) {
      throw new LedgerRefusal("model version must name this round and its base model as parent");
    }
    if (!metricOk(m.getLoss(), Double.MAX_VALUE) || !metricOk(m.getAccuracy(), 1) || !metricOk(m.getAuc(), 1)) {
      throw new LedgerRefusal("model metrics must be finite, >= 0, accuracy and AUC at most 1");
    }
    return () -> {
      models.add(m);
      endRound(true, "");
    };
  }

  private static boolean metricOk(double v, double max) {
    return v >= 0 && v <= max;
  }

  private Runnable roundAborted(NodeId author, LedgerAct act, long raftTerm) {
    requireLeaderAct(author, act, raftTerm, "abort rounds");
    RoundAborted a = act.getRoundAborted();
    OpenRound open = requireOpen(a.getRound());
    checkReason(a.getReason());
    return () -> {
      endRound(false, a.getReason());
      // A round a deposed coordinator left open runs again; one this coordinator gave up on does not.
      roundsWanted = open.started().getRoundsLeft() + (open.term() < term ? 1L : 0L);
    };
  }

  private Runnable budgetRefused(NodeId author, LedgerAct act, long raftTerm) {
    requireLeaderAct(author, act, raftTerm, "refuse rounds");
    BudgetRefused b = act.getBudgetRefused();
    if (openRound.isPresent() || b.getRound() != lastRound + 1) {
      throw new LedgerRefusal("a budget refusal names the next round, " + (lastRound + 1) + ", with none open");
    }
    checkReason(b.getReason());
    return () -> {};
  }

  private static void checkReason(String reason) {
    if (reason.isEmpty() || reason.length() > MAX_REASON || reason.chars().anyMatch(Character::isISOControl)) {
      throw new LedgerRefusal("reason must be one line of 1 to " + MAX_REASON + " characters, without control characters");
    }
  }

  private void endRound(boolean committed, String reason) {
    OpenRound open = openRound.orElseThrow();
    outcomes.add(new RoundOutcome(open.round(), committed, reason, records.size()));
    openRound = Optional.empty();
  }

  // ---- what replicas, the round engine and the CLI read ----

  public String federation() {
    return federation;
  }

  public boolean hasGenesis() {
    return !records.isEmpty();
  }

  /** Members by node id, ascending. */
  public SortedMap<NodeId, LedgerMember> members() {
    return Collections.unmodifiableSortedMap(members);
  }

  public Set<Role> rolesOf(NodeId node) {
    return members.containsKey(node) ? roles(node) : Set.of();
  }

  public int approvalsRequired() {
    return approvalsRequired;
  }

  public PrivacyBudget budget() {
    return budget;
  }

  /** Per-order RDP spent so far (empty when none). */
  public RdpCharge spent() {
    return spent;
  }

  public long term() {
    return term;
  }

  /** The coordinator announced for {@link #term()}. */
  public Optional<NodeId> leader() {
    return leader;
  }

  public long lastRound() {
    return lastRound;
  }

  /**
   * Rounds still wanted when no round is open: those the last started round left, plus that round
   * itself if a change of coordinator aborted it. A newly elected coordinator runs them.
   */
  public long roundsWanted() {
    return openRound.isPresent() ? 0 : roundsWanted;
  }

  public Optional<OpenRound> openRound() {
    return openRound;
  }

  /** Committed model versions, oldest first. */
  public List<ModelVersion> models() {
    return Collections.unmodifiableList(models);
  }

  public Optional<ModelVersion> lastModel() {
    return models.isEmpty() ? Optional.empty() : Optional.of(models.get(models.size() - 1));
  }

  public List<RoundOutcome> outcomes() {
    return Collections.unmodifiableList(outcomes);
  }

  /** Proposals in the order they were made. */
  public List<ProposalStatus> proposals() {
    return List.copyOf(proposals.values());
  }

  public Optional<ProposalStatus> proposal(ByteString id) {
    return Optional.ofNullable(proposals.get(id));
  }

  /** The audit chain, oldest first. */
  public List<LedgerRecord> records() {
    return Collections.unmodifiableList(records);
  }

  public long headSequence() {
    return records.size();
  }

  public ByteString headHash() {
    return hashes.isEmpty() ? LedgerRecords.NO_PREVIOUS : hashes.get(hashes.size() - 1);
  }

  public ByteString hashOf(long sequence) {
    return hashes.get((int) sequence - 1);
  }

  static String roleName(Role role) {
    return switch (role) {
      case ROLE_ADMIN -> "admin";
      case ROLE_PARTICIPANT -> "participant";
      case ROLE_COORDINATOR_ELIGIBLE -> "coordinator-eligible";
      default -> role.name();
    };
  }

  private static String shortId(String hex) {
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  static String shortHash(ByteString hash) {
    String hex = LedgerRecords.hex(hash);
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }
}
