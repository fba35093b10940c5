/**
 * The policies of offer definitions: checked on write with the policy engine, and shown in the
 * catalogue as DSP Offers (compacted against the DSP context, no target, `@id` = the offer id).
 */
import { ValidationError } from '../errors.js';
import { compilePolicy } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import { CatalogOfferSchema, DSP_CONTEXT_URL, parseWith } from '../protocol/messages/common.js';
import { compactOffline } from '../protocol/jsonld/jsonld.js';

const ODRL = 'http://www.w3.org/ns/odrl/2/';

/** Compiles a policy given inline; errors point into the offer body (`/accessPolicy/...`). */
export function checkPolicyJson(json: unknown, base: string, asOffer: boolean): CompiledPolicy {
  let compiled: CompiledPolicy;
  try {
    compiled = compilePolicy(json);
  } catch (e) {
    if (e instanceof ValidationError) {
      const d = (e.details ?? {}) as { pointer?: string };
      throw new ValidationError(`${base}: ${e.message}`, { ...d, pointer: base + (d.pointer ?? '') }, e.code);
    }
    throw e;
  }
  if (asOffer) {
    const rules = ruleBody(json);
    if (rules && !rules.permission && !rules.prohibition) {
      throw new ValidationError(`${base}: a contract policy needs at least one permission or prohibition`, {
        pointer: `${base}/permission`,
      });
    }
  }
  return compiled;
}

const isExpanded = (json: unknown) =>
  Array.isArray(json) ||
  (typeof json === 'object' && json !== null && Object.keys(json).some((k) => k.startsWith(ODRL)));

/** The rule members of a compacted policy (undefined when the policy is in expanded form). */
function ruleBody(json: unknown): Record<string, unknown> | undefined {
  if (isExpanded(json) || typeof json !== 'object' || json === null) return undefined;
  const o = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ['profile', 'permission', 'prohibition', 'obligation']) {
    const v = o[k] ?? o[`odrl:${k}`];
    if (v !== undefined) out[k] = Array.isArray(v) || k === 'profile' ? v : [v];
  }
  return out;
}

const compactCache = new Map<string, Promise<Record<string, unknown>>>();

/** Expanded ODRL compacted as the DSP context compacts a Dataset's hasPolicy entry. */
async function compactExpanded(json: unknown): Promise<Record<string, unknown>> {
  const key = JSON.stringify(json);
  let p = compactCache.get(key);
  if (!p) {
    const policy = Array.isArray(json) ? json[0] : json;
    p = compactOffline(
      {
        '@type': ['http://www.w3.org/ns/dcat#Dataset'],
        [`${ODRL}hasPolicy`]: [policy],
      },
      DSP_CONTEXT_URL,
    ).then((c) => {
      const hp = c.hasPolicy;
      const first = (Array.isArray(hp) ? hp[0] : hp) as Record<string, unknown> | undefined;
      if (!first) throw new ValidationError('the policy has no ODRL content', { pointer: '' });
      return ruleBody(first) ?? {};
    });
    if (compactCache.size > 500) compactCache.clear();
    compactCache.set(key, p);
    p.catch(() => compactCache.delete(key));
  }
  return p;
}

/**
 * The DSP catalogue Offer for a contract policy: its rules only (no target, assigner or context),
 * `@id` the offer id. Validated against the DSP schema shape, so a policy that cannot be offered is
 * caught when it is shown, not by the peer.
 */
export async function catalogOfferRules(policy: unknown): Promise<Record<string, unknown>> {
  const body = isExpanded(policy) ? await compactExpanded(policy) : ruleBody(policy);
  const rules = body ?? {};
  parseWith(CatalogOfferSchema, { '@id': 'x', '@type': 'Offer', ...rules }, 'Offer');
  return rules;
}
