/**
 * Node-level benchmarks: real node servers on loopback over mutual TLS (membership convergence and
 * failure detection, chunked transfers with and without TLS, direct and through a relay).
 */
package io.fedmesh.bench.node;
