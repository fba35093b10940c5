/**
 * Issuing credentials and presentations: VC-JOSE (the DCP vc20-bssl/jwt profile: typ vc+jwt, the
 * payload is the credential), VC-JWT 1.1 (the `vc` claim) and Data Integrity (eddsa-rdfc-2022 or
 * Ed25519Signature2020). Presentations are built by the holder for DCP presentation queries.
 */
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { ValidationError } from '../errors.js';
import {
  VC_V2_CONTEXT,
  asArray,
  isObject,
  issuerOf,
  subjectIds,
  typesOf,
  validityWindow,
  vcVersion,
} from './credential-model.js';
import type { JsonObject } from './credential-model.js';
import { signDiCredential, signDiPresentation } from './data-integrity.js';
import type { DataIntegritySuite, JsonLdLoader } from './data-integrity.js';
import type { JoseKey, SigningKey } from './keys.js';
import { offlineDocumentLoader } from '../protocol/jsonld/document-loader.js';
import { ENVELOPED_VC_PREFIX } from './verifier.js';

export type CredentialFormat = 'vc-jose' | 'vc-jwt' | 'data-integrity';

/** What signs a JWT: `kid` is the full verification method id (did#key). */
export interface JwtSigner {
  alg: string;
  kid: string;
  key: JoseKey;
}

export function jwtSignerFor(key: SigningKey, did: string): JwtSigner {
  return { alg: key.alg, kid: `${did}#${key.kid}`, key: key.privateKey };
}

/** The top-level properties the VC data models define; an issuer signs nothing it cannot name. */
const KNOWN_CREDENTIAL_PROPERTIES = new Set([
  '@context',
  'id',
  'type',
  'issuer',
  'validFrom',
  'validUntil',
  'issuanceDate',
  'expirationDate',
  'credentialSubject',
  'credentialStatus',
  'credentialSchema',
  'evidence',
  'termsOfUse',
  'refreshService',
  'name',
  'description',
  'relatedResource',
  'renderMethod',
  'confidenceMethod',
]);

/** Refuses credentials an issuer should not sign: wrong base context/type, unknown top-level properties, bad dates. */
export function assertIssuable(credential: JsonObject, allowedExtensions: string[] = []): void {
  if (!vcVersion(credential))
    throw new ValidationError(
      'the first @context must be the VC 1.1 or 2.0 context',
      undefined,
      'unknown_context',
    );
  if (!typesOf(credential).includes('VerifiableCredential'))
    throw new ValidationError('type must include VerifiableCredential');
  if (!issuerOf(credential)) throw new ValidationError('credential has no issuer');
  if (!asArray(credential.credentialSubject as unknown).length)
    throw new ValidationError('credential has no credentialSubject');
  const unknown = Object.keys(credential).filter(
    (k) => !KNOWN_CREDENTIAL_PROPERTIES.has(k) && !allowedExtensions.includes(k),
  );
  if (unknown.length)
    throw new ValidationError(
      `credential has properties no VC data model defines: ${unknown.join(', ')}`,
      { properties: unknown },
      'unknown_property',
    );
  try {
    validityWindow(credential);
  } catch (e) {
    throw new ValidationError((e as Error).message, undefined, 'invalid_date');
  }
}

export interface IssueCredentialOptions {
  /** The unsigned credential; its `issuer` must be the signer's DID (filled in when absent). */
  credential: JsonObject;
  format: CredentialFormat;
  issuerDid: string;
  /** JWT forms: any signer; Data Integrity: an Ed25519 SigningKey. */
  key: SigningKey | JwtSigner;
  suite?: DataIntegritySuite;
  /** JSON-LD loader for Data Integrity (default: bundled contexts; DID URLs are not needed to sign). */
  documentLoader?: JsonLdLoader;
  allowedExtensions?: string[];
  now?: Date;
}

/** Signs a credential; JWT forms give the compact JWS, Data Integrity the credential with its proof. */
export async function issueCredential(options: IssueCredentialOptions): Promise<string | JsonObject> {
  const credential: JsonObject = { ...options.credential };
  if (credential.issuer === undefined) credential.issuer = options.issuerDid;
  if (issuerOf(credential) !== options.issuerDid)
    throw new ValidationError(
      `credential issuer ${String(issuerOf(credential))} is not the signer ${options.issuerDid}`,
      undefined,
      'issuer_mismatch',
    );
  if (options.format === 'vc-jose' && vcVersion(credential) !== 2)
    throw new ValidationError(
      'VC-JOSE credentials use the VC 2.0 data model (@context https://www.w3.org/ns/credentials/v2)',
      undefined,
      'unknown_context',
    );
  assertIssuable(credential, options.allowedExtensions);
  const now = options.now ?? new Date();
  if (options.format === 'data-integrity') {
    if (!('privateJwk' in options.key))
      throw new ValidationError(
        'Data Integrity signing needs a SigningKey',
        undefined,
        'unsupported_key_algorithm',
      );
    const loader = options.documentLoader ?? offlineDocumentLoader;
    return signDiCredential(
      credential,
      options.key,
      options.issuerDid,
      options.suite ?? 'eddsa-rdfc-2022',
      loader,
    );
  }
  const signer = 'privateJwk' in options.key ? jwtSignerFor(options.key, options.issuerDid) : options.key;
  const w = validityWindow(credential);
  const subject = subjectIds(credential)[0];
  const registered: jose.JWTPayload = {
    iss: options.issuerDid,
    ...(subject ? { sub: subject } : {}),
    ...(typeof credential.id === 'string' ? { jti: credential.id } : {}),
    iat: Math.floor(now.getTime() / 1000),
    ...(w.validFrom ? { nbf: Math.floor(w.validFrom.getTime() / 1000) } : {}),
    ...(w.validUntil ? { exp: Math.floor(w.validUntil.getTime() / 1000) } : {}),
  };
  if (options.format === 'vc-jose') {
    return new jose.CompactSign(new TextEncoder().encode(JSON.stringify({ ...credential, ...registered })))
      .setProtectedHeader({ alg: signer.alg, typ: 'vc+jwt', cty: 'vc', kid: signer.kid })
      .sign(signer.key);
  }
  return new jose.SignJWT({ ...registered, vc: credential })
    .setProtectedHeader({ alg: signer.alg, typ: 'JWT', kid: signer.kid })
    .sign(signer.key);
}

export interface IssuePresentationOptions {
  holderDid: string;
  key: SigningKey | JwtSigner;
  /** JWT strings (VC-JOSE or VC-JWT) and/or Data Integrity credential objects. */
  credentials: (string | JsonObject)[];
  /** The verifier's DID: JWT `aud`, Data Integrity proof `domain`. */
  audience?: string;
  /** JWT presentations live this long (default 300 s). */
  ttlSeconds?: number;
  /** 'jwt' (default: VC-JOSE vp+jwt, VC-JWT 1.1 when every credential is a 1.1 JWT) or 'data-integrity'. */
  format?: 'jwt' | 'data-integrity';
  suite?: DataIntegritySuite;
  challenge?: string;
  documentLoader?: JsonLdLoader;
  now?: Date;
}

function jwtPayload(jwt: string): JsonObject {
  const p = jose.decodeJwt(jwt);
  return p as JsonObject;
}

/** Builds and signs a presentation of `credentials` by their holder. */
export async function issuePresentation(options: IssuePresentationOptions): Promise<string | JsonObject> {
  const now = options.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const id = `urn:uuid:${randomUUID()}`;
  if ((options.format ?? 'jwt') === 'jwt') {
    const signer = 'privateJwk' in options.key ? jwtSignerFor(options.key, options.holderDid) : options.key;
    const jwts = options.credentials.filter((c): c is string => typeof c === 'string');
    const objects = options.credentials.filter((c): c is JsonObject => isObject(c));
    const allV11 =
      options.credentials.length > 0 && objects.length === 0 && jwts.every((j) => isObject(jwtPayload(j).vc));
    const claims: jose.JWTPayload = {
      iss: options.holderDid,
      sub: options.holderDid,
      jti: id,
      iat,
      nbf: iat,
      exp: iat + (options.ttlSeconds ?? 300),
      ...(options.audience ? { aud: options.audience } : {}),
    };
    if (allV11) {
      const vp = {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        holder: options.holderDid,
        verifiableCredential: jwts,
      };
      return new jose.SignJWT({ ...claims, vp })
        .setProtectedHeader({ alg: signer.alg, typ: 'JWT', kid: signer.kid })
        .sign(signer.key);
    }
    const verifiableCredential = options.credentials.map((c) =>
      typeof c === 'string'
        ? { '@context': VC_V2_CONTEXT, id: ENVELOPED_VC_PREFIX + c, type: 'EnvelopedVerifiableCredential' }
        : c,
    );
    const vp = {
      '@context': [VC_V2_CONTEXT],
      id,
      type: ['VerifiablePresentation'],
      holder: options.holderDid,
      verifiableCredential,
      ...claims,
    };
    return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(vp)))
      .setProtectedHeader({ alg: signer.alg, typ: 'vp+jwt', cty: 'vp', kid: signer.kid })
      .sign(signer.key);
  }
  if (!('privateJwk' in options.key))
    throw new ValidationError(
      'Data Integrity signing needs a SigningKey',
      undefined,
      'unsupported_key_algorithm',
    );
  if (options.credentials.some((c) => typeof c === 'string')) {
    throw new ValidationError(
      'a Data Integrity presentation can only hold Data Integrity credentials here',
      undefined,
      'unsupported_format',
    );
  }
  const anyV1 = options.credentials.some((c) => vcVersion(c as JsonObject) === 1);
  const presentation = {
    '@context': [anyV1 ? 'https://www.w3.org/2018/credentials/v1' : VC_V2_CONTEXT],
    id,
    type: ['VerifiablePresentation'],
    holder: options.holderDid,
    verifiableCredential: options.credentials,
  };
  const loader = options.documentLoader ?? offlineDocumentLoader;
  return signDiPresentation(
    presentation,
    options.key,
    options.holderDid,
    options.suite ?? 'eddsa-rdfc-2022',
    loader,
    {
      domain: options.audience,
      challenge: options.challenge ?? randomUUID(),
    },
  );
}
