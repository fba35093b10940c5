/**
 * Verification method key material → JWK, whatever form the DID method used: publicKeyJwk
 * (JsonWebKey, JsonWebKey2020), publicKeyMultibase (Multikey, Ed25519VerificationKey2020) or
 * publicKeyBase58 (Ed25519VerificationKey2018, as did:key resolvers still emit).
 */
import { createPublicKey } from 'node:crypto';
import type * as jose from 'jose';
import { ValidationError } from '../errors.js';
import type { VerificationMethod } from './did.js';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Map([...B58].map((c, i) => [c, i]));

export function base58Decode(s: string): Uint8Array {
  let n = 0n;
  for (const c of s) {
    const v = B58_MAP.get(c);
    if (v === undefined)
      throw new ValidationError(`invalid base58 character "${c}"`, undefined, 'invalid_key');
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of s) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

export function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

// SPKI prefixes for a compressed EC point, so OpenSSL decompresses it for us.
const SPKI_COMPRESSED: Record<string, string> = {
  'P-256': '3039301306072a8648ce3d020106082a8648ce3d030107032200',
  'P-384': '3046301006072a8648ce3d020106052b81040022033200',
};

function ecJwkFromCompressed(point: Uint8Array, crv: 'P-256' | 'P-384'): jose.JWK {
  const der = Buffer.concat([Buffer.from(SPKI_COMPRESSED[crv]!, 'hex'), point]);
  const jwk = createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return { kty: 'EC', crv, x: jwk.x!, y: jwk.y! };
}

/** multicodec-prefixed public key (as in did:key and Multikey) → JWK. */
export function multicodecKeyToJwk(bytes: Uint8Array): jose.JWK {
  if (bytes[0] === 0xed && bytes[1] === 0x01 && bytes.length === 34)
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(bytes.subarray(2)) };
  if (bytes[0] === 0x80 && bytes[1] === 0x24) return ecJwkFromCompressed(bytes.subarray(2), 'P-256');
  if (bytes[0] === 0x81 && bytes[1] === 0x24) return ecJwkFromCompressed(bytes.subarray(2), 'P-384');
  throw new ValidationError(
    'unsupported multicodec key type (Ed25519, P-256, P-384 are supported)',
    undefined,
    'unsupported_key_algorithm',
  );
}

export function multibaseKeyToJwk(multibase: string): jose.JWK {
  if (!multibase.startsWith('z'))
    throw new ValidationError('publicKeyMultibase must be base58btc ("z...")', undefined, 'invalid_key');
  return multicodecKeyToJwk(base58Decode(multibase.slice(1)));
}

/** Ed25519 JWK → `z6Mk...` multibase (Multikey / did:key form). */
export function ed25519JwkToMultibase(jwk: jose.JWK): string {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x)
    throw new ValidationError('not an Ed25519 JWK', undefined, 'invalid_key');
  const raw = Buffer.from(jwk.x, 'base64url');
  return 'z' + base58Encode(Uint8Array.from([0xed, 0x01, ...raw]));
}

export function verificationMethodToJwk(vm: VerificationMethod): jose.JWK {
  if (vm.publicKeyJwk && typeof vm.publicKeyJwk === 'object') {
    const { kty, crv, x, y } = vm.publicKeyJwk;
    if (typeof kty !== 'string' || typeof x !== 'string')
      throw new ValidationError(
        `verification method ${vm.id}: publicKeyJwk is incomplete`,
        undefined,
        'invalid_key',
      );
    if ('d' in vm.publicKeyJwk)
      throw new ValidationError(
        `verification method ${vm.id}: publicKeyJwk holds a private key`,
        undefined,
        'invalid_key',
      );
    return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
  }
  if (typeof vm.publicKeyMultibase === 'string') return multibaseKeyToJwk(vm.publicKeyMultibase);
  if (typeof vm.publicKeyBase58 === 'string' && /Ed25519/.test(vm.type)) {
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(base58Decode(vm.publicKeyBase58)) };
  }
  if (typeof vm.publicKeyBase58 === 'string' && /P256/.test(vm.type))
    return ecJwkFromCompressed(base58Decode(vm.publicKeyBase58), 'P-256');
  throw new ValidationError(
    `verification method ${vm.id} (${vm.type}) has no key material we can use`,
    undefined,
    'invalid_key',
  );
}

/** The JWS algorithms a JWK may verify (no alg confusion: the key decides). */
export function algorithmsForJwk(jwk: jose.JWK): string[] {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA', 'Ed25519'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return ['ES256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return ['ES384'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-521') return ['ES512'];
  return [];
}
