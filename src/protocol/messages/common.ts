/**
 * Shared pieces of the DSP 2025-1 message layer: the context, ODRL policy shapes (as the DSP ODRL
 * profile compacts them), zod helpers and the conversion of zod issues into ValidationErrors with a
 * JSON pointer.
 *
 * Decoders are lenient where the spec lets peers differ (extra properties, `reason` entries that are
 * objects, a callback address with or without a trailing slash); builders are strict and produce
 * exactly the 2025-1 compacted form.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { DSP_CONTEXT_URL } from '../jsonld/contexts/dspace-2025-1.js';

export { DSP_CONTEXT_URL };
export const DSP_NAMESPACE = 'https://w3id.org/dspace/2025/1/';

/** The `@context` every outgoing DSP message carries. */
export type DspContext = [typeof DSP_CONTEXT_URL, ...string[]];
export const dspContext = (): DspContext => [DSP_CONTEXT_URL];

/** `@context` as received: the DSP context as a string, or an array of strings containing it. */
export const ContextSchema = z
  .union([z.literal(DSP_CONTEXT_URL), z.array(z.string())])
  .refine((c) => c === DSP_CONTEXT_URL || (Array.isArray(c) && c.includes(DSP_CONTEXT_URL)), {
    message: `must contain "${DSP_CONTEXT_URL}"`,
  });

export const NonEmptyString = z.string().min(1, { message: 'must not be empty' });

/** An absolute http(s) URL; a trailing slash is allowed (peers differ). */
export const HttpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http(s) URL' },
);

/**
 * Termination/suspension/error `reason`: the spec says an array; entries are strings or objects
 * (the TCK sends `{ "message": ... }`).
 */
export const ReasonSchema = z.array(z.unknown());

// ---- ODRL (compacted with the DSP ODRL profile) ----

/** An action: `"use"`, an IRI, or an object with refinements. */
export type OdrlAction = string | { [key: string]: unknown };

export interface OdrlAtomicConstraint {
  leftOperand: string | { [key: string]: unknown };
  operator: string | { [key: string]: unknown };
  rightOperand?: unknown;
  rightOperandReference?: unknown;
  [key: string]: unknown;
}

export interface OdrlLogicalConstraint {
  and?: OdrlConstraint[];
  or?: OdrlConstraint[];
  xone?: OdrlConstraint[];
  andSequence?: OdrlConstraint[];
  [key: string]: unknown;
}

export type OdrlConstraint = OdrlAtomicConstraint | OdrlLogicalConstraint;

export interface OdrlRule {
  action: OdrlAction;
  constraint?: OdrlConstraint[];
  duty?: OdrlRule[];
  [key: string]: unknown;
}

const LOGICAL = ['and', 'or', 'xone', 'andSequence'] as const;

export const ConstraintSchema: z.ZodType<OdrlConstraint> = z.lazy(() =>
  z.union([
    z.looseObject({
      leftOperand: z.union([NonEmptyString, z.record(z.string(), z.unknown())]),
      operator: z.union([NonEmptyString, z.record(z.string(), z.unknown())]),
      rightOperand: z.unknown().optional(),
      rightOperandReference: z.unknown().optional(),
    }),
    z
      .looseObject({
        and: z.array(ConstraintSchema).optional(),
        or: z.array(ConstraintSchema).optional(),
        xone: z.array(ConstraintSchema).optional(),
        andSequence: z.array(ConstraintSchema).optional(),
      })
      .refine((c) => LOGICAL.filter((k) => c[k] !== undefined).length === 1, {
        message:
          'a constraint needs leftOperand, operator and rightOperand, or exactly one of and, or, xone, andSequence',
      }),
  ]),
);

export const RuleSchema: z.ZodType<OdrlRule> = z.lazy(() =>
  z.looseObject({
    action: z.union([NonEmptyString, z.record(z.string(), z.unknown())]),
    constraint: z.array(ConstraintSchema).optional(),
    duty: z.array(RuleSchema).optional(),
  }),
);

const policyBase = {
  '@id': NonEmptyString,
  profile: z.union([z.string(), z.array(z.string())]).optional(),
  permission: z.array(RuleSchema).optional(),
  prohibition: z.array(RuleSchema).optional(),
  obligation: z.array(RuleSchema).optional(),
};

const hasRule = (p: { permission?: unknown[]; prohibition?: unknown[]; obligation?: unknown[] }) =>
  (p.permission?.length ?? 0) + (p.prohibition?.length ?? 0) + (p.obligation?.length ?? 0) > 0;
const ruleMessage = {
  message: 'a policy needs at least one permission, prohibition or obligation',
  path: ['permission'],
};

/** An offer inside a negotiation message (`target` names the dataset). */
export const MessageOfferSchema = z
  .looseObject({ ...policyBase, '@type': z.literal('Offer'), target: NonEmptyString.optional() })
  .refine(hasRule, ruleMessage);
export type MessageOffer = z.infer<typeof MessageOfferSchema>;

/**
 * An offer in a catalog (`hasPolicy` of a Dataset). The schema forbids `target` there (the dataset is
 * the target); our builders never write one, but the decoder tolerates it from peers that do.
 */
export const CatalogOfferSchema = z
  .looseObject({ ...policyBase, '@type': z.literal('Offer') })
  .refine(hasRule, ruleMessage);
export type CatalogOffer = z.infer<typeof CatalogOfferSchema>;

/** xsd:dateTime as the DSP schema spells it. */
const XSD_DATETIME =
  /^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$/;

export const AgreementSchema = z
  .looseObject({
    ...policyBase,
    '@type': z.literal('Agreement'),
    target: NonEmptyString,
    assigner: NonEmptyString,
    assignee: NonEmptyString,
    timestamp: z.string().regex(XSD_DATETIME, { message: 'must be an xsd:dateTime' }).optional(),
  })
  .refine(hasRule, ruleMessage);
export type Agreement = z.infer<typeof AgreementSchema>;

// ---- errors ----

function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return `is required (${issue.expected})`;
  }
  if (issue.code === 'invalid_value') {
    return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'array') {
    return `must have at least ${String(issue.minimum)} item(s)`;
  }
  if (issue.code === 'invalid_union') {
    // The most specific branch failure says more than "no union member matched".
    const nested = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
    if (nested) return `${pointer(nested.path)} ${describeIssue(nested)}`.trim();
  }
  return issue.message.replace(/^Invalid input: /, '');
}

export interface ValidationIssue {
  pointer: string;
  message: string;
}

/**
 * Parses `json` with `schema`; on failure throws a ValidationError whose message names the type,
 * the JSON pointer and what is wrong, and whose details are `{ type, pointer, issues }`.
 */
export function parseWith<T>(schema: z.ZodType<T>, json: unknown, typeName: string): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((i) => {
    const text = describeIssue(i);
    // A union message may already start with a deeper pointer.
    const nested = text.startsWith('/') ? text.split(' ')[0] : '';
    return {
      pointer: pointer(i.path) + (nested ?? ''),
      message: nested ? text.slice(nested.length + 1) : text,
    };
  });
  const first = issues[0] ?? { pointer: '', message: 'is invalid' };
  const where = first.pointer === '' ? 'the body' : first.pointer;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  throw new ValidationError(`invalid ${typeName}: ${where} ${first.message}${more}`, {
    type: typeName,
    pointer: first.pointer,
    issues,
  });
}

// ---- URLs ----

/** Removes trailing slashes, so `https://a/dsp/` and `https://a/dsp` name the same base. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Percent-encodes one path segment, keeping `:` and `@` (legal in a segment, common in `urn:uuid:` pids). */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%3A/gi, ':').replace(/%40/g, '@');
}

/** Joins a base URL (trailing slashes ignored) and path segments, each encoded. */
export function joinUrl(base: string, ...segments: string[]): string {
  return [normalizeBaseUrl(base), ...segments.map(encodePathSegment)].join('/');
}
