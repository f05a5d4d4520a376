/** Macro benchmark of whole secure-aggregation rounds (`fedmesh bench secagg`). */
package io.fedmesh.bench.secagg;
