/**
 * The operator's interface to a running node: the {@code fedmesh.v1.Admin} gRPC service
 * ({@link io.fedmesh.node.admin.AdminService}: start and watch a federation's rounds through the node's
 * {@link io.fedmesh.node.round.RoundControl}, list and pull the models in its store, describe a
 * federation) and the CLI commands that call it ({@code fedmesh round}, {@code fedmesh model},
 * {@code fedmesh federation}). Every method needs the admin role in the federation its request names,
 * checked by {@link io.fedmesh.node.security.AuthorizationInterceptor} against the federation state,
 * never the certificate. Each command parses its options, makes one call as the node its
 * {@code --config} describes, and prints the answer for people or, with {@code --json}, for scripts.
 */
package io.fedmesh.node.admin;
