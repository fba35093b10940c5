/**
 * Revocation and suspension status: Bitstring Status List (VC 2.0) and StatusList2021 (VC 1.1).
 * Issuer side: create a list, flip bits, build the (unsigned) status list credential. Verifier
 * side: fetch the status list credential (through the injected fetchJson, so the URL allow-list
 * applies), verify it, cache it for a TTL, and read the bit.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '../errors.js';
import {
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  asArray,
  isObject,
  issuerOf,
  subjectOf,
  typesOf,
} from './credential-model.js';
import type { CheckError, JsonObject, VerifyResult } from './credential-model.js';
import type { FetchJson } from './http.js';

export const STATUS_LIST_2021_CONTEXT = 'https://w3id.org/vc/status-list/2021/v1';
/** Both specs require at least 16 KiB (131072 entries) for herd privacy. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

export type StatusPurpose = 'revocation' | 'suspension';
export type StatusListForm = 'BitstringStatusList' | 'StatusList2021';

export interface StatusList {
  bits: Uint8Array;
  length: number;
}

export function createStatusList(length = MIN_STATUS_LIST_LENGTH): StatusList {
  if (!Number.isInteger(length) || length <= 0 || length % 8 !== 0)
    throw new ValidationError('status list length must be a positive multiple of 8');
  return { bits: new Uint8Array(length / 8), length };
}

/** Index 0 is the most significant bit of the first byte (both specs). */
export function getStatusBit(list: StatusList, index: number): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= list.length)
    throw new ValidationError(
      `status list index ${index} is outside the list (length ${list.length})`,
      undefined,
      'status_index_out_of_range',
    );
  return (list.bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

export function setStatusBit(list: StatusList, index: number, value: boolean): void {
  getStatusBit(list, index);
  if (value) list.bits[index >> 3]! |= 0x80 >> (index & 7);
  else list.bits[index >> 3]! &= ~(0x80 >> (index & 7));
}

/** Bitstring Status List: multibase base64url ('u') of GZIP; StatusList2021: base64url of GZIP. */
export function encodeStatusList(list: StatusList, form: StatusListForm): string {
  const b64 = gzipSync(list.bits).toString('base64url');
  return form === 'BitstringStatusList' ? 'u' + b64 : b64;
}

export function decodeStatusList(encoded: string, form?: StatusListForm): StatusList {
  let text = encoded;
  if (text.startsWith('u') && form !== 'StatusList2021') text = text.slice(1);
  let bits: Buffer;
  try {
    bits = gunzipSync(Buffer.from(text, 'base64url'), { maxOutputLength: 16 * 1024 * 1024 });
  } catch (e) {
    throw new ValidationError(
      `encodedList cannot be decoded: ${(e as Error).message}`,
      undefined,
      'status_list_invalid',
    );
  }
  return { bits: new Uint8Array(bits), length: bits.length * 8 };
}

/** An unsigned status list credential (VC 2.0 for Bitstring, VC 1.1 for StatusList2021). */
export function buildStatusListCredential(options: {
  id: string;
  issuer: string;
  purpose: StatusPurpose;
  list: StatusList;
  form?: StatusListForm;
  validFrom?: Date;
  validUntil?: Date;
}): JsonObject {
  const form = options.form ?? 'BitstringStatusList';
  const validFrom = (options.validFrom ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const subject = {
    id: `${options.id}#list`,
    type: form,
    statusPurpose: options.purpose,
    encodedList: encodeStatusList(options.list, form),
  };
  if (form === 'BitstringStatusList') {
    return {
      '@context': [VC_V2_CONTEXT],
      id: options.id,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: options.issuer,
      validFrom,
      ...(options.validUntil ? { validUntil: options.validUntil.toISOString() } : {}),
      credentialSubject: subject,
    };
  }
  return {
    '@context': [VC_V1_CONTEXT, STATUS_LIST_2021_CONTEXT],
    id: options.id,
    type: ['VerifiableCredential', 'StatusList2021Credential'],
    issuer: options.issuer,
    issuanceDate: validFrom,
    ...(options.validUntil ? { expirationDate: options.validUntil.toISOString() } : {}),
    credentialSubject: subject,
  };
}

/** The credentialStatus entry that points at `index` of the list credential `listId`. */
export function statusEntry(
  listId: string,
  index: number,
  purpose: StatusPurpose,
  form: StatusListForm = 'BitstringStatusList',
): JsonObject {
  return {
    id: `${listId}#${index}`,
    type: form === 'BitstringStatusList' ? 'BitstringStatusListEntry' : 'StatusList2021Entry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listId,
  };
}

export interface StatusCheckerOptions {
  fetchJson: FetchJson;
  /** Verifies the fetched status list credential (signature, validity; not its own status). */
  verifyListCredential: (credential: unknown) => Promise<VerifyResult & { document?: JsonObject }>;
  ttlMs?: number;
  now?: () => number;
}

export interface StatusChecker {
  /** null when every status entry of `credential` is clear, else the error (check `status`). */
  check(credential: JsonObject): Promise<CheckError | null>;
  invalidate(listUrl?: string): void;
}

const ENTRY_TYPES: Record<string, StatusListForm> = {
  BitstringStatusListEntry: 'BitstringStatusList',
  StatusList2021Entry: 'StatusList2021',
};

export function createStatusChecker(options: StatusCheckerOptions): StatusChecker {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  const cache = new Map<
    string,
    { until: number; issuer: string; purpose: string; list: StatusList; form: StatusListForm }
  >();
  const inflight = new Map<
    string,
    Promise<{ issuer: string; purpose: string; list: StatusList; form: StatusListForm }>
  >();

  async function load(url: string) {
    const hit = cache.get(url);
    if (hit && hit.until > now()) return hit;
    let p = inflight.get(url);
    if (!p) {
      p = (async () => {
        const raw = await options.fetchJson(url);
        const res = await options.verifyListCredential(raw);
        if (!res.verified || !res.document) {
          throw new StatusListError(
            `status list credential ${url} does not verify: ${res.errors.map((e) => `${e.check}: ${e.message}`).join('; ')}`,
          );
        }
        const doc = res.document;
        const types = typesOf(doc);
        const form: StatusListForm | undefined = types.includes('BitstringStatusListCredential')
          ? 'BitstringStatusList'
          : types.includes('StatusList2021Credential')
            ? 'StatusList2021'
            : undefined;
        const subject = subjectOf(doc);
        if (!form || !subject || typeof subject.encodedList !== 'string')
          throw new StatusListError(`${url} is not a status list credential`);
        if (doc.id !== undefined && doc.id !== url)
          throw new StatusListError(`status list credential fetched from ${url} has id ${String(doc.id)}`);
        return {
          issuer: issuerOf(doc) ?? '',
          purpose: String(subject.statusPurpose ?? ''),
          list: decodeStatusList(subject.encodedList, form),
          form,
        };
      })().finally(() => inflight.delete(url));
      inflight.set(url, p);
    }
    const v = await p;
    const entry = { ...v, until: now() + ttlMs };
    cache.set(url, entry);
    return entry;
  }

  return {
    async check(credential) {
      const entries = asArray(credential.credentialStatus as JsonObject | JsonObject[]);
      for (const e of entries) {
        if (!isObject(e))
          return {
            check: 'status',
            reason: 'invalid_status_entry',
            message: 'credentialStatus entry is not an object',
          };
        const type = typesOf(e).find((t) => t in ENTRY_TYPES);
        if (!type)
          return {
            check: 'status',
            reason: 'unsupported_status_type',
            message: `credentialStatus type ${String(e.type)} is not supported (BitstringStatusListEntry, StatusList2021Entry)`,
          };
        const url = e.statusListCredential;
        const index = Number(e.statusListIndex);
        if (typeof url !== 'string' || !Number.isInteger(index) || index < 0) {
          return {
            check: 'status',
            reason: 'invalid_status_entry',
            message: 'credentialStatus needs statusListCredential (URL) and statusListIndex (integer)',
          };
        }
        if (e.statusSize !== undefined && Number(e.statusSize) !== 1)
          return {
            check: 'status',
            reason: 'unsupported_status_type',
            message: 'only statusSize 1 is supported',
          };
        let list;
        try {
          list = await load(url);
        } catch (err) {
          return {
            check: 'status',
            reason: 'status_list_unavailable',
            message: `status list ${url}: ${(err as Error).message}`,
          };
        }
        const purpose = String(e.statusPurpose ?? '');
        if (list.form !== ENTRY_TYPES[type])
          return {
            check: 'status',
            reason: 'invalid_status_entry',
            message: `${type} points at a ${list.form} credential`,
          };
        if (list.purpose !== purpose)
          return {
            check: 'status',
            reason: 'invalid_status_entry',
            message: `status list ${url} is for ${list.purpose}, the entry says ${purpose}`,
          };
        const issuer = issuerOf(credential);
        if (list.issuer !== issuer)
          return {
            check: 'status',
            reason: 'status_list_issuer_mismatch',
            message: `status list ${url} is issued by ${list.issuer}, the credential by ${String(issuer)}`,
          };
        let set: boolean;
        try {
          set = getStatusBit(list.list, index);
        } catch (err) {
          return { check: 'status', reason: 'invalid_status_entry', message: (err as Error).message };
        }
        if (set) {
          const reason = purpose === 'suspension' ? 'suspended' : 'revoked';
          return {
            check: 'status',
            reason,
            message: `credential is ${reason} (status list ${url}, index ${index})`,
          };
        }
      }
      return null;
    },
    invalidate(url) {
      if (url) cache.delete(url);
      else cache.clear();
    },
  };
}

class StatusListError extends Error {}
