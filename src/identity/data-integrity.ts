/**
 * Data Integrity through @digitalbazaar/vc: eddsa-rdfc-2022 (DataIntegrityProof) and
 * Ed25519Signature2020. JSON-LD only ever sees the offline loader; DID URLs are answered from our
 * resolver (so the same allow-list and cache apply), never fetched by the library.
 */
import { createRequire } from 'node:module';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import { PontisError, ValidationError } from '../errors.js';
import { offlineDocumentLoader } from '../protocol/jsonld/document-loader.js';
import type { RemoteDocument } from '../protocol/jsonld/document-loader.js';
import { DID_CONTEXT_V1 } from './did.js';
import type { DidDocument, VerificationMethod } from './did.js';
import type { SigningKey } from './keys.js';
import type { DidResolver } from './resolver.js';
import { registerPontisContexts } from './contexts.js';

registerPontisContexts();

export type JsonLdLoader = (url: string) => Promise<RemoteDocument>;
export type DataIntegritySuite = 'eddsa-rdfc-2022' | 'Ed25519Signature2020';

interface ProofPurposeCtor {
  new (options: Record<string, unknown>): object;
}
/** jsonld-signatures ships CommonJS without types; @digitalbazaar/vc uses the same instance. */
interface Jsigs {
  verify(
    document: object,
    options: { suite: unknown[]; purpose: object; documentLoader: JsonLdLoader },
  ): Promise<{ verified: boolean; error?: Error & { errors?: Error[] } }>;
  purposes: { ControllerProofPurpose: ProofPurposeCtor; AuthenticationProofPurpose: ProofPurposeCtor };
}
const require = createRequire(import.meta.url);
const jsigs = require('jsonld-signatures') as Jsigs;

/** A loader that serves bundled contexts and resolves DIDs / DID URLs through `resolver`. */
export function createDidAwareLoader(
  resolver: DidResolver,
  base: JsonLdLoader = offlineDocumentLoader,
): JsonLdLoader {
  return async (url) => {
    if (!url.startsWith('did:')) return base(url);
    const hash = url.indexOf('#');
    const did = hash < 0 ? url : url.slice(0, hash);
    const doc = await resolver.resolve(did);
    if (hash < 0) return { contextUrl: null, documentUrl: url, document: withDidContext(doc) };
    const vm = findVm(doc, url);
    if (!vm)
      throw new ValidationError(
        `verification method ${url} is not in the DID document of ${did}`,
        { url },
        'verification_method_not_found',
      );
    return { contextUrl: null, documentUrl: url, document: { ...vm, controller: vm.controller ?? did } };
  };
}

function withDidContext(doc: DidDocument): DidDocument {
  const ctx = doc['@context'];
  const list = Array.isArray(ctx) ? ctx : ctx === undefined ? [] : [ctx];
  // jsonld-signatures reads a DID document without JSON-LD framing only when DID v1 comes first.
  if (list[0] === DID_CONTEXT_V1) return doc;
  return { ...doc, '@context': [DID_CONTEXT_V1, ...list.filter((c) => c !== DID_CONTEXT_V1)] };
}

function findVm(doc: DidDocument, url: string): VerificationMethod | undefined {
  const abs = (id: string) => (id.startsWith('#') ? doc.id + id : id);
  const all: (string | VerificationMethod)[] = [
    ...(doc.verificationMethod ?? []),
    ...(doc.authentication ?? []),
    ...(doc.assertionMethod ?? []),
    ...(doc.capabilityInvocation ?? []),
  ];
  for (const v of all) if (typeof v === 'object' && v && abs(v.id) === url) return v;
  return undefined;
}

// Suites hold no per-call state when verifying, so one instance each serves every call.
const verifySuites = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020()];

/** Proof purpose for presentations: the key must be under `authentication`; domain and challenge checked when given. */
function presentationPurpose(options: { domain?: string; challenge?: string }): object {
  const Base = jsigs.purposes.ControllerProofPurpose;
  class PresentationPurpose extends (Base as unknown as new (o: Record<string, unknown>) => {
    validate(proof: Record<string, unknown>, o: unknown): Promise<{ valid: boolean; error?: Error }>;
  }) {
    override async validate(proof: Record<string, unknown>, o: unknown) {
      if (options.domain !== undefined) {
        const domains = Array.isArray(proof.domain) ? proof.domain : [proof.domain];
        if (!domains.includes(options.domain))
          return {
            valid: false,
            error: new AudienceError(
              `presentation proof domain ${JSON.stringify(proof.domain)} is not ${options.domain}`,
            ),
          };
      }
      if (options.challenge !== undefined && proof.challenge !== options.challenge) {
        return { valid: false, error: new AudienceError(`presentation proof challenge does not match`) };
      }
      return super.validate(proof, o);
    }
  }
  return new PresentationPurpose({ term: 'authentication' });
}

export class AudienceError extends Error {}

export interface DiVerifyOutcome {
  ok: boolean;
  /** `signature`, `issuer_key`, `context` or `audience`: which check failed. */
  check?: 'signature' | 'issuer_key' | 'context' | 'audience';
  message?: string;
}

function classify(error: (Error & { errors?: Error[] }) | undefined): DiVerifyOutcome {
  const errs: Error[] = [];
  const walk = (e: unknown, depth: number) => {
    if (!e || depth > 6) return;
    errs.push(e as Error);
    const x = e as { errors?: unknown[]; cause?: unknown; details?: { cause?: unknown } };
    for (const inner of x.errors ?? []) walk(inner, depth + 1);
    walk(x.cause ?? x.details?.cause, depth + 1);
  };
  walk(error, 0);
  const pontis = errs.find((e) => e instanceof PontisError) as PontisError | undefined;
  if (pontis?.code === 'unknown_context') return { ok: false, check: 'context', message: pontis.message };
  if (pontis) return { ok: false, check: 'issuer_key', message: pontis.message };
  const aud = errs.find((e) => e instanceof AudienceError);
  if (aud) return { ok: false, check: 'audience', message: aud.message };
  const text = errs.map((e) => e.message).join('; ');
  if (/issuer must match|not authorized by controller|controller/i.test(text))
    return { ok: false, check: 'issuer_key', message: text };
  return { ok: false, check: 'signature', message: text || 'the proof does not verify' };
}

export async function verifyDiCredentialProof(
  credential: object,
  loader: JsonLdLoader,
  now: Date,
): Promise<DiVerifyOutcome> {
  const r = await vc.verifyCredential({
    credential,
    suite: verifySuites,
    documentLoader: loader,
    // status and dates are checked by the caller, with named reasons
    checkStatus: async () => ({ verified: true }),
    now,
    // Dates are the caller's check (named reason, one clock skew): a skew of a century turns the
    // library's own date checks off so that its verdict is the proof's alone.
    maxClockSkew: 100 * 365 * 86_400,
  });
  return r.verified ? { ok: true } : classify(r.error ?? r.results?.find((x) => x.error)?.error);
}

export async function verifyDiPresentationProof(
  presentation: object,
  loader: JsonLdLoader,
  options: { domain?: string; challenge?: string },
): Promise<DiVerifyOutcome> {
  try {
    const r = await jsigs.verify(presentation, {
      suite: verifySuites,
      purpose: presentationPurpose(options),
      documentLoader: loader,
    });
    return r.verified ? { ok: true } : classify(r.error);
  } catch (e) {
    return classify(e as Error);
  }
}

function signingSuite(
  vmId: string,
  suite: DataIntegritySuite,
  keyPair: Ed25519Multikey.Ed25519MultikeyKeyPair,
) {
  const signer = keyPair.signer();
  signer.id = vmId;
  return suite === 'eddsa-rdfc-2022'
    ? new DataIntegrityProof({ cryptosuite: eddsaRdfc2022, signer })
    : new Ed25519Signature2020({ signer });
}

async function multikeyFor(key: SigningKey, vmId: string, controller: string) {
  if (key.curve !== 'Ed25519')
    throw new ValidationError(
      'Data Integrity signing needs an Ed25519 key (eddsa-rdfc-2022, Ed25519Signature2020)',
      undefined,
      'unsupported_key_algorithm',
    );
  return Ed25519Multikey.fromJwk({ jwk: key.privateJwk, secretKey: true, id: vmId, controller });
}

/** Adds a Data Integrity proof (assertionMethod) to a credential. */
export async function signDiCredential(
  credential: object,
  key: SigningKey,
  issuerDid: string,
  suite: DataIntegritySuite,
  loader: JsonLdLoader,
): Promise<Record<string, unknown>> {
  const vmId = `${issuerDid}#${key.kid}`;
  const kp = await multikeyFor(key, vmId, issuerDid);
  return vc.issue({
    credential: structuredClone(credential),
    suite: signingSuite(vmId, suite, kp),
    documentLoader: loader,
  });
}

/** Adds a Data Integrity proof (authentication, with domain and challenge) to a presentation. */
export async function signDiPresentation(
  presentation: object,
  key: SigningKey,
  holderDid: string,
  suite: DataIntegritySuite,
  loader: JsonLdLoader,
  options: { domain?: string; challenge: string },
): Promise<Record<string, unknown>> {
  const vmId = `${holderDid}#${key.kid}`;
  const kp = await multikeyFor(key, vmId, holderDid);
  const purpose = new jsigs.purposes.AuthenticationProofPurpose({
    domain: options.domain,
    challenge: options.challenge,
  });
  return vc.signPresentation({
    presentation: structuredClone(presentation),
    suite: signingSuite(vmId, suite, kp),
    documentLoader: loader,
    purpose,
  });
}
