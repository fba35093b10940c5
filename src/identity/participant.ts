/**
 * What the rest of the connector knows about a caller once identity has checked it: its DID and
 * the credentials whose signatures, validity, revocation status, holder binding and issuer trust
 * have all been verified. Policies evaluate against this and nothing else.
 */
export interface VerifiedCredential {
  id?: string;
  /** All `type` values, e.g. ['VerifiableCredential', 'MembershipCredential']. */
  types: string[];
  /** The issuer's DID. */
  issuer: string;
  /** The credentialSubject as issued (including its `id`, the holder's DID). */
  subject: Record<string, unknown>;
  validFrom?: Date;
  validUntil?: Date;
}

export interface VerifiedParticipant {
  did: string;
  credentials: VerifiedCredential[];
}
