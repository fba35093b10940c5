/**
 * did:web identifiers and DID documents. A connector's document lists its current key and the
 * previous keys that have not expired, in every relationship DCP uses, and the services a
 * counter-party needs: the DCP credential service and the DSP endpoint.
 */
import type * as jose from 'jose';
import { ValidationError } from '../errors.js';
import { isLoopbackHost } from './http.js';
import type { KeyRing, PublicKeyEntry } from './keys.js';

export const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';
/** Defines JsonWebKey / publicKeyJwk and Multikey. */
export const DATA_INTEGRITY_CONTEXT_V2 = 'https://w3id.org/security/data-integrity/v2';

export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  publicKeyJwk?: jose.JWK;
  publicKeyMultibase?: string;
  publicKeyBase58?: string;
  [k: string]: unknown;
}

export interface DidService {
  id: string;
  type: string;
  serviceEndpoint: string | Record<string, unknown> | (string | Record<string, unknown>)[];
}

export type VerificationRelationship =
  'authentication' | 'assertionMethod' | 'capabilityInvocation' | 'capabilityDelegation' | 'keyAgreement';

export interface DidDocument {
  '@context'?: unknown;
  id: string;
  controller?: string | string[];
  verificationMethod?: VerificationMethod[];
  authentication?: (string | VerificationMethod)[];
  assertionMethod?: (string | VerificationMethod)[];
  capabilityInvocation?: (string | VerificationMethod)[];
  capabilityDelegation?: (string | VerificationMethod)[];
  keyAgreement?: (string | VerificationMethod)[];
  service?: DidService[];
  [k: string]: unknown;
}

/** DCP's service type for the holder's credential service. */
export const CREDENTIAL_SERVICE_TYPE = 'CredentialService';
/** DSP 2025-1's service type for a connector's protocol endpoint. */
export const DSP_SERVICE_TYPE = 'DataService';

export interface BuildDidDocumentOptions {
  did: string;
  keys: KeyRing;
  /** Absolute URL of our DCP credential service (base, without /presentations/query). */
  credentialServiceUrl?: string;
  /** Absolute URL of our DSP endpoint (catalogue base). */
  dspUrl?: string;
  /** More services (e.g. the issuer role's IssuerService). */
  services?: DidService[];
  /** Previous keys expiring at or before this moment are left out. */
  now?: Date;
}

export function buildDidDocument(options: BuildDidDocumentOptions): DidDocument {
  const { did, keys } = options;
  const now = options.now ?? new Date();
  const entries: PublicKeyEntry[] = [
    keys.current,
    ...keys.previous.filter((k) => !k.expiresAt || k.expiresAt > now),
  ];
  const verificationMethod: VerificationMethod[] = entries.map((k) => ({
    id: `${did}#${k.kid}`,
    type: 'JsonWebKey',
    controller: did,
    publicKeyJwk: { ...k.publicJwk },
  }));
  const ids = verificationMethod.map((vm) => vm.id);
  const service: DidService[] = [];
  if (options.credentialServiceUrl)
    service.push({
      id: `${did}#credential-service`,
      type: CREDENTIAL_SERVICE_TYPE,
      serviceEndpoint: options.credentialServiceUrl,
    });
  if (options.dspUrl)
    service.push({ id: `${did}#dsp`, type: DSP_SERVICE_TYPE, serviceEndpoint: options.dspUrl });
  service.push(...(options.services ?? []));
  return {
    '@context': [DID_CONTEXT_V1, DATA_INTEGRITY_CONTEXT_V2],
    id: did,
    verificationMethod,
    authentication: [...ids],
    assertionMethod: [...ids],
    capabilityInvocation: [...ids],
    ...(service.length ? { service } : {}),
  };
}

/** `https://host:port/path` → `did:web:host%3Aport:path` (the origin of a listener becomes its DID). */
export function didWebFromUrl(url: string): string {
  const u = new URL(url);
  const host = u.port ? `${u.hostname}%3A${u.port}` : u.hostname;
  const path = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', host, ...path].join(':');
}

/**
 * did:web → the URL of its DID document. HTTPS always, except loopback hosts when
 * `allowHttpLoopback` is set (local demo and tests).
 */
export function didWebToUrl(did: string, options: { allowHttpLoopback?: boolean } = {}): URL {
  const m = /^did:web:([^:#?/]+)((?::[^:#?/]+)*)$/.exec(did);
  if (!m) throw new ValidationError(`not a did:web DID: ${did}`, { did }, 'did_invalid');
  const host = decodeURIComponent(m[1]!);
  if (/[/?#@\s]/.test(host))
    throw new ValidationError(`did:web host is invalid: ${host}`, { did }, 'did_invalid');
  const path = m[2] ? m[2].slice(1).split(':').map(decodeURIComponent) : [];
  if (path.some((p) => p === '' || p === '.' || p === '..' || p.includes('/'))) {
    throw new ValidationError(`did:web path is invalid: ${did}`, { did }, 'did_invalid');
  }
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch {
    throw new ValidationError(`did:web host is invalid: ${host}`, { did }, 'did_invalid');
  }
  if (options.allowHttpLoopback && isLoopbackHost(url.hostname)) url = new URL(`http://${host}`);
  url.pathname = path.length
    ? `/${path.map(encodeURIComponent).join('/')}/did.json`
    : '/.well-known/did.json';
  return url;
}

export function findService(doc: DidDocument, type: string): string | undefined {
  for (const s of doc.service ?? []) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type];
    if (!types.includes(type)) continue;
    const ep = Array.isArray(s.serviceEndpoint) ? s.serviceEndpoint[0] : s.serviceEndpoint;
    if (typeof ep === 'string') return ep;
  }
  return undefined;
}

/** The verification method `vmId` if `doc` lists it under `relationship` (by reference or embedded). */
export function verificationMethodFor(
  doc: DidDocument,
  vmId: string,
  relationship: VerificationRelationship,
): VerificationMethod | undefined {
  const abs = (id: string) => (id.startsWith('#') ? doc.id + id : id);
  const target = abs(vmId);
  const refs = doc[relationship] ?? [];
  for (const r of refs) {
    if (typeof r === 'string') {
      if (abs(r) !== target) continue;
      return (doc.verificationMethod ?? []).find((vm) => abs(vm.id) === target);
    }
    if (r && abs(r.id) === target) return r;
  }
  return undefined;
}
