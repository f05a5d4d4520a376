package io.fedmesh.node.security;

import io.fedmesh.proto.v1.AdminGrpc;
import io.fedmesh.proto.v1.LedgerGrpc;
import io.fedmesh.proto.v1.NodeGrpc;
import io.fedmesh.proto.v1.Role;
import java.util.Map;
import java.util.Optional;

/**
 * What each federation-scoped RPC requires of its caller in the federation the request names:
 * membership (any role) or a given role. Methods absent from the policy (health, reflection) need an
 * authenticated caller only.
 */
public final class AuthorizationPolicy {
  /** Null role: membership is enough; otherwise the role, or {@code alternative} when it is not null. */
  public record Requirement(Role role, Role alternative) {
    public Requirement(Role role) {
      this(role, null);
    }

    public static Requirement membership() {
      return new Requirement(null);
    }

    /** Whether {@code roles} meet this requirement. */
    public boolean metBy(java.util.Set<Role> roles) {
      return role == null || roles.contains(role) || alternative != null && roles.contains(alternative);
    }

    @Override
    public String toString() {
      return role == null ? "membership" : alternative == null ? role.name() : role + " or " + alternative;
    }
  }

  private final Map<String, Requirement> byMethod;

  public AuthorizationPolicy(Map<String, Requirement> byMethod) {
    this.byMethod = Map.copyOf(byMethod);
  }

  /** The node service's policy: Ping and Transfer for members, Members for admins. */
  public static AuthorizationPolicy nodeService() {
    return new AuthorizationPolicy(Map.of(
        NodeGrpc.getPingMethod().getFullMethodName(), Requirement.membership(),
        NodeGrpc.getMembersMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN),
        NodeGrpc.getTransferMethod().getFullMethodName(), Requirement.membership(),
        NodeGrpc.getMeshMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN)));
  }

  /** The admin service's policy: every method needs ADMIN in the federation the request names. */
  public static AuthorizationPolicy adminService() {
    Requirement admin = new Requirement(Role.ROLE_ADMIN);
    return new AuthorizationPolicy(Map.of(
        AdminGrpc.getStartRoundsMethod().getFullMethodName(), admin,
        AdminGrpc.getGetRoundStatusMethod().getFullMethodName(), admin,
        AdminGrpc.getWatchRoundsMethod().getFullMethodName(), admin,
        AdminGrpc.getListModelsMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN, Role.ROLE_COORDINATOR_ELIGIBLE),
        // Coordinator-eligible nodes pull each committed model from the coordinator that made it.
        AdminGrpc.getPullModelMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN, Role.ROLE_COORDINATOR_ELIGIBLE),
        AdminGrpc.getDescribeFederationMethod().getFullMethodName(), admin));
  }

  /**
   * The ledger service's policy: Submit, Head and ExportAudit for members, LookUpMember and ListProposals for admins,
   * Endorse for coordinator-eligible nodes. The bootstrap methods (PrepareGenesis, CreateFederation,
   * JoinFederation) name a federation that does not exist yet: they need an authenticated caller, and
   * the ledger checks the signed genesis itself.
   */
  public static AuthorizationPolicy ledgerService() {
    return new AuthorizationPolicy(Map.of(
        LedgerGrpc.getSubmitMethod().getFullMethodName(), Requirement.membership(),
        LedgerGrpc.getHeadMethod().getFullMethodName(), Requirement.membership(),
        LedgerGrpc.getLookUpMemberMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN),
        LedgerGrpc.getListProposalsMethod().getFullMethodName(), new Requirement(Role.ROLE_ADMIN),
        // Participants follow the ledger through it (they hold no replica): every member may read the chain.
        LedgerGrpc.getExportAuditMethod().getFullMethodName(), Requirement.membership(),
        LedgerGrpc.getEndorseMethod().getFullMethodName(), new Requirement(Role.ROLE_COORDINATOR_ELIGIBLE)));
  }

  /** This policy's rules and {@code other}'s (rules of distinct methods; a method in both is a mistake). */
  public AuthorizationPolicy and(AuthorizationPolicy other) {
    Map<String, Requirement> all = new java.util.HashMap<>(byMethod);
    other.byMethod.forEach((method, requirement) -> {
      if (all.putIfAbsent(method, requirement) != null) {
        throw new IllegalArgumentException(method + " has two authorisation rules");
      }
    });
    return new AuthorizationPolicy(all);
  }

  public Optional<Requirement> requirement(String fullMethodName) {
    return Optional.ofNullable(byMethod.get(fullMethodName));
  }
}
