package io.fedmesh.node.security;

import io.fedmesh.proto.v1.AdminGrpc;
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
  /** Null role: membership is enough. */
  public record Requirement(Role role) {
    public static Requirement membership() {
      return new Requirement(null);
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
        AdminGrpc.getListModelsMethod().getFullMethodName(), admin,
        AdminGrpc.getPullModelMethod().getFullMethodName(), admin,
        AdminGrpc.getDescribeFederationMethod().getFullMethodName(), admin));
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
