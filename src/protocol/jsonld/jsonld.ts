/**
 * Typed access to jsonld.js (which ships no types) with the offline loader always set.
 * Loaded through createRequire so that no ambient `declare module 'jsonld'` is needed.
 */
import { createRequire } from 'node:module';
import { PontisError, ValidationError } from '../../errors.js';
import { offlineDocumentLoader } from './document-loader.js';
import type { RemoteDocument } from './document-loader.js';

export type JsonLdDocumentLoader = (url: string) => Promise<RemoteDocument>;

interface JsonLdOptions {
  documentLoader?: JsonLdDocumentLoader;
  base?: string | null;
  safe?: boolean;
}

/** The subset of the jsonld.js API the project uses. */
export interface JsonLdApi {
  expand(input: unknown, options?: JsonLdOptions): Promise<Record<string, unknown>[]>;
  compact(input: unknown, ctx: unknown, options?: JsonLdOptions): Promise<Record<string, unknown>>;
  canonize(
    input: unknown,
    options?: JsonLdOptions & { algorithm?: string; format?: string },
  ): Promise<string>;
}

const require = createRequire(import.meta.url);
/** The jsonld.js module itself, typed. Prefer the offline helpers below. */
export const jsonld = require('jsonld') as JsonLdApi;

/**
 * jsonld.js wraps loader failures in its own errors (`details.cause`); find our ValidationError
 * inside so that an unknown context reaches the caller as `unknown_context`, not as a generic failure.
 */
function toPontisError(err: unknown, what: string): PontisError {
  let cur: unknown = err;
  for (let depth = 0; depth < 8 && cur !== null && typeof cur === 'object'; depth++) {
    if (cur instanceof PontisError) return cur;
    const c = cur as { cause?: unknown; details?: { cause?: unknown } };
    cur = c.details?.cause ?? c.cause;
  }
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { name?: string; details?: { code?: string } } | null)?.details?.code;
  return new ValidationError(`${what} failed: ${message}`, { jsonldCode: code }, 'invalid_jsonld');
}

/** jsonld.expand with the offline loader; JSON-LD errors become ValidationErrors. */
export async function expandOffline(input: unknown): Promise<Record<string, unknown>[]> {
  try {
    return await jsonld.expand(input, { documentLoader: offlineDocumentLoader });
  } catch (err) {
    throw toPontisError(err, 'JSON-LD expansion');
  }
}

/** jsonld.compact with the offline loader; JSON-LD errors become ValidationErrors. */
export async function compactOffline(input: unknown, context: unknown): Promise<Record<string, unknown>> {
  try {
    return await jsonld.compact(input, context, { documentLoader: offlineDocumentLoader });
  } catch (err) {
    throw toPontisError(err, 'JSON-LD compaction');
  }
}
