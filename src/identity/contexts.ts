/**
 * The JSON-LD context for the claims Pontis credentials carry (MembershipCredential and the
 * types issued from templates). VC 2.0's context has no @vocab, so Data Integrity (which
 * canonicalises with JSON-LD in safe mode) needs every claim defined; this context defines the
 * Pontis types and maps any other claim under a Pontis vocabulary. It is served by the offline
 * loader (registered once), never fetched.
 */
import { registerContext } from '../protocol/jsonld/document-loader.js';

export const PONTIS_CREDENTIALS_CONTEXT = 'https://w3id.org/pontis/credentials/v1';
export const PONTIS_VOCAB = 'https://w3id.org/pontis/credentials#';

export const pontisCredentialsContext = {
  '@context': {
    '@version': 1.1,
    '@vocab': PONTIS_VOCAB,
    MembershipCredential: `${PONTIS_VOCAB}MembershipCredential`,
    memberOf: `${PONTIS_VOCAB}memberOf`,
    membershipType: `${PONTIS_VOCAB}membershipType`,
    since: { '@id': `${PONTIS_VOCAB}since`, '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' },
  },
};

let registered = false;
/** Makes the offline loader serve the Pontis credentials context (idempotent). */
export function registerPontisContexts(): void {
  if (registered) return;
  registerContext(PONTIS_CREDENTIALS_CONTEXT, pontisCredentialsContext);
  registered = true;
}
