/**
 * DID resolution with did-resolver: did:web (our own resolver, so that every request goes through
 * the injected `fetchJson` and its URL allow-list) and did:key (key-did-resolver, no network).
 * Results are cached for `ttlMs`; failures are not cached.
 */
import { Resolver } from 'did-resolver';
import type { DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { PontisError, UnprocessableError, ValidationError } from '../errors.js';
import { didWebToUrl, verificationMethodFor } from './did.js';
import type { DidDocument, VerificationMethod, VerificationRelationship } from './did.js';
import type { FetchJson } from './http.js';

export interface DidResolverOptions {
  fetchJson: FetchJson;
  /** Plain HTTP for loopback did:web hosts (local demo and tests). Off by default. */
  allowHttpLoopback?: boolean;
  /** How long a resolved document is reused (default 5 minutes). */
  ttlMs?: number;
  maxEntries?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
}

export interface DidResolver {
  /** The DID document; throws ValidationError `did_invalid` / UnprocessableError `did_unresolvable`. */
  resolve(did: string): Promise<DidDocument>;
  /** The verification method `didUrl` (did#fragment) if its DID document lists it under `relationship`. */
  resolveVerificationMethod(
    didUrl: string,
    relationship: VerificationRelationship,
  ): Promise<VerificationMethod>;
  invalidate(did?: string): void;
}

export function createDidResolver(options: DidResolverOptions): DidResolver {
  const ttlMs = options.ttlMs ?? 300_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { doc: DidDocument; until: number }>();
  const inflight = new Map<string, Promise<DidDocument>>();

  const web: DIDResolver = async (did: string, _parsed: ParsedDID): Promise<DIDResolutionResult> => {
    const url = didWebToUrl(did, { allowHttpLoopback: options.allowHttpLoopback });
    const doc = (await options.fetchJson(url.toString())) as DidDocument;
    return {
      didResolutionMetadata: { contentType: 'application/did+json' },
      didDocument: doc as never,
      didDocumentMetadata: {},
    };
  };
  const resolver = new Resolver({ ...getKeyResolver(), web }, { cache: false });

  async function doResolve(did: string): Promise<DidDocument> {
    let result: DIDResolutionResult;
    try {
      result = await resolver.resolve(did);
    } catch (e) {
      if (e instanceof PontisError && e.status < 500) throw e;
      throw new UnprocessableError(
        `DID ${did} could not be resolved: ${(e as Error).message}`,
        { did },
        'did_unresolvable',
      );
    }
    const err = result.didResolutionMetadata?.error;
    if (err === 'invalidDid') throw new ValidationError(`not a valid DID: ${did}`, { did }, 'did_invalid');
    if (err === 'unsupportedDidMethod')
      throw new ValidationError(
        `unsupported DID method (did:web and did:key are supported): ${did}`,
        { did },
        'did_method_unsupported',
      );
    if (err || !result.didDocument) {
      const msg = (result.didResolutionMetadata as { message?: string }).message;
      throw new UnprocessableError(
        `DID ${did} could not be resolved: ${msg ?? err ?? 'no document'}`,
        { did },
        'did_unresolvable',
      );
    }
    const doc = result.didDocument as unknown as DidDocument;
    if (typeof doc !== 'object' || doc === null || doc.id !== did) {
      throw new UnprocessableError(
        `DID document for ${did} has id ${String((doc as DidDocument | null)?.id)}; they must be equal`,
        { did },
        'did_document_id_mismatch',
      );
    }
    return doc;
  }

  async function resolve(did: string): Promise<DidDocument> {
    if (typeof did !== 'string' || !did.startsWith('did:'))
      throw new ValidationError(`not a DID: ${String(did)}`, { did }, 'did_invalid');
    const hit = cache.get(did);
    if (hit && hit.until > now()) return hit.doc;
    let p = inflight.get(did);
    if (!p) {
      p = doResolve(did).finally(() => inflight.delete(did));
      inflight.set(did, p);
    }
    const doc = await p;
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(did, { doc, until: now() + ttlMs });
    return doc;
  }

  return {
    resolve,
    async resolveVerificationMethod(didUrl, relationship) {
      const hash = didUrl.indexOf('#');
      if (hash < 0)
        throw new ValidationError(
          `verification method id must be a DID URL with a fragment: ${didUrl}`,
          { didUrl },
          'did_invalid',
        );
      const doc = await resolve(didUrl.slice(0, hash));
      const vm = verificationMethodFor(doc, didUrl, relationship);
      if (!vm)
        throw new UnprocessableError(
          `${didUrl} is not listed under ${relationship} in its DID document`,
          { didUrl, relationship },
          'verification_method_not_authorized',
        );
      return vm;
    },
    invalidate(did) {
      if (did) cache.delete(did);
      else cache.clear();
    },
  };
}
