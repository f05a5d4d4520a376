/** Mask generation: AES-CTR expansion of seeds into 32- or 64-bit mask words. */
package io.fedmesh.crypto.mask;
