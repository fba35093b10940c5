/**
 * Signed tree heads: a compact JWS (EdDSA, Ed25519) over
 * `{ logId, treeSize, rootHash, timestamp }`, signed with the connector's DID key.
 *
 * - protected header: `{ alg: 'EdDSA', typ: 'pontis-sth+jws', kid: '<DID URL of the key>' }`
 * - `rootHash` is lowercase hex of the 32-byte RFC 9162 root (as everywhere in the audit API)
 * - `timestamp` is ISO 8601 UTC with milliseconds; `logId` is the connector's DID and the `kid`
 *   must be a DID URL under it
 * - the payload is RFC 8785 canonical JSON, so the same head always has the same bytes
 */
import * as jose from 'jose';
import type { CryptoKey } from 'jose';
import { UnprocessableError, ValidationError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { fromHex } from './merkle.js';

export const TREE_HEAD_TYP = 'pontis-sth+jws';

export interface TreeHead {
  logId: string;
  treeSize: number;
  /** Lowercase hex, 64 characters. */
  rootHash: string;
  timestamp: string;
}

export interface SignedTreeHead extends TreeHead {
  /** DID URL of the signing key, from the protected header. */
  kid: string;
  /** The compact JWS as published. */
  jws: string;
}

/**
 * How a tree head gets signed. Either a key jose can use (a private JWK or CryptoKey), or a
 * function that signs the JWS signing input (`BASE64URL(header) || '.' || BASE64URL(payload)`)
 * with Ed25519 and returns the raw 64-byte signature, for keys held elsewhere.
 */
export type TreeHeadSigner =
  | { kid: string; privateKey: jose.JWK | CryptoKey }
  | { kid: string; sign: (signingInput: Uint8Array) => Promise<Uint8Array> }
  | {
      /**
       * A service that builds the whole JWS itself (the identity service's `sign(payload, { typ })`);
       * its `kid` must be a DID URL of the log's DID. Extra claims it adds (iat) are ignored.
       */
      signJws: (payload: Record<string, unknown>, options: { typ: string }) => Promise<string>;
    };

/** The public key for a `kid`; undefined when the kid is unknown (the head then fails). */
export type TreeHeadKeyResolver = (kid: string) => Promise<jose.JWK | CryptoKey | undefined>;

/** One public key, or a resolver (e.g. over the connector's resolved DID document). */
export type TreeHeadKeys = jose.JWK | TreeHeadKeyResolver;

function payloadOf(head: TreeHead): Uint8Array {
  return new TextEncoder().encode(
    canonicalJson({
      logId: head.logId,
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      timestamp: head.timestamp,
    }),
  );
}

export function checkTreeHead(value: unknown): TreeHead {
  if (typeof value !== 'object' || value === null)
    throw new ValidationError('tree head payload is not an object');
  const { logId, treeSize, rootHash, timestamp } = value as Record<string, unknown>;
  if (typeof logId !== 'string' || !logId.startsWith('did:'))
    throw new ValidationError('tree head "logId" must be a DID');
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new ValidationError('tree head "treeSize" must be a non-negative integer');
  }
  if (typeof rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(rootHash)) {
    throw new ValidationError('tree head "rootHash" must be 64 lowercase hex characters');
  }
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    throw new ValidationError('tree head "timestamp" must be an ISO 8601 date-time');
  }
  return { logId, treeSize, rootHash, timestamp };
}

function checkKid(kid: string, logId: string): void {
  if (!kid.startsWith(`${logId}#`)) {
    throw new ValidationError(`tree head kid "${kid}" is not a key of the log's DID ${logId}`);
  }
}

export async function signTreeHead(head: TreeHead, signer: TreeHeadSigner): Promise<SignedTreeHead> {
  const checked = checkTreeHead(head);
  if ('signJws' in signer) {
    const jws = await signer.signJws({ ...checked }, { typ: TREE_HEAD_TYP });
    const decoded = decodeTreeHead(jws);
    checkKid(decoded.kid, checked.logId);
    const h = jose.decodeProtectedHeader(jws);
    if (h.alg !== 'EdDSA' || h.typ !== TREE_HEAD_TYP) {
      throw new ValidationError(
        `the signing service made a ${String(h.alg)}/${String(h.typ)} JWS, not EdDSA/${TREE_HEAD_TYP}`,
      );
    }
    if (
      decoded.treeSize !== checked.treeSize ||
      decoded.rootHash !== checked.rootHash ||
      decoded.logId !== checked.logId
    ) {
      throw new ValidationError('the signing service changed the tree head it signed');
    }
    return decoded;
  }
  checkKid(signer.kid, checked.logId);
  const header = { alg: 'EdDSA', typ: TREE_HEAD_TYP, kid: signer.kid };
  const payload = payloadOf(checked);
  let jws: string;
  if ('privateKey' in signer) {
    jws = await new jose.CompactSign(payload).setProtectedHeader(header).sign(signer.privateKey);
  } else {
    const input = `${jose.base64url.encode(JSON.stringify(header))}.${jose.base64url.encode(payload)}`;
    const signature = await signer.sign(new TextEncoder().encode(input));
    jws = `${input}.${jose.base64url.encode(signature)}`;
  }
  return { ...checked, kid: signer.kid, jws };
}

/** Reads a tree head without checking its signature (to show it, or to pick a key). */
export function decodeTreeHead(jws: string): SignedTreeHead {
  if (typeof jws !== 'string' || jws.split('.').length !== 3)
    throw new ValidationError('tree head is not a compact JWS');
  let header: jose.ProtectedHeaderParameters;
  let payload: unknown;
  try {
    header = jose.decodeProtectedHeader(jws);
    payload = JSON.parse(new TextDecoder().decode(jose.base64url.decode(jws.split('.')[1]!)));
  } catch {
    throw new ValidationError('tree head JWS cannot be decoded');
  }
  if (typeof header.kid !== 'string') throw new ValidationError('tree head JWS has no "kid"');
  return { ...checkTreeHead(payload), kid: header.kid, jws };
}

/**
 * Verifies signature, algorithm, type and that the kid belongs to the log's DID (and, when given,
 * that the log is `expectedLogId`). Throws UnprocessableError saying what failed.
 */
export async function verifyTreeHead(
  jws: string,
  keys: TreeHeadKeys,
  expectedLogId?: string,
): Promise<SignedTreeHead> {
  const decoded = decodeTreeHead(jws);
  if (expectedLogId !== undefined && decoded.logId !== expectedLogId) {
    throw new UnprocessableError(`tree head is for log ${decoded.logId}, expected ${expectedLogId}`);
  }
  try {
    checkKid(decoded.kid, decoded.logId);
  } catch (e) {
    throw new UnprocessableError((e as Error).message);
  }
  let key: jose.JWK | CryptoKey | undefined;
  if (typeof keys === 'function') key = await keys(decoded.kid);
  else key = keys;
  if (key === undefined) throw new UnprocessableError(`no public key for tree head kid ${decoded.kid}`);
  let verified: jose.CompactVerifyResult;
  try {
    const k = 'kty' in key ? await jose.importJWK(publicPart(key), 'EdDSA') : key;
    verified = await jose.compactVerify(jws, k, { algorithms: ['EdDSA'] });
  } catch (e) {
    throw new UnprocessableError(`tree head signature does not verify: ${(e as Error).message}`);
  }
  if (verified.protectedHeader.typ !== TREE_HEAD_TYP) {
    throw new UnprocessableError(
      `tree head "typ" is ${String(verified.protectedHeader.typ)}, expected ${TREE_HEAD_TYP}`,
    );
  }
  return decoded;
}

function publicPart(jwk: jose.JWK): jose.JWK {
  // A private JWK given by mistake must not be used to verify as if it were trusted; strip `d`.
  const { kty, crv, x } = jwk;
  return { kty, crv, x };
}

/** The root hash as bytes. */
export function rootBytes(head: TreeHead): Uint8Array {
  return fromHex(head.rootHash);
}
