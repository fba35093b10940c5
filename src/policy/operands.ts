/**
 * The left-operand registry. Each operand says which scopes it means something in, which right
 * operand types and operators it accepts, and how it reads its value from the evaluation context.
 * A reader returns MISSING (and a note) when the context lacks the value: the constraint then fails.
 */
import type { VerifiedCredential } from '../identity/participant.js';
import type { EvaluationContext, Scope } from './types.js';
import type { Operator } from './vocab.js';
import type { ValueType } from './values.js';

export const MISSING: unique symbol = Symbol('missing');

/** Per-evaluation scratch space: a reader puts its note here when it returns MISSING. */
export interface Scratch {
  note: string;
}

/**
 * How the left value is shaped at run time:
 * time = epoch ms; elapsed = the agreement's signing instant (compared through now);
 * number; string; area = ISO 3166-1 alpha-2 country; boolean; stringSet = string[];
 * claim = any JSON value, coerced to the right operand's type.
 */
export type LeftKind = 'time' | 'elapsed' | 'number' | 'string' | 'area' | 'boolean' | 'stringSet' | 'claim';

export interface ClaimParams {
  credentialType: string;
  path: (string | number)[];
  pathText: string;
}

export interface LeftOperandDef {
  /** Short name as written in compacted form: 'dateTime', 'pontis:membership'. */
  name: string;
  iri: string;
  /** Noun phrase for reasons: "usage count". */
  label: string;
  scopes: readonly Scope[];
  kind: LeftKind;
  /** Right operand types accepted. */
  accepts: readonly ValueType[];
  /** How a plain JSON string right operand is read. */
  plainStringAs: ValueType;
  operators: readonly Operator[];
  /** What the context must provide; used when the value is missing. */
  needs: string;
  read(ctx: EvaluationContext, scratch: Scratch, params: ClaimParams | undefined): unknown;
  description: string;
}

const ODRL_NS = 'http://www.w3.org/ns/odrl/2/';
const PONTIS_NS = 'https://w3id.org/pontis/policy/';
const ALL: readonly Scope[] = ['catalog', 'negotiation', 'transfer', 'request'];
const EQUALITY: readonly Operator[] = [
  'eq',
  'neq',
  'isA',
  'isAnyOf',
  'isNoneOf',
  'isPartOf',
  'hasPart',
  'isAllOf',
];
const ORDERED: readonly Operator[] = ['eq', 'neq', 'lt', 'lteq', 'gt', 'gteq'];

/** Credentials valid at `now` (identity verified the rest: signature, status, issuer trust). */
export function validCredentials(ctx: EvaluationContext): VerifiedCredential[] | undefined {
  const p = ctx.participant;
  if (!p) return undefined;
  const now = ctx.now.getTime();
  let all = true;
  for (const c of p.credentials) {
    if ((c.validFrom && c.validFrom.getTime() > now) || (c.validUntil && c.validUntil.getTime() <= now)) {
      all = false;
      break;
    }
  }
  if (all) return p.credentials;
  return p.credentials.filter(
    (c) => !((c.validFrom && c.validFrom.getTime() > now) || (c.validUntil && c.validUntil.getTime() <= now)),
  );
}

function noParticipant(scratch: Scratch): typeof MISSING {
  scratch.note = 'no verified participant in the context (participant)';
  return MISSING;
}

/** Default membership rule: a valid credential of the membership type, from a member issuer if listed. */
export function isMember(ctx: EvaluationContext, creds: VerifiedCredential[]): boolean {
  const type = ctx.dataspace?.membershipCredentialType ?? 'MembershipCredential';
  const issuers = ctx.dataspace?.memberIssuers;
  for (const c of creds) {
    if (c.types.includes(type) && (!issuers || issuers.includes(c.issuer))) return true;
  }
  return false;
}

const COUNTRY = /^[A-Z]{2}$/;

function countryOf(subject: Record<string, unknown>): string | undefined {
  const addr = subject['address'];
  const candidates: unknown[] = [subject['countryCode'], subject['country']];
  if (typeof addr === 'object' && addr !== null) {
    const a = addr as Record<string, unknown>;
    candidates.push(a['countryCode'], a['addressCountry'], a['country']);
  }
  for (const c of candidates) if (typeof c === 'string' && COUNTRY.test(c)) return c;
  return undefined;
}

/** Reads a claim by path; undefined when absent. */
function at(value: unknown, path: (string | number)[]): unknown {
  let v = value;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** `$.a.b[0]` or `a.b[0]` → ['a','b',0]; undefined when malformed. */
export function parseClaimPath(text: string): (string | number)[] | undefined {
  let s = text.startsWith('$') ? text.slice(1) : '.' + text;
  const out: (string | number)[] = [];
  while (s.length) {
    let m = /^\.([A-Za-z_@$][\w@$:-]*)/.exec(s);
    if (m) {
      out.push(m[1]!);
      s = s.slice(m[0].length);
      continue;
    }
    m = /^\[(\d+)\]/.exec(s);
    if (m) {
      out.push(Number(m[1]));
      s = s.slice(m[0].length);
      continue;
    }
    m = /^\['([^']+)'\]/.exec(s);
    if (m) {
      out.push(m[1]!);
      s = s.slice(m[0].length);
      continue;
    }
    return undefined;
  }
  return out.length ? out : undefined;
}

const defs: LeftOperandDef[] = [
  {
    name: 'dateTime',
    iri: ODRL_NS + 'dateTime',
    label: 'the current time',
    scopes: ALL,
    kind: 'time',
    accepts: ['dateTime', 'date'],
    plainStringAs: 'dateTime',
    operators: ORDERED,
    needs: 'now',
    read: (ctx) => ctx.now.getTime(),
    description: 'The time of evaluation (context.now).',
  },
  {
    name: 'elapsedTime',
    iri: ODRL_NS + 'elapsedTime',
    label: 'the time since the agreement',
    scopes: ['transfer', 'request'],
    kind: 'elapsed',
    accepts: ['duration'],
    plainStringAs: 'duration',
    operators: ['lt', 'lteq', 'gt', 'gteq'],
    needs: 'agreement.signedAt',
    read: (ctx, scratch) => {
      const a = ctx.agreement;
      if (!a || !(a.signedAt instanceof Date) || Number.isNaN(a.signedAt.getTime())) {
        scratch.note =
          'no agreement in the context (agreement.signedAt), so the time since the agreement is unknown';
        return MISSING;
      }
      return a.signedAt.getTime();
    },
    description: 'Time elapsed since the agreement was signed; compared with calendar arithmetic.',
  },
  {
    name: 'count',
    iri: ODRL_NS + 'count',
    label: 'the usage count',
    scopes: ['transfer', 'request'],
    kind: 'number',
    accepts: ['integer'],
    plainStringAs: 'integer',
    operators: [...ORDERED, 'isAnyOf', 'isNoneOf'],
    needs: 'usage.count',
    // ODRL: count is the number of times the action may be exercised, so the value compared is the
    // number this use would have (uses so far + 1): "count lteq 3" allows exactly three uses.
    read: (ctx, scratch) => {
      const c = ctx.usage?.count;
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
        scratch.note = 'the number of uses so far is unknown (usage.count)';
        return MISSING;
      }
      return c + 1;
    },
    description: 'The number this use would have: uses so far (usage.count) plus one.',
  },
  {
    name: 'purpose',
    iri: ODRL_NS + 'purpose',
    label: 'the declared purpose',
    // Only a data request declares a purpose (the X-Purpose header): DSP negotiation and transfer
    // messages have no field for it. There the constraint is not applicable; it becomes a term of
    // the agreement that every request must satisfy.
    scopes: ['request'],
    kind: 'string',
    accepts: ['string', 'iri'],
    plainStringAs: 'string',
    operators: EQUALITY,
    needs: 'purpose',
    read: (ctx, scratch) => {
      if (typeof ctx.purpose !== 'string' || ctx.purpose === '') {
        scratch.note = 'the requester declared no purpose (purpose)';
        return MISSING;
      }
      return ctx.purpose;
    },
    description: 'The purpose declared by the requester; compared as text (IRIs by their full text).',
  },
  {
    name: 'spatial',
    iri: ODRL_NS + 'spatial',
    label: "the participant's country",
    scopes: ALL,
    kind: 'area',
    accepts: ['string'],
    plainStringAs: 'string',
    operators: ['eq', 'neq', 'isA', 'isPartOf', 'isAnyOf', 'isNoneOf'],
    needs: 'participant.credentials[].credentialSubject.countryCode',
    read: (ctx, scratch) => {
      const creds = validCredentials(ctx);
      if (!creds) return noParticipant(scratch);
      let found: string | undefined;
      for (const c of creds) {
        const cc = countryOf(c.subject);
        if (cc === undefined) continue;
        if (found !== undefined && found !== cc) {
          scratch.note = `the participant's verified credentials disagree on its country (${found}, ${cc})`;
          return MISSING;
        }
        found = cc;
      }
      if (found === undefined) {
        scratch.note =
          "no verified credential states the participant's country (credentialSubject.countryCode, country or address.addressCountry)";
        return MISSING;
      }
      return found;
    },
    description:
      "The participant's country (ISO 3166-1 alpha-2) from its verified credentials. Right operands are country codes or the regions EU and EEA; eq, isA and isPartOf mean 'inside'.",
  },
  {
    name: 'pontis:membership',
    iri: PONTIS_NS + 'membership',
    label: 'membership of the data space',
    scopes: ALL,
    kind: 'boolean',
    accepts: ['boolean'],
    plainStringAs: 'boolean',
    operators: ['eq', 'neq'],
    needs: 'participant',
    read: (ctx, scratch) => {
      const creds = validCredentials(ctx);
      if (!creds) return noParticipant(scratch);
      return isMember(ctx, creds);
    },
    description:
      'True when the participant holds a valid credential of the membership type (dataspace.membershipCredentialType, default MembershipCredential), from one of dataspace.memberIssuers when set.',
  },
  {
    name: 'pontis:credentialType',
    iri: PONTIS_NS + 'credentialType',
    label: "the participant's credential types",
    scopes: ALL,
    kind: 'stringSet',
    accepts: ['string', 'iri'],
    plainStringAs: 'string',
    operators: ['hasPart', 'isAllOf', 'isAnyOf', 'isNoneOf'],
    needs: 'participant',
    read: (ctx, scratch) => {
      const creds = validCredentials(ctx);
      if (!creds) return noParticipant(scratch);
      if (creds.length === 1) return creds[0]!.types;
      const out: string[] = [];
      for (const c of creds) for (const t of c.types) if (!out.includes(t)) out.push(t);
      return out;
    },
    description:
      'The set of types of all valid credentials the participant holds; use hasPart for "holds a credential of type X".',
  },
  {
    name: 'pontis:credentialClaim',
    iri: PONTIS_NS + 'credentialClaim',
    label: 'the credential claim',
    scopes: ALL,
    kind: 'claim',
    accepts: ['dateTime', 'date', 'duration', 'decimal', 'integer', 'string', 'iri', 'boolean'],
    plainStringAs: 'string',
    operators: [
      'eq',
      'neq',
      'lt',
      'lteq',
      'gt',
      'gteq',
      'isA',
      'hasPart',
      'isPartOf',
      'isAllOf',
      'isAnyOf',
      'isNoneOf',
    ],
    needs: 'participant',
    read: (ctx, scratch, params) => {
      const creds = validCredentials(ctx);
      if (!creds) return noParticipant(scratch);
      const p = params!;
      let found: unknown = MISSING;
      let foundText = '';
      for (const c of creds) {
        if (!c.types.includes(p.credentialType)) continue;
        const v = at(c.subject, p.path);
        if (v === undefined) continue;
        const text = JSON.stringify(v);
        if (found !== MISSING && text !== foundText) {
          scratch.note = `verified ${p.credentialType} credentials disagree on claim ${p.pathText} (${foundText}, ${text})`;
          return MISSING;
        }
        found = v;
        foundText = text;
      }
      if (found === MISSING) {
        scratch.note = `no valid ${p.credentialType} credential with claim ${p.pathText}`;
      }
      return found;
    },
    description:
      'A claim of a verified credential: the constraint names the credential type (pontis:fromCredential) and a JSON path into its credentialSubject (pontis:claimPath, e.g. "$.memberOf.level").',
  },
];

const registry = new Map<string, LeftOperandDef>();
for (const d of defs) registry.set(d.name, d);

/** The left operand of a short name ('count', 'pontis:membership'), or undefined when unknown. */
export function leftOperand(name: string): LeftOperandDef | undefined {
  return registry.get(name);
}

export function leftOperands(): LeftOperandDef[] {
  return [...registry.values()];
}

/** Adds a left operand (profiles, tests). Names must be new. */
export function registerLeftOperand(def: LeftOperandDef): void {
  if (registry.has(def.name)) throw new Error(`left operand '${def.name}' is already registered`);
  registry.set(def.name, def);
}

/** Named regions for spatial constraints. */
const EU = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
];
export const REGIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  EU: new Set(EU),
  EEA: new Set([...EU, 'IS', 'LI', 'NO']),
};

/** Is the country (alpha-2) inside the area (a country code or a region)? */
export function within(country: string, area: string): boolean {
  if (country === area) return true;
  const r = REGIONS[area];
  return r !== undefined && r.has(country);
}

export function isAreaCode(s: string): boolean {
  return COUNTRY.test(s) || REGIONS[s] !== undefined;
}
