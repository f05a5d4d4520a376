/**
 * Machine learning for FedMesh (DJL with the PyTorch engine): models, datasets, local training,
 * federated strategies, differential privacy and in-process simulation. Nothing here yet: this module
 * exists so the layout matches ARCHITECTURE.md; the ML core issue fills it.
 */
package io.fedmesh.ml;
