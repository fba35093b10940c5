/**
 * A VC-JOSE MembershipCredential for one participant, as a data space's issuer gives it: valid from a
 * minute ago for a day. The tests and benches that build loopback data spaces use it.
 */
import { randomUUID } from 'node:crypto';
import { PONTIS_CREDENTIALS_CONTEXT } from '../../src/identity/contexts.js';
import { issueCredential } from '../../src/identity/issue.js';
import type { SigningKey } from '../../src/identity/keys.js';

export function issueMembership(o: {
  issuerDid: string;
  key: SigningKey;
  /** `id` (the holder's DID) and claims such as `memberOf` and `level`. */
  subject: { id: string } & Record<string, unknown>;
  /** More members of the credential (e.g. `credentialStatus`). */
  extra?: Record<string, unknown>;
}) {
  return issueCredential({
    credential: {
      '@context': ['https://www.w3.org/ns/credentials/v2', PONTIS_CREDENTIALS_CONTEXT],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential', 'MembershipCredential'],
      issuer: o.issuerDid,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      credentialSubject: o.subject,
      ...o.extra,
    },
    format: 'vc-jose',
    issuerDid: o.issuerDid,
    key: o.key,
  });
}
