package io.fedmesh.node.security;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.fedmesh.crypto.identity.NodeId;
import io.fedmesh.node.ledger.FederationDirectory;
import io.fedmesh.node.metrics.NodeMetrics;
import io.fedmesh.proto.v1.FederationId;
import io.fedmesh.proto.v1.Role;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;

/**
 * Authorises each federation-scoped call once, on its first request message and before the service
 * sees anything, against the federation state: the request's {@code federation} field names the federation, the policy says what the method
 * requires, and the config says the caller's roles there. A refusal is PERMISSION_DENIED naming the
 * reason, counted by reason; the service never sees the request. Members of one federation thus
 * cannot reach another's state.
 */
public final class AuthorizationInterceptor implements ServerInterceptor {
  /** Services every method of which is federation-scoped: one the policy forgot is closed, not open. */
  private static final java.util.List<String> SCOPED_SERVICE_PREFIXES = java.util.List.of(
      io.fedmesh.proto.v1.NodeGrpc.SERVICE_NAME + "/", io.fedmesh.proto.v1.AdminGrpc.SERVICE_NAME + "/");
  private final AuthorizationPolicy policy;
  private final FederationDirectory federations;
  private final NodeMetrics metrics;

  public AuthorizationInterceptor(AuthorizationPolicy policy, FederationDirectory federations, NodeMetrics metrics) {
    this.policy = policy;
    this.federations = federations;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<AuthorizationPolicy.Requirement> requirement = policy.requirement(call.getMethodDescriptor().getFullMethodName());
    if (requirement.isEmpty()) {
      String method = call.getMethodDescriptor().getFullMethodName();
      if (SCOPED_SERVICE_PREFIXES.stream().anyMatch(method::startsWith)) {
        // A node or admin method the policy forgot is closed, not open.
        metrics.authorizationFailure("no_policy");
        call.close(Status.PERMISSION_DENIED.withDescription("no_policy: this method has no authorisation rule"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
    NodeId caller = CallerIdentity.current();
    // The service is not started until the first request passed: a refused caller never gets a
    // handler (nor anything it sets up, such as a transfer's receiver) on this node.
    call.request(1);
    return new ServerCall.Listener<>() {
      private ServerCall.Listener<Q> delegate;
      private boolean denied;

      @Override
      public void onMessage(Q message) {
        if (delegate != null) {
          delegate.onMessage(message);
          return;
        }
        if (denied) {
          return;
        }
        String refusal = refusal(caller, message, requirement.get());
        if (refusal != null) {
          denied = true;
          call.close(Status.PERMISSION_DENIED.withDescription(refusal), new Metadata());
          return;
        }
        delegate = next.startCall(call, headers);
        if (call.isReady()) {
          delegate.onReady();
        }
        delegate.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (delegate != null) {
          delegate.onHalfClose();
        } else if (!denied) {
          denied = true;
          metrics.authorizationFailure("no_federation");
          call.close(Status.PERMISSION_DENIED.withDescription("no_federation: the call sent no request naming one"),
              new Metadata());
        }
      }

      @Override
      public void onCancel() {
        if (delegate != null) {
          delegate.onCancel();
        }
      }

      @Override
      public void onComplete() {
        if (delegate != null) {
          delegate.onComplete();
        }
      }

      @Override
      public void onReady() {
        if (delegate != null) {
          delegate.onReady();
        }
      }
    };
  }

  /** Why {@code caller} may not make this request, or null. */
  private String refusal(NodeId caller, Object message, AuthorizationPolicy.Requirement requirement) {
    String federation = federationOf(message);
    if (federation == null) {
      metrics.authorizationFailure("no_federation");
      return "no_federation: the request names no federation";
    }
    if (!federations.knows(federation)) {
      metrics.authorizationFailure("unknown_federation");
      return "unknown_federation: this node is in no federation '" + federation + "'";
    }
    Set<Role> roles = federations.roles(federation, caller);
    if (roles.isEmpty()) {
      metrics.authorizationFailure("not_a_member");
      return "not_a_member: node " + caller.hex() + " is not a member of federation '" + federation + "'";
    }
    if (!requirement.metBy(roles)) {
      metrics.authorizationFailure("missing_role");
      return "missing_role: this call needs " + requirement + " in federation '" + federation + "', node "
          + caller.hex() + " has " + roles;
    }
    return null;
  }

  private static String federationOf(Object message) {
    if (!(message instanceof Message m)) {
      return null;
    }
    FieldDescriptor field = m.getDescriptorForType().findFieldByName("federation");
    if (field == null || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !m.hasField(field)) {
      return null;
    }
    Object value = m.getField(field);
    return value instanceof FederationId id && !id.getName().isEmpty() ? id.getName() : null;
  }
}
