/** The participant's side of a federation's rounds: its local data, read once and split for evaluation. */
package io.fedmesh.node.participant;
