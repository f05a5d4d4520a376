/** Versioned models on a node: the content-addressed store that global models are fetched into and verified in. */
package io.fedmesh.node.model;
