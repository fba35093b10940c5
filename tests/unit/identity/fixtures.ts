/** A small world of did:web parties served from memory, for identity unit tests. */
import { PeerError } from '../../../src/errors.js';
import { buildDidDocument, didWebToUrl } from '../../../src/identity/did.js';
import type { DidDocument } from '../../../src/identity/did.js';
import type { FetchJson } from '../../../src/identity/http.js';
import { generateKeyPair, keyRingFrom } from '../../../src/identity/keys.js';
import type { KeyAlgorithm, KeyRing } from '../../../src/identity/keys.js';
import { createDidResolver } from '../../../src/identity/resolver.js';
import type { DidResolver } from '../../../src/identity/resolver.js';

export interface Party {
  did: string;
  keys: KeyRing;
  doc: DidDocument;
}

export class World {
  readonly served = new Map<string, unknown>();
  readonly fetched: string[] = [];
  readonly resolver: DidResolver;
  readonly fetchJson: FetchJson = async (url, init) => {
    this.fetched.push(url);
    const handler = this.handlers.get(url);
    if (handler) return handler(init?.body, init?.headers ?? {});
    if (!this.served.has(url)) throw new PeerError(`GET ${url} answered 404`, { url }, 'peer_http_error');
    return structuredClone(this.served.get(url));
  };
  readonly handlers = new Map<string, (body: unknown, headers: Record<string, string>) => Promise<unknown>>();

  constructor() {
    this.resolver = createDidResolver({ fetchJson: this.fetchJson, allowHttpLoopback: true, ttlMs: 60_000 });
  }

  async party(
    name: string,
    alg: KeyAlgorithm = 'Ed25519',
    services: { credentialServiceUrl?: string; dspUrl?: string } = {},
  ): Promise<Party> {
    const did = `did:web:${name}.example`;
    const keys = await keyRingFrom(await generateKeyPair(alg));
    const doc = buildDidDocument({ did, keys, ...services });
    this.served.set(didWebToUrl(did).toString(), doc);
    return { did, keys, doc };
  }
}
