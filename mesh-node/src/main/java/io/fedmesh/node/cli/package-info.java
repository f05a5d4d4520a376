/** The fedmesh command line (picocli): one binary for every participant. */
package io.fedmesh.node.cli;
