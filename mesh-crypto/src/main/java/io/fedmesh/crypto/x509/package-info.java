/** X.509 for the consortium: a CA, node certificate requests with node-id SANs, certificate checks, PEM. */
package io.fedmesh.crypto.x509;
