/**
 * Audit log entries and their leaf hashes. The whole entry (seq and time included) is the leaf:
 * leaf = SHA-256(0x00 || UTF-8 of the RFC 8785 canonical JSON of the entry), so changing any
 * field of an entry changes its leaf and every root above it.
 */
import { ValidationError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { hashLeaf } from './merkle.js';

export const AUDIT_ENTRY_TYPES = [
  'negotiation.transition',
  'transfer.transition',
  'agreement',
  /** One data request's decision: written by versions before `enforcement.decisions`, still read. */
  'enforcement.decision',
  /** The data plane's decisions on one transfer in one group commit (`content.decisions`). */
  'enforcement.decisions',
  'credential.verification',
  'management.change',
] as const;

/** One of AUDIT_ENTRY_TYPES, or another dotted lower-case name a later part adds. */
export type AuditEntryType = (typeof AUDIT_ENTRY_TYPES)[number] | (string & {});

export const SUBJECT_KEYS = [
  'negotiationId',
  'agreementId',
  'transferId',
  'participant',
  'assetId',
  'offerId',
] as const;
export type SubjectKey = (typeof SUBJECT_KEYS)[number];

/** Ids the entry is about; the auditor API filters on SUBJECT_KEYS. `participant` is the counter-party DID. */
export type AuditSubjects = Partial<Record<SubjectKey, string>> & Record<string, string | undefined>;

export interface AuditEntry {
  /** 0, 1, 2, ... without gaps: the leaf index in the Merkle tree. */
  seq: number;
  /** ISO 8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  time: string;
  type: AuditEntryType;
  /** A DID, or an API principal such as `apikey:management` or `system`. */
  actor: string;
  subjects: AuditSubjects;
  content: Record<string, unknown>;
}

const TYPE_RE = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** RFC 8785 canonical JSON of exactly the six entry fields (anything else on the object is ignored). */
export function canonicalEntry(entry: AuditEntry): string {
  try {
    return canonicalJson({
      seq: entry.seq,
      time: entry.time,
      type: entry.type,
      actor: entry.actor,
      subjects: entry.subjects,
      content: entry.content,
    });
  } catch (e) {
    throw new ValidationError(`audit entry cannot be serialised as canonical JSON: ${(e as Error).message}`);
  }
}

export function entryLeafHash(entry: AuditEntry): Uint8Array {
  return hashLeaf(canonicalEntry(entry));
}

/**
 * Makes content plain JSON (drops undefined, turns Dates into strings), so that what is hashed is
 * exactly what a jsonb column gives back. Throws when the value is not a JSON object.
 */
export function normaliseContent(content: unknown): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = JSON.stringify(content);
  } catch (e) {
    throw new ValidationError(`audit entry content is not JSON: ${(e as Error).message}`);
  }
  const value: unknown = text === undefined ? undefined : JSON.parse(text);
  if (!isPlainObject(value)) throw new ValidationError('audit entry content must be a JSON object');
  // NaN and Infinity became null above; canonicalize would have refused them.
  return value;
}

const SUBJECT_NAME_RE = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

/**
 * Checks subject ids: string values under short names. SUBJECT_KEYS are the ones the auditor API
 * filters on; other names (`policyId`, `providerPid`, ...) are recorded as given. `counterParty`
 * is also recorded as `participant` when that is absent, so that filtering by participant finds it.
 */
export function normaliseSubjects(subjects: unknown): AuditSubjects {
  if (subjects === undefined || subjects === null) return {};
  if (!isPlainObject(subjects)) throw new ValidationError('audit entry subjects must be an object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(subjects)) {
    if (value === undefined || value === null) continue;
    if (!SUBJECT_NAME_RE.test(key))
      throw new ValidationError(`audit entry subject name "${key}" is not a short identifier`);
    if (typeof value !== 'string' || value.length === 0) {
      throw new ValidationError(`audit entry subject "${key}" must be a non-empty string`);
    }
    out[key] = value;
  }
  if (out.participant === undefined && out.counterParty !== undefined) out.participant = out.counterParty;
  return out as AuditSubjects;
}

export function checkEntryType(type: unknown): AuditEntryType {
  if (typeof type !== 'string' || !TYPE_RE.test(type) || type.length > 100) {
    throw new ValidationError(`audit entry type ${JSON.stringify(type)} is not a dotted lower-case name`);
  }
  return type;
}

export function checkActor(actor: unknown): string {
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > 2048) {
    throw new ValidationError('audit entry actor must be a non-empty string (a DID or an API principal)');
  }
  return actor;
}

/**
 * Checks that a parsed JSON value (an export line, a receipt) is an entry, without changing it:
 * the leaf is recomputed from what was read. Throws ValidationError naming the field.
 */
export function parseAuditEntry(value: unknown): AuditEntry {
  if (!isPlainObject(value)) throw new ValidationError('entry is not a JSON object');
  const { seq, time, type, actor, subjects, content } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new ValidationError('entry "seq" must be a non-negative integer');
  }
  if (typeof time !== 'string' || !TIME_RE.test(time) || Number.isNaN(Date.parse(time))) {
    throw new ValidationError(
      'entry "time" must be ISO 8601 UTC with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)',
    );
  }
  checkEntryType(type);
  checkActor(actor);
  if (!isPlainObject(subjects)) throw new ValidationError('entry "subjects" must be an object');
  for (const [k, v] of Object.entries(subjects)) {
    if (typeof v !== 'string') throw new ValidationError(`entry subject "${k}" must be a string`);
  }
  if (!isPlainObject(content)) throw new ValidationError('entry "content" must be an object');
  return {
    seq,
    time,
    type: type as string,
    actor: actor as string,
    subjects: subjects as AuditSubjects,
    content,
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
