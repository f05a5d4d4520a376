/** Fixed-point quantisation with stochastic rounding, and the overflow bound for sums. */
package io.fedmesh.crypto.quantize;
