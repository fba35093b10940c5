/**
 * DCP credential scopes a negotiation needs: the membership scope plus one per credential type the
 * contract policy names (`pontis:credentialType` constraints, `pontis:fromCredential` of claims). The consumer grants them in its token;
 * the provider asks the consumer's credential service for them, so the policy sees those claims.
 */
import { typeScope } from '../identity/dcp.js';

function walk(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const o = node as Record<string, unknown>;
  const left = typeof o.leftOperand === 'string' ? o.leftOperand : undefined;
  if (left && /credentialType$/.test(left)) {
    const right = o.rightOperand;
    for (const v of Array.isArray(right) ? right : [right]) {
      const value = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['@value'] : v;
      if (typeof value === 'string' && value !== '') out.add(value.replace(/^.*[#/:]/, ''));
    }
  }
  // pontis:credentialClaim reads a claim of a credential of this type.
  for (const [k, v] of Object.entries(o)) {
    if (/fromCredential$/.test(k) && typeof v === 'string' && v !== '') out.add(v.replace(/^.*[#/:]/, ''));
  }
  for (const [k, v] of Object.entries(o)) if (k !== 'rightOperand') walk(v, out);
}

/** Credential types named by a policy's `credentialType` constraints. */
export function credentialTypesIn(policy: unknown): string[] {
  const out = new Set<string>();
  walk(policy, out);
  return [...out].sort();
}

export function scopesFor(policy: unknown, membershipType = 'MembershipCredential'): string[] {
  return [...new Set([membershipType, ...credentialTypesIn(policy)])].map(typeScope);
}
