/**
 * Finding the key that must have signed something: the signer's DID document, the verification
 * relationship the purpose requires, and the `kid` (a DID URL, a fragment or absent). Imported
 * keys are cached per verification method object (the resolver caches documents, so the same
 * object comes back until the TTL ends).
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import type { JsonWebKey as NodeJwk, KeyObject } from 'node:crypto';
import { PontisError } from '../errors.js';
import type { VerificationMethod, VerificationRelationship } from './did.js';
import type { DidResolver } from './resolver.js';
import { algorithmsForJwk, verificationMethodToJwk } from './verification-method.js';

export interface KeyLookupArgs {
  /** Who must control the key: the issuer (credentials) or the holder (presentations, tokens). */
  did: string;
  kid?: string;
  relationships: VerificationRelationship[];
}

/** The verification methods that may have signed; throws KeyLookupError naming why none may. */
export type KeyLookup = (args: KeyLookupArgs) => Promise<VerificationMethod[]>;

export class KeyLookupError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export function vmIdFor(did: string, kid: string): string {
  if (kid.startsWith('did:')) return kid;
  return kid.startsWith('#') ? did + kid : `${did}#${kid}`;
}

export function createKeyLookup(resolver: DidResolver): KeyLookup {
  return async ({ did, kid, relationships }) => {
    if (typeof did !== 'string' || !did.startsWith('did:'))
      throw new KeyLookupError(
        `signer ${String(did)} is not a DID, so its keys cannot be found`,
        'signer_not_did',
      );
    let doc;
    try {
      doc = await resolver.resolve(did);
    } catch (e) {
      const code = e instanceof PontisError ? e.code : 'did_unresolvable';
      throw new KeyLookupError(`the DID document of ${did} is not available: ${(e as Error).message}`, code);
    }
    const rels = relationships.join(' or ');
    if (kid !== undefined) {
      const vmId = vmIdFor(did, kid);
      if (!vmId.startsWith(did + '#'))
        throw new KeyLookupError(`key ${kid} does not belong to ${did}`, 'key_not_controlled');
      for (const rel of relationships) {
        const vm = findIn(doc, vmId, rel);
        if (vm) return [vm];
      }
      throw new KeyLookupError(
        `key ${vmId} is not listed under ${rels} in the DID document of ${did}`,
        'key_not_authorized',
      );
    }
    const out: VerificationMethod[] = [];
    for (const rel of relationships) {
      for (const ref of doc[rel] ?? []) {
        const vm = typeof ref === 'string' ? findIn(doc, ref, rel) : ref;
        if (vm && !out.includes(vm)) out.push(vm);
      }
    }
    if (!out.length)
      throw new KeyLookupError(`the DID document of ${did} lists no key under ${rels}`, 'key_not_authorized');
    return out;
  };
}

function findIn(
  doc: { id: string; verificationMethod?: VerificationMethod[] } & Record<string, unknown>,
  vmId: string,
  rel: VerificationRelationship,
): VerificationMethod | undefined {
  const abs = (id: string) => (id.startsWith('#') ? doc.id + id : id);
  for (const r of (doc[rel] as (string | VerificationMethod)[] | undefined) ?? []) {
    if (typeof r === 'string') {
      if (abs(r) === vmId) return (doc.verificationMethod ?? []).find((v) => abs(v.id) === vmId);
    } else if (r && abs(r.id) === vmId) return r;
  }
  return undefined;
}

interface ImportedKey {
  key: KeyObject;
  algorithms: string[];
  controller?: string;
}
const imported = new WeakMap<object, Promise<ImportedKey>>();

/** The jose key for a verification method (cached per VM object) and the algorithms it may verify. */
export function importVerificationKey(vm: VerificationMethod): Promise<ImportedKey> {
  let p = imported.get(vm);
  if (!p) {
    p = (async () => {
      const jwk = verificationMethodToJwk(vm);
      const algorithms = algorithmsForJwk(jwk);
      if (!algorithms.length)
        throw new KeyLookupError(
          `key ${vm.id} has an unsupported type (${String(jwk.kty)} ${String(jwk.crv)})`,
          'unsupported_key_algorithm',
        );
      const key = createPublicKey({ key: jwk as NodeJwk, format: 'jwk' });
      return { key, algorithms, controller: vm.controller };
    })();
    p.catch(() => imported.delete(vm));
    imported.set(vm, p);
  }
  return p;
}

const HASH: Record<string, string | null> = {
  EdDSA: null,
  Ed25519: null,
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

/**
 * Verifies a compact JWS signature with node:crypto (synchronous, no WebCrypto round trip: this is
 * on every DSP request). Only the algorithms the key type allows are tried, so the header cannot
 * choose a weaker one; `crit` and unencoded payloads (b64: false) are refused.
 */
function verifyJws(jws: string, alg: string, key: KeyObject): boolean {
  const first = jws.indexOf('.');
  const last = jws.lastIndexOf('.');
  if (first < 0 || last <= first) return false;
  const hash = HASH[alg];
  if (hash === undefined) return false;
  const signature = Buffer.from(jws.slice(last + 1), 'base64url');
  const data = Buffer.from(jws.slice(0, last), 'ascii');
  try {
    return hash === null
      ? cryptoVerify(null, data, key, signature)
      : cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

function protectedHeader(jws: string): Record<string, unknown> | undefined {
  try {
    const h = JSON.parse(
      Buffer.from(jws.slice(0, jws.indexOf('.')), 'base64url').toString('utf8'),
    ) as unknown;
    return typeof h === 'object' && h !== null && !Array.isArray(h)
      ? (h as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a compact JWS with the first of `vms` whose key type matches the header `alg`.
 * Returns the VM used and the payload bytes, or a reason: `alg_mismatch` (no key of that type) or `bad_signature`.
 */
export async function verifyCompactWith(
  jws: string,
  alg: string | undefined,
  vms: VerificationMethod[],
): Promise<
  | { vm: VerificationMethod; payload: Uint8Array }
  | { reason: 'alg_mismatch' | 'bad_signature'; message: string }
> {
  const header = protectedHeader(jws);
  if (!header || header.crit !== undefined || header.b64 === false)
    return {
      reason: 'bad_signature',
      message: 'the JWS header is invalid or uses crit/b64, which are not accepted',
    };
  let sawAlg = false;
  for (const vm of vms) {
    const k = await importVerificationKey(vm);
    if (!alg || !k.algorithms.includes(alg)) continue;
    sawAlg = true;
    if (verifyJws(jws, alg, k.key)) {
      const p = jws.slice(jws.indexOf('.') + 1, jws.lastIndexOf('.'));
      return { vm, payload: Buffer.from(p, 'base64url') };
    }
  }
  if (!sawAlg)
    return {
      reason: 'alg_mismatch',
      message: `no key of the signer matches the JWS algorithm ${String(alg)}`,
    };
  return {
    reason: 'bad_signature',
    message: `the signature does not verify with ${vms.length === 1 ? `key ${vms[0]!.id}` : 'any key of the signer'}`,
  };
}
