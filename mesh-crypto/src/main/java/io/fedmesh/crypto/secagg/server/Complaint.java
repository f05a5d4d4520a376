package io.fedmesh.crypto.secagg.server;

/**
 * A holder's complaint about the shares a neighbour dealt it, and what the server could establish from
 * the dealer's own ciphertext opened with the key the holder revealed.
 *
 * @param complainer the holder, who left the round
 * @param dealer the neighbour it names
 */
public record Complaint(int complainer, int dealer, Finding finding, String detail) {

  /** Who the evidence shows at fault. */
  public enum Finding {
    /** The dealer's ciphertext, opened with the revealed key, holds a share out of the field or not matching its commitment. */
    DEALER_AT_FAULT,
    /** The revealed key opens the dealer's ciphertext and the shares in it are good: the complaint is false. */
    COMPLAINER_AT_FAULT,
    /**
     * The revealed key does not open the dealer's ciphertext: either the dealer sent one nobody can open
     * or the complainer revealed a wrong key; only the two of them know which, so nobody is blamed.
     */
    UNPROVEN
  }
}
