/**
 * Signing keys: generation, loading from a file or an environment variable (never from the
 * repository), and the key ring used for rotation. A key file is either one private JWK or a JWK
 * set whose first key is the current one; later keys are previous ones, kept (public part only is
 * enough) until their `exp` (seconds since the epoch) so that tokens and credentials they signed
 * still verify while the DID document lists them.
 */
import {
  createPrivateKey,
  sign as cryptoSign,
  type JsonWebKey as NodeJwk,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as jose from 'jose';
import { ConfigError, ValidationError } from '../errors.js';

/** What jose signs and verifies with (a WebCrypto CryptoKey on Node). */
export type JoseKey = Awaited<ReturnType<typeof jose.importJWK>>;

export type KeyAlgorithm = 'Ed25519' | 'P-256';
export type JwsAlgorithm = 'EdDSA' | 'ES256';

/** A JWK as stored in key files: the standard members plus `kid`, `alg` and, for previous keys, `exp`. */
export interface KeyFileJwk extends jose.JWK {
  kid?: string;
  alg?: string;
  /** Previous keys only: when the key leaves the DID document (NumericDate, seconds). */
  exp?: number;
}

export interface PublicKeyEntry {
  kid: string;
  alg: JwsAlgorithm;
  curve: KeyAlgorithm;
  publicJwk: jose.JWK;
  /** Previous keys: the moment they stop being listed and accepted. Undefined for the current key. */
  expiresAt?: Date;
}

export interface SigningKey extends PublicKeyEntry {
  privateJwk: jose.JWK;
  privateKey: JoseKey;
}

export interface KeyRing {
  current: SigningKey;
  /** Keys rotated out but not yet expired (already filtered by `loadKeys`' `now`). */
  previous: PublicKeyEntry[];
}

export interface GeneratedKey {
  kid: string;
  alg: JwsAlgorithm;
  curve: KeyAlgorithm;
  privateJwk: KeyFileJwk;
  publicJwk: jose.JWK;
}

const ALG_OF: Record<KeyAlgorithm, JwsAlgorithm> = { Ed25519: 'EdDSA', 'P-256': 'ES256' };

export function jwsAlgorithmFor(curve: KeyAlgorithm): JwsAlgorithm {
  return ALG_OF[curve];
}

/** Generates a key pair; `kid` is the RFC 7638 thumbprint of the public key. */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<GeneratedKey> {
  if (alg !== 'Ed25519' && alg !== 'P-256') {
    throw new ValidationError(
      `key algorithm must be Ed25519 or P-256, got ${String(alg)}`,
      undefined,
      'unsupported_key_algorithm',
    );
  }
  const { privateKey } = await jose.generateKeyPair(ALG_OF[alg], { crv: alg, extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  const publicJwk = toPublicJwk(jwk);
  const kid = await jose.calculateJwkThumbprint(publicJwk);
  return {
    kid,
    alg: ALG_OF[alg],
    curve: alg,
    privateJwk: { ...jwk, kid, alg: ALG_OF[alg] },
    publicJwk: { ...publicJwk, kid, alg: ALG_OF[alg] },
  };
}

/** Strips private members; keeps only what a verifier needs. */
export function toPublicJwk(jwk: jose.JWK): jose.JWK {
  const out: jose.JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  if (jwk.y !== undefined) out.y = jwk.y;
  if (jwk.kid !== undefined) out.kid = jwk.kid;
  if (jwk.alg !== undefined) out.alg = jwk.alg;
  return out;
}

export function curveOf(jwk: jose.JWK): KeyAlgorithm {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'Ed25519';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'P-256';
  throw new ValidationError(
    `unsupported key: kty ${String(jwk.kty)} crv ${String(jwk.crv)} (Ed25519 or P-256 expected)`,
    undefined,
    'unsupported_key_algorithm',
  );
}

/** The content of a key file holding `current` and, optionally, previous keys that expire at the given times. */
export function keyFileContent(current: GeneratedKey | KeyFileJwk, previous: KeyFileJwk[] = []): string {
  const cur = 'privateJwk' in current ? current.privateJwk : current;
  if (previous.length === 0) return JSON.stringify(cur, null, 2) + '\n';
  return JSON.stringify({ keys: [cur, ...previous] }, null, 2) + '\n';
}

/**
 * Rotation: a new current key; the old current key becomes a previous key (public part only) that
 * stays listed until `now + keepPreviousSeconds`. Returns the new key file content.
 */
export async function rotateKeyFile(
  existing: string,
  alg: KeyAlgorithm,
  keepPreviousSeconds: number,
  now = new Date(),
): Promise<{ content: string; key: GeneratedKey }> {
  const parsed = parseKeyFile(existing, 'existing key file');
  const nowSec = Math.floor(now.getTime() / 1000);
  const key = await generateKeyPair(alg);
  const old: KeyFileJwk = { ...toPublicJwk(parsed[0]!), exp: nowSec + keepPreviousSeconds };
  const stillValid = parsed
    .slice(1)
    .filter((k) => typeof k.exp === 'number' && k.exp > nowSec)
    .map((k) => ({ ...toPublicJwk(k), exp: k.exp }));
  return { content: keyFileContent(key, [old, ...stillValid]), key };
}

function parseKeyFile(text: string, where: string): KeyFileJwk[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${where}: not JSON (a JWK or a JWK set {"keys": [...]} is expected)`);
  }
  if (typeof value !== 'object' || value === null)
    throw new ConfigError(`${where}: a JWK object is expected`);
  const keys = Array.isArray((value as { keys?: unknown }).keys)
    ? (value as { keys: unknown[] }).keys
    : [value];
  if (keys.length === 0) throw new ConfigError(`${where}: the key set is empty`);
  for (const [i, k] of keys.entries()) {
    if (typeof k !== 'object' || k === null || typeof (k as jose.JWK).kty !== 'string') {
      throw new ConfigError(`${where}: key ${i} is not a JWK (no "kty")`);
    }
  }
  return keys as KeyFileJwk[];
}

export type KeySource =
  { file: string } | { envVar: string; env?: Record<string, string | undefined> } | { json: string };

/**
 * Loads the key ring from a file or an environment variable (JSON text of the key file). The first
 * key must be private; previous keys whose `exp` has passed are dropped.
 */
export async function loadKeys(source: KeySource, options: { now?: Date } = {}): Promise<KeyRing> {
  let text: string;
  let where: string;
  if ('file' in source) {
    where = `key file ${source.file}`;
    try {
      text = await readFile(source.file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${where}: cannot read (${(e as Error).message}); create one with "pontis keys generate"`,
      );
    }
  } else if ('envVar' in source) {
    where = `environment variable ${source.envVar}`;
    const v = (source.env ?? process.env)[source.envVar];
    if (!v) throw new ConfigError(`${where} is not set (it should hold the JWK JSON)`);
    text = v;
  } else {
    where = 'key JSON';
    text = source.json;
  }
  const keys = parseKeyFile(text, where);
  const nowSec = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const first = keys[0]!;
  if (typeof first.d !== 'string')
    throw new ConfigError(`${where}: the first (current) key has no private part "d"`);
  const current = await importSigningKey(first, where);
  const previous: PublicKeyEntry[] = [];
  for (const k of keys.slice(1)) {
    if (typeof k.exp !== 'number')
      throw new ConfigError(
        `${where}: previous key ${k.kid ?? '?'} has no "exp" (when it stops being listed)`,
      );
    if (k.exp <= nowSec) continue;
    previous.push(await publicEntry(k, where, new Date(k.exp * 1000)));
  }
  return { current, previous };
}

async function publicEntry(jwk: KeyFileJwk, where: string, expiresAt?: Date): Promise<PublicKeyEntry> {
  let curve: KeyAlgorithm;
  try {
    curve = curveOf(jwk);
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
  const publicJwk = toPublicJwk(jwk);
  delete publicJwk.kid;
  delete publicJwk.alg;
  const kid = jwk.kid ?? (await jose.calculateJwkThumbprint(publicJwk));
  const alg = ALG_OF[curve];
  return { kid, alg, curve, publicJwk: { ...publicJwk, kid, alg }, ...(expiresAt ? { expiresAt } : {}) };
}

/** Imports a private JWK as a signing key (kid defaults to the thumbprint). */
export async function importSigningKey(jwk: KeyFileJwk, where = 'key'): Promise<SigningKey> {
  const entry = await publicEntry(jwk, where);
  let privateKey: JoseKey;
  try {
    privateKey = await jose.importJWK({ ...jwk, alg: entry.alg }, entry.alg);
  } catch (e) {
    throw new ConfigError(`${where}: cannot import the private key (${(e as Error).message})`);
  }
  const { exp: _exp, ...privateJwk } = jwk;
  return { ...entry, privateKey, privateJwk: { ...privateJwk, kid: entry.kid, alg: entry.alg } };
}

/** A key ring from freshly generated keys (tests, demo). */
export async function keyRingFrom(key: GeneratedKey, previous: PublicKeyEntry[] = []): Promise<KeyRing> {
  return { current: await importSigningKey(key.privateJwk), previous };
}

const nodeKeys = new WeakMap<SigningKey, KeyObject>();

/**
 * A compact JWS of `payload` signed with node:crypto, synchronously: the self-issued token goes out
 * with every DSP message, and WebCrypto's asynchronous signing (through jose) costs a thread-pool
 * round trip each time.
 */
export function signCompactJws(
  key: SigningKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  let k = nodeKeys.get(key);
  if (!k) {
    k = createPrivateKey({ key: key.privateJwk as NodeJwk, format: 'jwk' });
    nodeKeys.set(key, k);
  }
  const input = `${b64(JSON.stringify({ ...header, alg: key.alg }))}.${b64(JSON.stringify(payload))}`;
  const data = Buffer.from(input, 'ascii');
  const signature =
    key.alg === 'EdDSA'
      ? cryptoSign(null, data, k)
      : cryptoSign('sha256', data, { key: k, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
