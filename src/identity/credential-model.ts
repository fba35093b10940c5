/**
 * The parts of the W3C VC data model (1.1 and 2.0) that verification needs, read the same way
 * whatever the securing form: types, issuer, subject, validity period, status entries.
 */
import type { VerifiedCredential } from './participant.js';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

export type JsonObject = Record<string, unknown>;

/** Names of the checks; every refusal names one of these. */
export type CheckName =
  | 'format'
  | 'context'
  | 'signature'
  | 'issuer_key'
  | 'validity_period'
  | 'holder_binding'
  | 'status'
  | 'trusted_issuer'
  | 'audience'
  | 'credentials';

export interface CheckError {
  check: CheckName;
  message: string;
  /** A finer reason where one helps: expired, not_yet_valid, revoked, suspended, missing, ... */
  reason?: string;
  /** Which credential of a presentation (index in verifiableCredential). */
  credentialIndex?: number;
}

export interface VerifyResult {
  verified: boolean;
  /** The checks performed, in order. */
  checks: CheckName[];
  errors: CheckError[];
  warnings: string[];
  /** The credentials that passed every check (one for verifyCredential). */
  credentials?: VerifiedCredential[];
  /** Presentations: the holder DID (the signer). */
  holder?: string;
  format?: 'jwt' | 'data-integrity';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function contextsOf(doc: JsonObject): unknown[] {
  return asArray(doc['@context'] as unknown);
}

export function vcVersion(doc: JsonObject): 1 | 2 | undefined {
  const first = contextsOf(doc)[0];
  if (first === VC_V2_CONTEXT) return 2;
  if (first === VC_V1_CONTEXT) return 1;
  return undefined;
}

export function typesOf(doc: JsonObject): string[] {
  return asArray(doc.type as string | string[]).filter((t): t is string => typeof t === 'string');
}

export function issuerOf(doc: JsonObject): string | undefined {
  const i = doc.issuer;
  if (typeof i === 'string') return i;
  if (isObject(i) && typeof i.id === 'string') return i.id;
  return undefined;
}

/** The first credentialSubject (DCP credentials have one). */
export function subjectOf(doc: JsonObject): JsonObject | undefined {
  const s = asArray(doc.credentialSubject as JsonObject | JsonObject[])[0];
  return isObject(s) ? s : undefined;
}

export function subjectIds(doc: JsonObject): (string | undefined)[] {
  return asArray(doc.credentialSubject as JsonObject | JsonObject[]).map((s) =>
    isObject(s) && typeof s.id === 'string' ? s.id : undefined,
  );
}

export interface ValidityWindow {
  validFrom?: Date;
  validUntil?: Date;
}

function parseDate(v: unknown, name: string): Date {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
    throw new FormatError(`${name} is not an XML Schema dateTime: ${JSON.stringify(v)}`);
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new FormatError(`${name} is not a valid date: ${v}`);
  return d;
}

export class FormatError extends Error {}

/**
 * The validity window from every form at once: validFrom/validUntil (2.0), issuanceDate/
 * expirationDate (1.1) and JWT nbf/exp. The window is the intersection of all that are present.
 */
export function validityWindow(doc: JsonObject, jwt?: { nbf?: unknown; exp?: unknown }): ValidityWindow {
  const froms: Date[] = [];
  const untils: Date[] = [];
  if (doc.validFrom !== undefined) froms.push(parseDate(doc.validFrom, 'validFrom'));
  if (doc.issuanceDate !== undefined) froms.push(parseDate(doc.issuanceDate, 'issuanceDate'));
  if (doc.validUntil !== undefined) untils.push(parseDate(doc.validUntil, 'validUntil'));
  if (doc.expirationDate !== undefined) untils.push(parseDate(doc.expirationDate, 'expirationDate'));
  if (jwt) {
    for (const [k, list] of [
      ['nbf', froms],
      ['exp', untils],
    ] as const) {
      const v = jwt[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new FormatError(`JWT claim ${k} must be a NumericDate (number), got ${JSON.stringify(v)}`);
      list.push(new Date(v * 1000));
    }
  }
  const w: ValidityWindow = {};
  if (froms.length) w.validFrom = new Date(Math.max(...froms.map((d) => d.getTime())));
  if (untils.length) w.validUntil = new Date(Math.min(...untils.map((d) => d.getTime())));
  return w;
}

/** null when `now` is inside the window (with skew), else the error. */
export function checkWindow(
  w: ValidityWindow,
  now: Date,
  skewSeconds: number,
  what: string,
): CheckError | null {
  const skew = skewSeconds * 1000;
  if (w.validFrom && w.validFrom.getTime() - skew > now.getTime()) {
    return {
      check: 'validity_period',
      reason: 'not_yet_valid',
      message: `${what} is not valid before ${w.validFrom.toISOString()}`,
    };
  }
  if (w.validUntil && w.validUntil.getTime() + skew < now.getTime()) {
    return {
      check: 'validity_period',
      reason: 'expired',
      message: `${what} expired at ${w.validUntil.toISOString()}`,
    };
  }
  return null;
}

export function toVerifiedCredential(doc: JsonObject, w: ValidityWindow): VerifiedCredential {
  return {
    ...(typeof doc.id === 'string' ? { id: doc.id } : {}),
    types: typesOf(doc),
    issuer: issuerOf(doc) ?? '',
    subject: subjectOf(doc) ?? {},
    ...(w.validFrom ? { validFrom: w.validFrom } : {}),
    ...(w.validUntil ? { validUntil: w.validUntil } : {}),
  };
}

export function failed(
  checks: CheckName[],
  errors: CheckError[],
  warnings: string[] = [],
  extra: Partial<VerifyResult> = {},
): VerifyResult {
  return { verified: false, checks, errors, warnings, ...extra };
}
