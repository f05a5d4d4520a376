/**
 * Checks of everything in deploy/: each test runs the real tool (promtool, kubectl, podman, tsc) on the
 * real files, so a broken manifest, rule or dashboard fails {@code ./mvnw verify}.
 */
package io.fedmesh.deploy;
