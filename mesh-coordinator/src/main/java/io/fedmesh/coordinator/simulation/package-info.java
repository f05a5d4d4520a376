/** A whole federation in one process, on the same round engines a node runs (fedmesh simulate). */
package io.fedmesh.coordinator.simulation;
