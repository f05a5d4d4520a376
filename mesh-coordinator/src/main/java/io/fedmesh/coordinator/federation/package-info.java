/** A federation's training settings and a participant's policy: the inputs of the round engines. */
package io.fedmesh.coordinator.federation;
