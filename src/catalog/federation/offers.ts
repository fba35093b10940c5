/**
 * Offer summaries for search results: what a participant must bring to get each offer (membership,
 * a purpose, a region, a number of uses, a time window), read from the ODRL constraints as the DSP
 * ODRL profile compacts them. Unknown left operands are kept under `other`, never dropped.
 * Pure functions.
 */

export type RequirementKind = 'membership' | 'purpose' | 'region' | 'uses' | 'time' | 'credential' | 'other';

export interface Requirement {
  kind: RequirementKind;
  leftOperand: string;
  operator: string;
  value: unknown;
  /** 'permission' constraints must hold; 'prohibition' ones describe what is forbidden. */
  rule: 'permission' | 'prohibition' | 'obligation' | 'duty';
}

export interface OfferSummary {
  id: string;
  actions: string[];
  /** Kinds of requirement present, for display and filtering. */
  requires: RequirementKind[];
  constraints: Requirement[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function name(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v['@id'] === 'string') return v['@id'];
  return JSON.stringify(v);
}

const local = (iri: string) => iri.replace(/^.*[#/:]/, '');

/** Which kind of requirement a left operand expresses. */
export function requirementKind(leftOperand: string): RequirementKind {
  const l = local(leftOperand).toLowerCase();
  if (l.includes('membership')) return 'membership';
  if (l === 'purpose') return 'purpose';
  if (
    ['spatial', 'spatialcoordinates', 'region', 'location', 'country', 'absolutespatialposition'].includes(l)
  )
    return 'region';
  if (l === 'count') return 'uses';
  if (['datetime', 'elapsedtime', 'delayperiod', 'meteredtime', 'timeinterval'].includes(l)) return 'time';
  if (l.startsWith('credential')) return 'credential';
  return 'other';
}

function walkConstraints(list: unknown, rule: Requirement['rule'], out: Requirement[]) {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isObject(c)) continue;
    const nested = c.and ?? c.or ?? c.xone ?? c.andSequence;
    if (nested !== undefined) {
      walkConstraints(nested, rule, out);
      continue;
    }
    if (c.leftOperand === undefined) continue;
    const leftOperand = name(c.leftOperand);
    out.push({
      kind: requirementKind(leftOperand),
      leftOperand,
      operator: name(c.operator),
      value: c.rightOperand ?? c.rightOperandReference ?? null,
      rule,
    });
  }
}

function walkRules(list: unknown, rule: Requirement['rule'], actions: Set<string>, out: Requirement[]) {
  if (!Array.isArray(list)) return;
  for (const r of list) {
    if (!isObject(r)) continue;
    if (r.action !== undefined && rule !== 'duty') actions.add(local(name(r.action)));
    walkConstraints(r.constraint, rule, out);
    walkRules(r.duty, 'duty', actions, out);
  }
}

export function summariseOffer(offer: Record<string, unknown>): OfferSummary {
  const actions = new Set<string>();
  const constraints: Requirement[] = [];
  walkRules(offer.permission, 'permission', actions, constraints);
  walkRules(offer.prohibition, 'prohibition', actions, constraints);
  walkRules(offer.obligation, 'obligation', actions, constraints);
  const order: RequirementKind[] = ['membership', 'credential', 'purpose', 'region', 'uses', 'time', 'other'];
  const kinds = new Set(constraints.filter((c) => c.rule !== 'prohibition').map((c) => c.kind));
  return {
    id: typeof offer['@id'] === 'string' ? offer['@id'] : '',
    actions: [...actions],
    requires: order.filter((k) => kinds.has(k)),
    constraints,
  };
}

export function summariseOffers(offers: readonly unknown[]): OfferSummary[] {
  return offers.filter(isObject).map(summariseOffer);
}
