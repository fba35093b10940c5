/**
 * Trusted issuers, per credential type: `{ MembershipCredential: ['did:web:authority'] }`. A
 * credential is trusted when its issuer is listed for at least one of its types other than the
 * base `VerifiableCredential`. The key `*` lists issuers trusted for every type.
 */
import type { CheckError } from './credential-model.js';

export type TrustedIssuers = Record<string, string[]>;

const BASE_TYPES = new Set(['VerifiableCredential', 'VerifiablePresentation']);

export function isTrustedIssuer(trusted: TrustedIssuers, issuer: string, types: string[]): boolean {
  if ((trusted['*'] ?? []).includes(issuer)) return true;
  return types.some((t) => !BASE_TYPES.has(t) && (trusted[t] ?? []).includes(issuer));
}

export function checkTrustedIssuer(
  trusted: TrustedIssuers,
  issuer: string,
  types: string[],
): CheckError | null {
  if (isTrustedIssuer(trusted, issuer, types)) return null;
  const specific = types.filter((t) => !BASE_TYPES.has(t));
  return {
    check: 'trusted_issuer',
    reason: 'untrusted_issuer',
    message: `issuer ${issuer} is not trusted for ${specific.length ? specific.join(', ') : 'credentials without a specific type'}`,
  };
}
