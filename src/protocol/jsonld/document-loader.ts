/**
 * The offline JSON-LD document loader used everywhere in Pontis (DSP codec, VC verification).
 * It serves bundled contexts only and never touches the network: an unknown URL is a 400-type
 * ValidationError (`unknown_context`) naming it, so a peer cannot make us fetch anything.
 *
 * W3C credential contexts come from the installed npm packages (they are the published documents);
 * the others are written by us in `./contexts/`.
 */
import { createRequire } from 'node:module';
import { ValidationError } from '../../errors.js';
import { DSP_CONTEXT_URL, dspContext2025_1 } from './contexts/dspace-2025-1.js';
import { DSP_ODRL_PROFILE_URL, dspOdrlProfile2025_1 } from './contexts/dspace-odrl-profile-2025-1.js';
import { DCP_CONTEXT_URL, dcpContext1_0 } from './contexts/dcp-1.0.js';
import { ODRL_CONTEXT_URL, odrlContext } from './contexts/odrl.js';
import {
  DATA_INTEGRITY_V1_URL,
  DATA_INTEGRITY_V2_URL,
  DID_V1_URL,
  JWS_2020_V1_URL,
  MULTIKEY_V1_URL,
  STATUS_LIST_2021_V1_URL,
  dataIntegrityV1,
  dataIntegrityV2,
  didV1,
  jws2020V1,
  multikeyV1,
  statusList2021V1,
} from './contexts/security.js';

export { DSP_CONTEXT_URL, DSP_ODRL_PROFILE_URL, DCP_CONTEXT_URL, ODRL_CONTEXT_URL };
export const CREDENTIALS_V1_URL = 'https://www.w3.org/2018/credentials/v1';
export const CREDENTIALS_V2_URL = 'https://www.w3.org/ns/credentials/v2';
export const ED25519_2020_V1_URL = 'https://w3id.org/security/suites/ed25519-2020/v1';
export const BITSTRING_STATUS_LIST_V1_URL = 'https://www.w3.org/ns/credentials/status/v1';
export {
  DATA_INTEGRITY_V1_URL,
  DATA_INTEGRITY_V2_URL,
  DID_V1_URL,
  JWS_2020_V1_URL,
  MULTIKEY_V1_URL,
  STATUS_LIST_2021_V1_URL,
};

/** The shape jsonld.js expects from a documentLoader. */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: object;
}

const require = createRequire(import.meta.url);

/** Reads `contexts` (a Map of URL → document) from an installed context package (CommonJS entry). */
function packageContext(pkg: string, url: string): object {
  const mod: unknown = require(pkg);
  const contexts = (mod as { contexts?: unknown }).contexts;
  const doc = contexts instanceof Map ? (contexts.get(url) as unknown) : undefined;
  if (typeof doc !== 'object' || doc === null) {
    // A missing dependency is a packaging bug, found at start-up and in the unit tests.
    throw new Error(`the installed package ${pkg} does not provide the context ${url}`);
  }
  return doc;
}

const bundled = new Map<string, object>();
function bundle(url: string, document: object): void {
  bundled.set(url, structuredClone(document));
}

bundle(DSP_CONTEXT_URL, dspContext2025_1);
bundle(DSP_ODRL_PROFILE_URL, dspOdrlProfile2025_1);
bundle(DCP_CONTEXT_URL, dcpContext1_0);
bundle(ODRL_CONTEXT_URL, odrlContext);
bundle(CREDENTIALS_V1_URL, packageContext('@digitalbazaar/credentials-context', CREDENTIALS_V1_URL));
bundle(CREDENTIALS_V2_URL, packageContext('@digitalbazaar/credentials-context', CREDENTIALS_V2_URL));
bundle(ED25519_2020_V1_URL, packageContext('ed25519-signature-2020-context', ED25519_2020_V1_URL));
bundle(
  BITSTRING_STATUS_LIST_V1_URL,
  packageContext('@digitalbazaar/vc-bitstring-status-list-context', BITSTRING_STATUS_LIST_V1_URL),
);
bundle(DATA_INTEGRITY_V1_URL, dataIntegrityV1);
bundle(DATA_INTEGRITY_V2_URL, dataIntegrityV2);
bundle(MULTIKEY_V1_URL, multikeyV1);
bundle(JWS_2020_V1_URL, jws2020V1);
bundle(STATUS_LIST_2021_V1_URL, statusList2021V1);
bundle(DID_V1_URL, didV1);

/** Contexts registered at run time (tests, extensions); they win over bundled ones. */
const registered = new Map<string, object>();

/** Other spellings of a bundled URL seen in the wild (scheme variants); looked up after an exact miss. */
const aliases = new Map<string, string>([
  ['https://www.w3.org/ns/odrl.jsonld', ODRL_CONTEXT_URL],
  ['http://www.w3.org/ns/did/v1', DID_V1_URL],
]);

/**
 * Registers (or replaces) a context served under `url`. Meant for tests and for deployments that
 * accept an extension context. Returns a function that removes it again.
 */
export function registerContext(url: string, document: object): () => void {
  const copy = structuredClone(document);
  registered.set(url, copy);
  return () => {
    if (registered.get(url) === copy) registered.delete(url);
  };
}

/** The URLs the loader serves from the bundle (not counting registered ones), sorted. */
export function bundledContextUrls(): string[] {
  return [...bundled.keys()].sort();
}

/** True when `url` would be served by the loader (bundled, aliased or registered). */
export function isKnownContextUrl(url: string): boolean {
  return lookup(url) !== undefined;
}

function lookup(url: string): object | undefined {
  return registered.get(url) ?? bundled.get(url) ?? bundled.get(aliases.get(url) ?? '');
}

/**
 * Replaces `"@import": url` in (scoped) contexts by the imported terms, local terms winning, which is
 * what JSON-LD 1.1 `@import` means. Needed because jsonld.js caches the merged result per imported
 * document and active context, not per importing context: after a Dataset (which imports the DSP ODRL
 * profile) was processed, a ContractRequestMessage (which imports it too) got the Dataset's terms
 * and lost its own. Inlining means jsonld.js never processes an `@import` of ours.
 */
function inlineImports(value: unknown, seen: Set<string> = new Set()): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineImports(v, seen));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const importUrl = obj['@import'];
  if (typeof importUrl === 'string' && !seen.has(importUrl)) {
    const imported = (lookup(importUrl) as { '@context'?: unknown } | undefined)?.['@context'];
    if (typeof imported === 'object' && imported !== null && !Array.isArray(imported)) {
      Object.assign(out, inlineImports(imported, new Set([...seen, importUrl])));
    } else {
      out['@import'] = importUrl; // not ours or not an object: leave it to jsonld.js (and our loader)
    }
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k !== '@import') out[k] = inlineImports(v, seen);
  }
  return out;
}

/** jsonld.js documentLoader that serves bundled and registered contexts, and nothing else. */
export async function offlineDocumentLoader(url: string): Promise<RemoteDocument> {
  const document = lookup(url);
  if (document === undefined) {
    throw new ValidationError(
      `JSON-LD context ${url} is not one this connector knows; remote contexts are never fetched`,
      { url },
      'unknown_context',
    );
  }
  // A fresh object per load (inlineImports copies): jsonld.js mutates context documents while
  // processing them, which must not leak into the bundle.
  return { contextUrl: null, documentUrl: url, document: inlineImports(document) as object };
}
