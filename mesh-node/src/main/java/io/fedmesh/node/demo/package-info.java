/** {@code fedmesh demo}: a throw-away federation of real node processes on loopback, end to end. */
package io.fedmesh.node.demo;
